/*
 * gateway/cmd_daemon.h — the daemon's subcommands: `sigbridge serve` and `sigbridge audit verify`.
 * Each returns the process exit status.
 */
#ifndef SBGW_CMD_DAEMON_H
#define SBGW_CMD_DAEMON_H

/* sigbridge serve [-c FILE] [--check]: run the gateway (exit 0 after a clean drain, 1 on start failure). */
int sbgw_cmd_serve(int argc, char **argv);
/* sigbridge audit verify FILE: 0 intact, 1 broken chain, 3 truncated tail only, 2 usage / unreadable. */
int sbgw_cmd_audit(int argc, char **argv);

struct sbgw;
struct sbgw_diag;
/* Start the daemon as `serve` does, after evthread_use_pthreads() (conf_path must outlive gw): 0 ready (run
 * gw->base, then sbgw_daemon_close); 1 configuration refused, -1 start failed (gw released, see diag / log). */
int sbgw_daemon_open(struct sbgw *gw, const char *conf_path, struct sbgw_diag *diag);
/* Stop what sbgw_daemon_open started and free it (queued jobs finish first); the loop must not be running. */
void sbgw_daemon_close(struct sbgw *gw);

#endif
