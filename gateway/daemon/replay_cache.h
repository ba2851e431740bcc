/*
 * gateway/daemon/replay_cache.h — the replay cache of bound proxy routes (routes[].bind): keys (SHA-256 values)
 * of accepted signatures, each kept until its expiry time, so that the same signed request is accepted once.
 *
 * One per process, loop thread only: no locks. Bounded: at most max live entries (24 bytes a slot, at most
 * 2 x max slots: 48 MiB for the default max); expired entries are reused and swept when the table fills. When max live entries
 * are present an add answers FULL and the caller refuses the request (fail closed: never forget a live key
 * to make room). Times are wall-clock seconds (the same clock as the Date check, so a clock stepped back
 * keeps keys longer, never shorter than the Date window that needs them).
 *
 * Seam for a cluster (a shared store such as Redis): the proxy uses only seen and add; add is the atomic
 * check-and-set (Redis: SET key 1 NX EXAT expires) and seen its read-only half. A shared store would answer
 * asynchronously — proxy.c's two call sites (admission and proxy_then) are where a callback would go.
 */
#ifndef SBGW_REPLAY_CACHE_H
#define SBGW_REPLAY_CACHE_H

#include <stddef.h>
#include <time.h>

#define SBGW_REPLAY_MAX_DEFAULT (1u << 20)   /* live keys; two per accepted bound request (proxy.c) */

struct sbgw_replay;

enum sbgw_replay_result {
    SBGW_REPLAY_ADDED = 0,    /* new: kept until its expiry */
    SBGW_REPLAY_SEEN,         /* present and not expired: a replay */
    SBGW_REPLAY_FULL,         /* max live keys present: not added */
    SBGW_REPLAY_NO_MEMORY
};

/* An empty cache holding at most max live keys (max >= 1); NULL when out of memory. */
struct sbgw_replay *sbgw_replay_new(size_t max);
void sbgw_replay_free(struct sbgw_replay *c);
/* 1 if key was added and expires after now. */
int sbgw_replay_seen(const struct sbgw_replay *c, const unsigned char key[32], time_t now);
/* Add key until expires (> now), unless it is present and live (SEEN). */
enum sbgw_replay_result sbgw_replay_add(struct sbgw_replay *c, const unsigned char key[32], time_t expires,
                                        time_t now);
/* Live keys at now (walks the table: tests and diagnostics). */
size_t sbgw_replay_count(const struct sbgw_replay *c, time_t now);

#endif
