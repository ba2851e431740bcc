/*
 * gateway/daemon/lifecycle.h — start and stop the daemon (gateway/daemon/lifecycle.c).
 */
#ifndef SBGW_LIFECYCLE_H
#define SBGW_LIFECYCLE_H

struct sbgw;
struct sb_diag;

/* Start the daemon as `serve` does, after evthread_use_pthreads() (conf_path must outlive gw): 0 ready (run
 * gw->base, loop 0, in this thread — the other loops run in their own threads — then sbgw_daemon_close); 1 configuration refused, -1 start failed (gw released, see diag / log). */
int sbgw_daemon_open(struct sbgw *gw, const char *conf_path, unsigned flags, struct sb_diag *diag);
/* flags of sbgw_daemon_open */
#define SBGW_OPEN_AUDIT_NEW_CHAIN 1u    /* --audit-new-chain: start a new audit chain if the log lost its checkpoint */
/* Stop what sbgw_daemon_open started and free it (queued jobs finish first); the loop must not be running. */
void sbgw_daemon_close(struct sbgw *gw);
/* While draining: stop every loop once no request, job or reply write is left (any loop's thread: the check
 * itself runs on loop 0). */
void sbgw_drain_check(struct sbgw *gw);

#endif
