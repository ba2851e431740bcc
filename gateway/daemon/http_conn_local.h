/*
 * gateway/daemon/http_conn_local.h — the connection's state shared by http_conn.c (life cycle, timers,
 * writing, closing) and http_conn_read.c (reading a request: head, admission, body). Private to those two.
 */
#ifndef SBGW_HTTP_CONN_LOCAL_H
#define SBGW_HTTP_CONN_LOCAL_H

#include <time.h>

#include "gateway/daemon/sbgw.h"

enum conn_state { CS_HEAD, CS_BODY, CS_BUSY, CS_STREAM, CS_WRITING, CS_CLOSING, CS_LINGER };

struct sbgw_conn {
    struct sbgw *gw;
    struct sbgw_loop *loop;                   /* the loop that accepted it: the only one that touches it */
    struct sbgw_listener *l;
    struct bufferevent *bev;                  /* owned (and with it the socket and the SSL) */
    SSL *ssl;                                 /* borrowed from bev; NULL on plain listeners */
    struct event *timer;                      /* owned: the deadline of the current state */
    enum conn_state state;
    int counted;                              /* in l->n_conns (0: refused over the cap) */
    int replying;                             /* a reply is counted in gw->writing */
    char peer[64];
    char client[SBGW_ID_MAX + 1];             /* the TLS client id ("" none), known after the first request */
    int client_known;
    int cert_presented;                       /* a verified client certificate (mapped to client or not) */
    unsigned long n_requests;                 /* requests whose head was read */
    size_t scanned;                           /* head bytes already scanned (sbgw_http_head_scan) */
    int started;                              /* a byte of the current request arrived */
    struct timespec t_phase;                  /* start of the body (rate check) */
    struct sbgw_req *rq;                      /* the request being read or handled (rq->conn == this) */
    struct sbgw_http_chunked *chunked;        /* owned: decoder of a chunked body */
    long long body_left;                      /* Content-Length bytes still to read */
    long long reserved;                       /* bytes of gw->pending_body that are this connection's */
    int body_complete;                        /* the current request's body was read whole (or it has none) */
    int over_budget;                          /* a chunk did not fit limits.pending_body_bytes */
    size_t lingered;                          /* bytes discarded while lingering */
    struct sbgw_conn *prev, *next;            /* loop->conns */
};

/* The limits of the published snapshot (a connection between requests holds none). */
struct sbgw_conn_limits {
    int header_timeout_ms, idle_timeout_s;
    long long max_headers, max_body, body_min_rate, pending_body_bytes;
};

/* Every state change goes through here: gw->receiving counts the connections in BODY (every loop's). */
void sbgw_conn_set_state(struct sbgw_conn *c, enum conn_state st);
/* (Re)arm the connection's one timer ms from now. */
void sbgw_conn_arm(struct sbgw_conn *c, long ms);
/* The limits in force for c: its request's snapshot, else the published one, else the defaults. */
void sbgw_conn_limits_now(const struct sbgw_conn *c, struct sbgw_conn_limits *lim);
/* Give back c's share of limits.pending_body_bytes. */
void sbgw_conn_release_reservation(struct sbgw_conn *c);
/* Close and free c now (its request, if being read, is dropped; if being handled, loses its connection). */
void sbgw_conn_free(struct sbgw_conn *c);

/* (http_conn_read.c) A refusal while a request is read: answered as a request, then the connection closes. */
void sbgw_conn_refuse(struct sbgw_conn *c, enum sbgw_http_error e, const char *msg);
/* Read the head / the body from the input buffer: 1 the state advanced, 0 wait for more input. */
int sbgw_conn_read_head(struct sbgw_conn *c);
int sbgw_conn_read_body(struct sbgw_conn *c);

#endif
