/*
 * `sigbridge serve [-c FILE] [--check]` — run the gateway daemon (gateway/daemon/lifecycle.c).
 *
 * `--check` loads everything exactly as a start or reload would, prints "configuration OK" and exits (0),
 * or prints every located error (exit 1) through sb_diag_print, as `check-config` does.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <event2/thread.h>

#include "gateway/cli/cmd.h"
#include "gateway/daemon/lifecycle.h"
#include "gateway/daemon/sbgw.h"

#define DEFAULT_CONF "conf/sigbridge.yaml"

static void serve_usage(FILE *f)
{
    fprintf(f, "usage: sigbridge serve [-c FILE] [--check]\n"
               "  -c, --config FILE   configuration (default %s)\n"
               "  --check             load the configuration and policies, report, exit\n"
               "signals: HUP reload, TERM/INT graceful drain, USR1 reopen the log file\n", DEFAULT_CONF);
}

int sbgw_cmd_serve(int argc, char **argv)
{
    const char *conf = DEFAULT_CONF;
    struct sb_diag diag;
    struct sbgw_snap *s;
    struct sbgw gw;
    int i, check = 0, rc;

    for (i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
            conf = argv[++i];
        } else if (strcmp(argv[i], "--check") == 0) {
            check = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            serve_usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "sigbridge serve: unexpected argument '%s'\n", argv[i]);
            serve_usage(stderr);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    if (evthread_use_pthreads() != 0) {
        fprintf(stderr, "sigbridge serve: libevent has no pthreads support\n");
        return 1;
    }
    sb_diag_init(&diag);
    if (check) {
        if ((s = sbgw_snap_load(conf, NULL, &diag)) == NULL) {
            sb_diag_print(&diag, stderr);
            fprintf(stderr, "sigbridge serve: %s: configuration refused\n", conf);
            sb_diag_clear(&diag);
            return 1;
        }
        sb_diag_clear(&diag);
        printf("configuration OK: %s (%zu jurisdictions, %zu routes, snapshot %s)\n", conf,
               sb_policy_set_count(s->set), s->cfg->n_routes, sb_policy_set_id(s->set));
        sbgw_snap_unref(s);
        return 0;
    }
    rc = sbgw_daemon_open(&gw, conf, &diag);
    sb_diag_print(&diag, stderr);
    if (rc > 0) {
        fprintf(stderr, "sigbridge serve: %s: configuration refused\n", conf);
    }
    sb_diag_clear(&diag);
    if (rc != 0) {
        return 1;
    }
    event_base_dispatch(gw.base);
    rc = gw.exit_code;
    sbgw_log_info(&gw.log, "-", "sigbridge stopped");
    sbgw_daemon_close(&gw);
    return rc;
}
