/*
 * `sigbridge serve [-c FILE] [--check] [--audit-new-chain]` — run the gateway daemon (gateway/daemon/lifecycle.c).
 *
 * `--check` loads everything exactly as a start or reload would, prints "configuration OK" and exits (0),
 * or prints every located error (exit 1) through sb_diag_print, as `check-config` does.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <event2/thread.h>

#include "gateway/cli/cli_parse.h"
#include "gateway/cli/cmd.h"
#include "gateway/daemon/lifecycle.h"
#include "gateway/daemon/sbgw.h"

#define DEFAULT_CONF "conf/sigbridge.yaml"

static void serve_usage(FILE *f)
{
    fprintf(f, "usage: sigbridge serve [-c FILE] [--check] [--audit-new-chain]\n"
               "  -c, --config FILE   configuration (default %s)\n"
               "  --check             load the configuration and policies, report, exit\n"
               "  --audit-new-chain   when the audit log does not hold the checkpoint of its side file (replaced\n"
               "                      or cut), move it aside and start a new chain that names the old head\n"
               "signals: HUP reload, TERM/INT graceful drain, USR1 reopen the log file and the audit log\n",
            DEFAULT_CONF);
}

/* serve words its usage errors itself: every one is an unexpected argument. */
static int serve_fail(enum sbgw_cli_fault f, const char *arg, const struct sb_err *err)
{
    (void)f;
    (void)err;
    fprintf(stderr, "sigbridge serve: unexpected argument '%s'\n", arg);
    serve_usage(stderr);
    return 2;
}

struct serve_args {
    const char *conf;
    int check;
    int audit_new_chain;
};

static const struct sbgw_opt serve_opts[] = {
    { .name = "config", .short_name = 'c', .has_value = 1, .kind = SBGW_OPT_STR,
      .off = offsetof(struct serve_args, conf) },
    { .name = "check", .kind = SBGW_OPT_FLAG, .off = offsetof(struct serve_args, check) },
    { .name = "audit-new-chain", .kind = SBGW_OPT_FLAG, .off = offsetof(struct serve_args, audit_new_chain) },
};

int sbgw_cmd_serve(int argc, char **argv)
{
    struct serve_args a = { DEFAULT_CONF, 0, 0 };
    const struct sbgw_opt_group group = { serve_opts, sizeof(serve_opts) / sizeof(serve_opts[0]), &a, NULL };
    const struct sbgw_cli cli = { .usage = serve_usage, .groups = &group, .n_groups = 1, .fail = serve_fail };
    const char *conf;
    struct sb_diag diag;
    struct sbgw_snap *s;
    struct sbgw gw;
    struct sb_err err;
    int rc;

    sb_err_clear(&err);
    if ((rc = sbgw_cli_parse(&cli, argc, argv, 0, &err)) >= 0) {
        return rc;
    }
    conf = a.conf;
    signal(SIGPIPE, SIG_IGN);
    if (evthread_use_pthreads() != 0) {
        fprintf(stderr, "sigbridge serve: libevent has no pthreads support\n");
        return 1;
    }
    sb_diag_init(&diag);
    if (a.check) {
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
    rc = sbgw_daemon_open(&gw, conf, a.audit_new_chain ? SBGW_OPEN_AUDIT_NEW_CHAIN : 0, &diag);
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
