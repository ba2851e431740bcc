/*
 * gateway/daemon/fetch_lazy.c — a fetcher started on first use and shared (fetch_lazy.h). Ownership: the
 * holder owns the fetcher; one mutex guards starting it.
 */
#include "gateway/daemon/fetch_lazy.h"

#include <pthread.h>
#include <stdlib.h>

#include "gateway/daemon/fetch.h"

struct sbgw_fetch_lazy {
    pthread_mutex_t mu;
    struct sbgw_fetcher *f;             /* owned; NULL until the first get */
};

struct sbgw_fetch_lazy *sbgw_fetch_lazy_new(void)
{
    struct sbgw_fetch_lazy *l = calloc(1, sizeof(*l));

    if (l != NULL && pthread_mutex_init(&l->mu, NULL) != 0) {
        free(l);
        return NULL;
    }
    return l;
}

void sbgw_fetch_lazy_free(struct sbgw_fetch_lazy *l)
{
    if (l == NULL) {
        return;
    }
    sbgw_fetcher_free(l->f);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

struct sbgw_fetcher *sbgw_fetch_lazy_get(struct sbgw_fetch_lazy *l, char *err, size_t errlen)
{
    struct sbgw_fetcher *f;

    pthread_mutex_lock(&l->mu);
    if (l->f == NULL) {
        l->f = sbgw_fetcher_new(NULL, err, errlen);
    }
    f = l->f;
    pthread_mutex_unlock(&l->mu);
    return f;
}

struct sbgw_fetcher *sbgw_fetch_lazy_peek(struct sbgw_fetch_lazy *l)
{
    struct sbgw_fetcher *f;

    pthread_mutex_lock(&l->mu);
    f = l->f;
    pthread_mutex_unlock(&l->mu);
    return f;
}
