/*
 * gateway/cli/policy_dir.c — `--policy-dir DIR` for every command that takes one (chain, verify, translate,
 * policy explain): loading the directory with every error listed, picking a jurisdiction, and for chain /
 * verify the chain options taken from its trust policy, tightened by the command line (cli_opts.h).
 */
#include "gateway/cli/cli_opts.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void sbgw_policy_cli_free(struct sbgw_policy_cli *p)
{
    sb_tp_inputs_clear(&p->in);
    sb_policy_set_free(p->set);
    p->set = NULL;
    p->pol = NULL;
}

enum sb_reason sbgw_policy_load_set(const char *dir, int json, struct sb_policy_set **set, struct sb_err *err)
{
    struct sb_diag d;
    struct sb_err first;
    enum sb_reason rc;

    sb_diag_init(&d);
    sb_err_clear(&first);
    rc = sb_policy_set_load(dir, &d, set, &first);
    if (rc != SB_OK) {
        sb_diag_print(&d, stderr);
        if (json || d.n <= 1) {
            sb_err_set(err, rc, "%s", first.msg);
        } else {
            sb_err_set(err, rc, "policy directory %s has %zu errors (listed above)", dir, d.n);
        }
    }
    sb_diag_clear(&d);
    return rc;
}

static void known_ids(const struct sb_policy_set *s, char *buf, size_t len)
{
    size_t i, o = 0;

    buf[0] = '\0';
    for (i = 0; i < sb_policy_set_count(s) && o < len; i++) {
        int w = snprintf(buf + o, len - o, "%s%s", i > 0 ? ", " : "", sb_policy_set_get0(s, i)->id);

        o += w > 0 ? (size_t)w : 0;
    }
}

const struct sb_trust_policy *sbgw_policy_find_jur(const struct sb_policy_set *s, const char *id, const char *opt,
                                              struct sb_err *err)
{
    const struct sb_trust_policy *p = sb_policy_set_find(s, id);
    char known[256];

    if (p == NULL) {
        known_ids(s, known, sizeof(known));
        sb_err_set(err, SB_R_USAGE, "%s: unknown jurisdiction '%s' (%s defines: %s)", opt, id, sb_policy_set_dir(s),
                   known);
    }
    return p;
}

enum sb_reason sbgw_policy_cli_prepare(struct sbgw_policy_cli *p, const struct sbgw_chain_args *a, int json,
                                       struct sb_err *err)
{
    struct sb_path_opts *o;
    enum sb_reason rc;
    size_t i;

    if (p->dir == NULL || p->from == NULL) {
        return sb_err_set(err, SB_R_USAGE, "--policy-dir and --from go together");
    }
    if ((p->given & SBGW_GIVEN_ANCHOR) != 0) {
        return sb_err_set(err, SB_R_USAGE,
                          "--anchor cannot be combined with --policy-dir: the anchors are the policy's trust_anchors");
    }
    if ((rc = sbgw_policy_load_set(p->dir, json, &p->set, err)) != SB_OK) {
        return rc;
    }
    if ((p->pol = sbgw_policy_find_jur(p->set, p->from, "--from", err)) == NULL) {
        return SB_R_USAGE;
    }
    if ((rc = sb_trust_policy_prepare(p->pol, a->untrusted, a->crls, a->at_given ? a->path.at : time(NULL), &p->in,
                                      err)) != SB_OK) {
        return rc;
    }
    o = &p->in.opts;
    /* the command line can only tighten the policy */
    o->policies = a->path.policies;
    o->explicit_policy |= a->path.explicit_policy;
    o->inhibit_policy_mapping |= a->path.inhibit_policy_mapping;
    o->inhibit_any_policy |= a->path.inhibit_any_policy;
    if ((p->given & SBGW_GIVEN_MAX_DEPTH) != 0 && (o->max_depth < 0 || a->path.max_depth < o->max_depth)) {
        o->max_depth = a->path.max_depth;
    }
    if ((p->given & SBGW_GIVEN_REVOCATION) != 0) {
        if (a->path.revocation < o->revocation) {
            return sb_err_set(err, SB_R_USAGE,
                              "--revocation %s is weaker than %s's revocation.mode %s; the command line can only "
                              "tighten a policy", sb_tp_revocation_name(a->path.revocation), p->pol->id,
                              sb_tp_revocation_name(o->revocation));
        }
        o->revocation = a->path.revocation;
    }
    if ((p->given & SBGW_GIVEN_PROFILE) != 0) {
        if (a->path.profile < o->profile) {
            return sb_err_set(err, SB_R_USAGE,
                              "--profile %s is weaker than %s's certificate.profile %s; the command line can only "
                              "tighten a policy", sb_profile_name(a->path.profile), p->pol->id,
                              sb_profile_name(o->profile));
        }
        o->profile = a->path.profile;
        o->algs.webpki = o->profile == SB_PROFILE_WEBPKI;
    }
    if ((p->given & SBGW_GIVEN_SM2_ID) != 0) {
        o->sm2_id = a->path.sm2_id;
    }
    o->ekus = a->path.ekus;
    o->key_usage = a->path.key_usage;
    o->hostname = a->path.hostname;
    for (i = 0; i < a->path.n_emails; i++) {
        o->emails[i] = a->path.emails[i];
    }
    o->n_emails = a->path.n_emails;
    o->ocsps = a->path.ocsps;            /* --ocsp-response: used whatever revocation.sources says, as --crl */
    o->n_ocsps = a->path.n_ocsps;
    return SB_OK;
}

