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

#endif
