/*
 * gateway/daemon/http_conn.h — one client connection of sigbridge's own HTTP/1.1 server: strict framing
 * (http_parse.h) on a libevent bufferevent (plain or OpenSSL), the connection's deadlines, its share of
 * limits.pending_body_bytes, keep-alive and pipelining (one request at a time), and a clean close
 * (TLS close_notify; on plain sockets a short lingering close so a refusal is not lost to a reset).
 *
 * A connection belongs to the loop that accepted it (loops.c) and is only touched on that loop's thread.
 * It is freed only from its own event callbacks or by sbgw_conn_free_all.
 */
#ifndef SBGW_HTTP_CONN_H
#define SBGW_HTTP_CONN_H

#include <stddef.h>

#include <event2/util.h>

struct sbgw;
struct sbgw_loop;
struct sbgw_listener;
struct sbgw_conn;
struct evbuffer;

/* Serve fd (taken: closed on failure) accepted on l by loop lp. counted: it holds a slot of l's cap (0: it
 * holds one of gw->n_refusing, and the connection is refused with 503 OVERLOADED and closed); the slot is
 * the connection's, given back when it is freed (or at once on failure). 0 or -1. */
int sbgw_conn_start(struct sbgw_loop *lp, struct sbgw_listener *l, evutil_socket_t fd, const char *peer, int counted);
/* The loop that owns c. */
struct sbgw_loop *sbgw_conn_loop(const struct sbgw_conn *c);

/* Write the reply of the connection's current request (resp's bytes moved out); close_after: the connection
 * closes once it is written. The connection also closes when the request's body was not read whole. */
void sbgw_conn_reply(struct sbgw_conn *c, struct evbuffer *resp, int close_after);

/* A streamed reply (http.c's sbgw_reply_stream_*): the head's bytes are moved out and the connection stays with
 * its request (state STREAM) until sbgw_conn_stream_end; its write deadline (idle_timeout_s) restarts with
 * every piece and every drain. While streaming, the connection tells the request (sbgw_req_stream_event)
 * when its output drained below SBGW_STREAM_LOW_WATER bytes, and when it closed (the client left or did not
 * read within idle_timeout_s). */
#define SBGW_STREAM_LOW_WATER (64 * 1024)
void sbgw_conn_stream_begin(struct sbgw_conn *c, struct evbuffer *head);
/* Queue data's bytes (moved out). */
void sbgw_conn_stream_write(struct sbgw_conn *c, struct evbuffer *data);
/* Bytes queued for the client, not yet written to the socket. */
size_t sbgw_conn_stream_pending(const struct sbgw_conn *c);
/* The reply is complete (or abandoned: close_after 1 and the client sees a short body): what is queued is
 * written, then the connection goes on (keep-alive) or closes like after sbgw_conn_reply. */
void sbgw_conn_stream_end(struct sbgw_conn *c, int close_after);

/* Whether the connection will close after the current reply whatever the request asked (its body was not
 * read whole, or the server is draining). */
int sbgw_conn_must_close(const struct sbgw_conn *c);

/* Free every connection of every loop (the requests in flight lose their connection); the loops must have
 * stopped. */
void sbgw_conn_free_all(struct sbgw *gw);

#endif
