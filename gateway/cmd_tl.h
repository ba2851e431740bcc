/*
 * gateway/cmd_tl.h — `sigbridge tl show`: ETSI TS 119 612 trusted lists (DESIGN §7).
 */
#ifndef SBGW_CMD_TL_H
#define SBGW_CMD_TL_H

/* sigbridge tl show [--signer CERT]... [--at TIME] [--json] FILE; returns the exit status. */
int sbgw_cmd_tl(int argc, char **argv);

#endif
