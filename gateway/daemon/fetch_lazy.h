/*
 * gateway/daemon/fetch_lazy.h — one network fetcher (fetch.h) shared by several users (the CRL and the OCSP
 * sources of a daemon or of one CLI process), started on the first fetch: starting one costs ~80 ms (the
 * system CA store for https) and a thread, which a daemon whose policies fetch nothing never pays.
 *
 * Ownership: the holder owns the fetcher; sbgw_fetch_lazy_free stops it (answering whatever is in flight,
 * asynchronous callbacks included) and frees it, so it must be freed *before* the users whose callbacks the
 * fetcher may still call. Thread-safe: any thread may call get and peek.
 */
#ifndef SBGW_FETCH_LAZY_H
#define SBGW_FETCH_LAZY_H

#include <stddef.h>

struct sbgw_fetcher;
struct sbgw_fetch_lazy;

/* NULL on allocation failure. Nothing is started. */
struct sbgw_fetch_lazy *sbgw_fetch_lazy_new(void);
/* Stop and free the fetcher if it was started, then the holder. NULL is a no-op. */
void sbgw_fetch_lazy_free(struct sbgw_fetch_lazy *l);
/* The fetcher, started now if it was not (default options); NULL with a message in err when it cannot start
 * (tried again at the next call). */
struct sbgw_fetcher *sbgw_fetch_lazy_get(struct sbgw_fetch_lazy *l, char *err, size_t errlen);
/* The fetcher if it was started, else NULL (never starts it: metrics, background refresh). */
struct sbgw_fetcher *sbgw_fetch_lazy_peek(struct sbgw_fetch_lazy *l);

#endif
