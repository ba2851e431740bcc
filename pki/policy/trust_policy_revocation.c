/*
 * pki/policy/trust_policy_revocation.c — the readers of a policy file's live-revocation keys:
 * revocation.sources (which revocation data is used, in order), revocation.fetch.allow (the URL prefixes
 * that may be fetched: nothing else, ever) and the checks that tie them together once the file is read
 * (crl needs a non-empty allow-list; CRL files need files). The plain keys (fetch.timeout_ms,
 * fetch.max_bytes, max_age_s) are generic rows of trust_policy_load.c's tables.
 * Ownership: everything read is stored in the struct sb_trust_policy being loaded, which owns it
 * (fetch_allow: an array of malloc'd strings freed by sb_trust_policy_free). No globals.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pki/policy/trust_policy_local.h"

#define SB_TP_MAX_ALLOW 64                 /* prefixes in revocation.fetch.allow */
#define SB_TP_ALLOW_MAX_LEN 2047           /* characters of one prefix */

static const char *const source_names[] = { "embedded", "ocsp", "crl", "files" };
static const unsigned source_bits[] = { SB_TP_SRC_EMBEDDED, SB_TP_SRC_OCSP, SB_TP_SRC_CRL, SB_TP_SRC_FILES };

void sb_tp_read_rev_sources(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                            const char *kpath)
{
    struct sb_trust_policy *p = obj;
    char child[SB_Y_KPATH_MAX];
    unsigned bits = 0;
    size_t i;
    int idx;

    (void)k;
    if (v->n == 0) {
        sb_y_error_at(c, v, kpath, "an empty list would check nothing; list at least one of embedded, ocsp, "
                                   "crl, files (or set revocation.mode: off)");
        return;
    }
    for (i = 0; i < v->n; i++) {
        sb_y_kpath_idx(child, sizeof(child), kpath, i);
        if ((idx = sb_y_enum(c, v->kids[i], child, source_names, 4)) < 0) {
            continue;
        }
        if ((bits & source_bits[idx]) != 0) {
            sb_y_error_at(c, v->kids[i], child, "%s is listed twice", source_names[idx]);
            continue;
        }
        if (source_bits[idx] == SB_TP_SRC_OCSP && (bits & SB_TP_SRC_CRL) == 0) {
            p->rev_ocsp_before_crl = 1;
        }
        bits |= source_bits[idx];
    }
    p->rev_sources = bits;
}

/* NULL when s is a URL prefix the fetcher can take (http:// or https://, a host, no userinfo, query,
 * fragment, spaces or controls), else why not. The fetcher normalises and checks it again. */
static const char *allow_prefix_problem(const char *s)
{
    const char *slash, *at;
    size_t skip, i;

    if (strncasecmp(s, "http://", 7) == 0) {
        skip = 7;
    } else if (strncasecmp(s, "https://", 8) == 0) {
        skip = 8;
    } else {
        return "not an http:// or https:// URL prefix (ldap:, file: and other schemes are never fetched)";
    }
    if (s[skip] == '\0' || s[skip] == '/' || s[skip] == ':') {
        return "the prefix has no host";
    }
    slash = strchr(s + skip, '/');
    at = strchr(s + skip, '@');
    if (at != NULL && (slash == NULL || at < slash)) {
        return "a URL prefix has no userinfo (user@host)";
    }
    for (i = 0; s[i] != '\0'; i++) {
        unsigned char ch = (unsigned char)s[i];

        if (ch <= 0x20 || ch == 0x7f) {
            return "spaces and control characters are not allowed in a URL prefix";
        }
        if (ch == '?' || ch == '#') {
            return "a URL prefix has no query or fragment";
        }
    }
    return NULL;
}

void sb_tp_read_fetch_allow(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                            const char *kpath)
{
    struct sb_trust_policy *p = obj;
    char child[SB_Y_KPATH_MAX];
    const char *s, *why;
    char *copy;
    size_t i;

    (void)k;
    if (v->n > SB_TP_MAX_ALLOW) {
        sb_y_error_at(c, v, kpath, "%zu prefixes, at most %d allowed", v->n, SB_TP_MAX_ALLOW);
        return;
    }
    if (p->fetch_allow == NULL && v->n > 0 && (p->fetch_allow = calloc(v->n, sizeof(char *))) == NULL) {
        sb_y_error_at(c, v, kpath, "out of memory");
        return;
    }
    for (i = 0; i < v->n; i++) {
        sb_y_kpath_idx(child, sizeof(child), kpath, i);
        if (!sb_y_str(c, v->kids[i], child, SB_TP_ALLOW_MAX_LEN, &s)) {
            continue;
        }
        if ((why = allow_prefix_problem(s)) != NULL) {
            sb_y_error_at(c, v->kids[i], child, "'%s': %s", s, why);
            continue;
        }
        if ((copy = strdup(s)) == NULL) {
            sb_y_error_at(c, v->kids[i], child, "out of memory");
            continue;
        }
        p->fetch_allow[p->fetch.n_allow++] = copy;
    }
    p->fetch.allow = (const char *const *)p->fetch_allow;
}

void sb_tp_check_revocation(struct sb_yfile *c, const struct sb_ynode *root, struct sb_trust_policy *p)
{
    const struct sb_ynode *rev = root != NULL ? sb_ynode_get(root, "revocation") : NULL;
    const struct sb_ynode *src = NULL, *crl = NULL;

    if (rev == NULL || rev->kind != SB_YN_MAP) {
        return;
    }
    src = sb_ynode_get(rev, "sources");
    crl = sb_ynode_get(rev, "crl");
    if ((p->rev_sources & (SB_TP_SRC_CRL | SB_TP_SRC_OCSP)) != 0 && p->fetch.n_allow == 0) {
        sb_y_error_at(c, src != NULL ? src : rev, src != NULL ? "revocation.sources" : "revocation",
                      "%s needs a non-empty revocation.fetch.allow: the URL prefixes that may be fetched",
                      (p->rev_sources & SB_TP_SRC_OCSP) != 0 ? "ocsp (asking the OCSP responders)"
                                                             : "crl (fetching CRL distribution points)");
    }
    if ((p->rev_sources & SB_TP_SRC_FILES) == 0 && crl != NULL && crl->kind == SB_YN_SEQ && crl->n > 0) {
        sb_y_error_at(c, crl, "revocation.crl", "CRL files are listed but revocation.sources does not include "
                                                "files");
    }
}
