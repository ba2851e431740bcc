/*
 * pki/x509/names_constraints.c — RFC 5280 §4.2.1.10 name constraints: every name of a certificate against
 * one CA's permitted and excluded subtrees. Work is bounded (SB_NC_MAX_CHECKS).
 */
#include "pki/x509/names_local.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/objects.h>

#include "pki/x509/cert_format.h"

/* Upper bound on names x constraints per (certificate, CA) pair; OpenSSL uses the same figure. */
#define SB_NC_MAX_CHECKS ((uint64_t)1 << 20)

/* Number of permitted / excluded subtrees per GeneralName type. */
struct sb_nc_index {
    size_t perm[GEN_RID + 1];
    size_t excl[GEN_RID + 1];
    size_t total;
};

/* Constraint matching: 1 = name within the subtree, 0 = not, -1 = cannot be evaluated (malformed name) */

/* n is c or a subdomain of c (label-aligned); an empty c covers every name. */
static int sb_dns_within(const unsigned char *n, size_t nl, const unsigned char *c, size_t cl)
{
    if (cl == 0 || sb_names_ieq(n, nl, c, cl)) {
        return 1;
    }
    return nl > cl && n[nl - cl - 1] == '.' && sb_names_ieq(n + nl - cl, cl, c, cl);
}

/*
 * A wildcard name "*.B" stands for every "L.B" with one label L. For a permitted subtree all of them must
 * lie inside (B within C). For an excluded subtree any overlap counts (CVE-2025-61727): B within C, or C
 * itself is some "L.B".
 */
static int sb_nc_match_dns(const struct sb_nm *nm, const unsigned char *c, size_t cl, int excluded)
{
    const unsigned char *b;
    size_t bl;

    if (nm->data == NULL || !sb_names_dns_syntax(nm->data, nm->len, SB_DNS_WILDCARD)) {
        return -1;
    }
    if (!sb_names_is_wildcard(nm->data, nm->len)) {
        return sb_dns_within(nm->data, nm->len, c, cl);
    }
    b = nm->data + 2;
    bl = nm->len - 2;
    if (sb_dns_within(b, bl, c, cl)) {
        return 1;
    }
    return excluded && cl > bl + 1 && c[cl - bl - 1] == '.' && sb_names_ieq(c + cl - bl, bl, b, bl)
           && memchr(c, '.', cl - bl - 1) == NULL;
}

static int sb_nc_match_ip(const struct sb_nm *nm, const unsigned char *c, size_t cl)
{
    size_t i;

    if (nm->data == NULL || (nm->len != 4 && nm->len != 16)) {
        return -1;
    }
    if (cl != 2 * nm->len) {
        return 0; /* other address family */
    }
    for (i = 0; i < nm->len; i++) {
        if (((nm->data[i] ^ c[i]) & c[nm->len + i]) != 0) {
            return 0;
        }
    }
    return 1;
}

static int sb_nc_match_email(const struct sb_nm *nm, const unsigned char *c, size_t cl)
{
    size_t at;
    size_t cat;
    const unsigned char *dom;
    size_t dl;

    if (nm->data == NULL || !sb_names_mailbox_split(nm->data, nm->len, &at)) {
        return -1;
    }
    dom = nm->data + at + 1;
    dl = nm->len - at - 1;
    if (cl == 0) {
        return 1;
    }
    cat = sb_names_last(c, cl, '@');
    if (cat != cl) { /* a particular mailbox: local part exact, domain case-insensitive */
        return at == cat && memcmp(nm->data, c, at) == 0 && sb_names_ieq(dom, dl, c + cat + 1, cl - cat - 1);
    }
    if (c[0] == '.') { /* any host in the domain, not the domain itself */
        return dl > cl && sb_names_iends(dom, dl, c, cl);
    }
    return sb_names_ieq(dom, dl, c, cl); /* all mailboxes on one host */
}

static int sb_nc_match_uri(const struct sb_nm *nm, const unsigned char *c, size_t cl)
{
    size_t off = 0;
    size_t hl = 0;
    int kind;

    if (nm->data == NULL || !sb_names_uri_syntax(nm->data, nm->len)) {
        return -1;
    }
    kind = sb_names_uri_host(nm->data, nm->len, &off, &hl);
    if (kind == 0) {
        return -1; /* no host to apply a host constraint to */
    }
    if (cl == 0) {
        return 1;
    }
    if (kind == 2) {
        return 0; /* an IP-literal host is not within any host or domain */
    }
    if (c[0] == '.') {
        return hl > cl && sb_names_iends(nm->data + off, hl, c, cl);
    }
    return sb_names_ieq(nm->data + off, hl, c, cl);
}

/* X.500 subtree: the RDN sequence of base is a prefix of the one of dn (canonical comparison). */
static int sb_nc_match_dn(const X509_NAME *dn, const X509_NAME *base)
{
    X509_NAME *pre = NULL;
    const X509_NAME_ENTRY *e;
    int nb = X509_NAME_entry_count(base);
    int nd = X509_NAME_entry_count(dn);
    int rdns;
    int i;
    int set;
    int prev = -1;
    int have = 0;
    int r = -1;

    if (nb <= 0) {
        return 1;
    }
    rdns = X509_NAME_ENTRY_set(X509_NAME_get_entry(base, nb - 1)) + 1;
    if ((pre = X509_NAME_new()) == NULL) {
        goto err;
    }
    for (i = 0; i < nd; i++) {
        e = X509_NAME_get_entry(dn, i);
        set = X509_NAME_ENTRY_set(e);
        if (set >= rdns) {
            break;
        }
        if (X509_NAME_add_entry(pre, e, -1, set == prev ? -1 : 0) != 1) {
            goto err;
        }
        if (set != prev) {
            have++;
        }
        prev = set;
    }
    r = (have == rdns && X509_NAME_cmp(pre, base) == 0) ? 1 : 0;
err:
    X509_NAME_free(pre);
    return r;
}

static int sb_nc_match(const struct sb_nm *nm, const GENERAL_NAME *base, int excluded)
{
    struct sb_nm c;

    sb_names_nm_from_gen(base, "", &c);
    switch (nm->type) {
    case GEN_DIRNAME:
        return (nm->dn == NULL || c.dn == NULL) ? -1 : sb_nc_match_dn(nm->dn, c.dn);
    case GEN_DNS:
        return c.data == NULL ? -1 : sb_nc_match_dns(nm, c.data, c.len, excluded);
    case GEN_IPADD:
        return c.data == NULL ? -1 : sb_nc_match_ip(nm, c.data, c.len);
    case GEN_EMAIL:
        return c.data == NULL ? -1 : sb_nc_match_email(nm, c.data, c.len);
    case GEN_URI:
        return c.data == NULL ? -1 : sb_nc_match_uri(nm, c.data, c.len);
    default:
        return -1;
    }
}

static void sb_nc_index_add(const STACK_OF(GENERAL_SUBTREE) *st, size_t *counts, size_t *total)
{
    const GENERAL_SUBTREE *sub;
    int i;

    for (i = 0; i < sk_GENERAL_SUBTREE_num(st); i++) {
        sub = sk_GENERAL_SUBTREE_value(st, i);
        if (sub != NULL && sub->base != NULL && sub->base->type >= 0 && sub->base->type <= GEN_RID) {
            counts[sub->base->type]++;
        }
        (*total)++;
    }
}

/* NAME_CONSTRAINTS failure for name nm against subtree base (NULL: no permitted subtree matched). */
static enum sb_reason sb_nc_fail(const struct sb_nm *nm, const GENERAL_NAME *base, int r, const char *cert,
                                 struct sb_err *err)
{
    char nbuf[SB_NAME_STR_MAX];
    char cbuf[SB_NAME_STR_MAX];
    const char *tn = sb_names_gen_type(nm->type);

    sb_names_nm_str(nm, nbuf, sizeof(nbuf));
    if (base == NULL) {
        return sb_err_set(err, SB_R_NAME_CONSTRAINTS,
                          "certificate '%s': %s %s '%s' is not within any permitted subtree", cert, nm->origin,
                          tn, nbuf);
    }
    sb_names_gen_str(base, cbuf, sizeof(cbuf));
    if (r < 0) {
        return sb_err_set(err, SB_R_NAME_CONSTRAINTS, "certificate '%s': %s %s '%s' cannot be checked against "
                          "the %s constraint '%s'", cert, nm->origin, tn, nbuf, tn, cbuf);
    }
    return sb_err_set(err, SB_R_NAME_CONSTRAINTS, "certificate '%s': %s %s '%s' is within excluded subtree '%s'",
                      cert, nm->origin, tn, nbuf, cbuf);
}

/* Check one name against the subtrees of its own type: excluded first, then permitted (if any). Forms that
 * are not evaluated (otherName, x400Address, ediPartyName, registeredID) fail closed when constrained. */
static enum sb_reason sb_nc_check_name(const NAME_CONSTRAINTS *nc, const struct sb_nc_index *ix,
                                       const struct sb_nm *nm, const char *cert, struct sb_err *err)
{
    const STACK_OF(GENERAL_SUBTREE) *st;
    const GENERAL_SUBTREE *sub;
    int i;
    int r;

    if (nm->type < 0 || nm->type > GEN_RID) {
        return sb_err_set(err, SB_R_NAME_CONSTRAINTS, "certificate '%s': name of unknown type %d", cert,
                          nm->type);
    }
    if (ix->perm[nm->type] == 0 && ix->excl[nm->type] == 0) {
        return SB_OK;
    }
    st = nc->excludedSubtrees;
    for (i = 0; i < sk_GENERAL_SUBTREE_num(st); i++) {
        sub = sk_GENERAL_SUBTREE_value(st, i);
        if (sub != NULL && sub->base != NULL && sub->base->type == nm->type
            && (r = sb_nc_match(nm, sub->base, 1)) != 0) {
            return sb_nc_fail(nm, sub->base, r, cert, err);
        }
    }
    if (ix->perm[nm->type] == 0) {
        return SB_OK;
    }
    st = nc->permittedSubtrees;
    for (i = 0; i < sk_GENERAL_SUBTREE_num(st); i++) {
        sub = sk_GENERAL_SUBTREE_value(st, i);
        if (sub == NULL || sub->base == NULL || sub->base->type != nm->type) {
            continue;
        }
        if ((r = sb_nc_match(nm, sub->base, 0)) < 0) {
            return sb_nc_fail(nm, sub->base, r, cert, err);
        }
        if (r > 0) {
            return SB_OK;
        }
    }
    return sb_nc_fail(nm, NULL, 0, cert, err);
}

/* A subject CN that looks like a host name (two or more labels) or an IP literal, as a DNS / IP name. */
static enum sb_reason sb_nc_check_cn(const NAME_CONSTRAINTS *nc, const struct sb_nc_index *ix,
                                     const X509_NAME_ENTRY *e, const char *cert, struct sb_err *err)
{
    unsigned char *utf8 = NULL;
    unsigned char ip[16];
    char txt[64];
    struct sb_nm nm;
    int n;
    enum sb_reason rc = SB_OK;

    if (ix->perm[GEN_DNS] + ix->excl[GEN_DNS] + ix->perm[GEN_IPADD] + ix->excl[GEN_IPADD] == 0) {
        return SB_OK;
    }
    if ((n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e))) < 0) {
        return sb_err_openssl(err, SB_R_NAME_CONSTRAINTS, "certificate '%s': subject CN cannot be decoded",
                              cert);
    }
    memset(&nm, 0, sizeof(nm));
    nm.origin = "subject CN";
    if ((size_t)n < sizeof(txt) && memchr(utf8, '\0', (size_t)n) == NULL) {
        memcpy(txt, utf8, (size_t)n);
        txt[n] = '\0';
        if (inet_pton(AF_INET, txt, ip) == 1) {
            nm.type = GEN_IPADD;
            nm.data = ip;
            nm.len = 4;
        } else if (inet_pton(AF_INET6, txt, ip) == 1) {
            nm.type = GEN_IPADD;
            nm.data = ip;
            nm.len = 16;
        }
    }
    if (nm.data == NULL && sb_names_dns_syntax(utf8, (size_t)n, SB_DNS_WILDCARD)
        && sb_names_label_count(utf8, (size_t)n) >= 2) {
        nm.type = GEN_DNS;
        nm.data = utf8;
        nm.len = (size_t)n;
    }
    if (nm.data != NULL) {
        rc = sb_nc_check_name(nc, ix, &nm, cert, err);
    }
    OPENSSL_free(utf8);
    return rc;
}

enum sb_reason sb_names_check_nc(X509 *cert, int is_leaf, const NAME_CONSTRAINTS *nc, struct sb_err *err)
{
    GENERAL_NAMES *san = NULL;
    const X509_NAME *subj;
    const X509_NAME_ENTRY *e;
    const ASN1_STRING *s;
    struct sb_nc_index ix;
    struct sb_nm nm;
    char cbuf[SB_CERT_STR_MAX];
    int crit = -1;
    int i;
    int nid;
    int type;
    int nsan;
    int nsubj;
    int dns_or_ip = 0;
    uint64_t names;
    enum sb_reason rc;

    if (cert == NULL || nc == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "name constraints: no certificate or no constraints");
    }
    if ((rc = sb_names_check_nc_syntax(nc, err)) != SB_OK) {
        return rc;
    }
    sb_certfmt_subject(cert, cbuf, sizeof(cbuf));
    memset(&ix, 0, sizeof(ix));
    sb_nc_index_add(nc->permittedSubtrees, ix.perm, &ix.total);
    sb_nc_index_add(nc->excludedSubtrees, ix.excl, &ix.total);

    san = X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, NULL);
    if (san == NULL && crit != -1) {
        rc = sb_err_openssl(err, SB_R_NAME_CONSTRAINTS,
                            "certificate '%s': subjectAltName is %s; names cannot be checked", cbuf,
                            crit == -2 ? "present more than once" : "malformed");
        goto err;
    }
    nsan = san == NULL ? 0 : sk_GENERAL_NAME_num(san);
    subj = X509_get_subject_name(cert);
    nsubj = subj == NULL ? 0 : X509_NAME_entry_count(subj);
    names = (uint64_t)nsan + (uint64_t)nsubj + 1;
    if (names * (uint64_t)ix.total > SB_NC_MAX_CHECKS) {
        rc = sb_err_set(err, SB_R_NAME_CONSTRAINTS,
                        "certificate '%s': %llu names x %zu constraints exceeds the limit of %llu checks", cbuf,
                        (unsigned long long)names, ix.total, (unsigned long long)SB_NC_MAX_CHECKS);
        goto err;
    }
    for (i = 0; i < nsan; i++) {
        type = sk_GENERAL_NAME_value(san, i)->type;
        if (type == GEN_DNS || type == GEN_IPADD) {
            dns_or_ip = 1;
        }
    }

    /* Subject DN (when non-empty) against directoryName subtrees. */
    if (nsubj > 0) {
        memset(&nm, 0, sizeof(nm));
        nm.type = GEN_DIRNAME;
        nm.dn = subj;
        nm.origin = "subject";
        if ((rc = sb_nc_check_name(nc, &ix, &nm, cbuf, err)) != SB_OK) {
            goto err;
        }
    }
    /* Subject attributes that carry names of other forms. */
    for (i = 0; i < nsubj; i++) {
        e = X509_NAME_get_entry(subj, i);
        nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
        if (nid == NID_pkcs9_emailAddress) {
            /* RFC 5280 4.2.1.10: rfc822Name constraints apply to emailAddress in the subject. */
            s = X509_NAME_ENTRY_get_data(e);
            memset(&nm, 0, sizeof(nm));
            nm.type = GEN_EMAIL;
            nm.data = ASN1_STRING_get0_data(s);
            nm.len = (size_t)ASN1_STRING_length(s);
            nm.origin = "subject emailAddress";
            if ((rc = sb_nc_check_name(nc, &ix, &nm, cbuf, err)) != SB_OK) {
                goto err;
            }
        } else if (nid == NID_commonName && is_leaf && !dns_or_ip) {
            /* A CN a client might still match as a host name must be inside the constraints too. */
            if ((rc = sb_nc_check_cn(nc, &ix, e, cbuf, err)) != SB_OK) {
                goto err;
            }
        }
    }
    /* Every subjectAltName entry against the subtrees of its form. */
    for (i = 0; i < nsan; i++) {
        sb_names_nm_from_gen(sk_GENERAL_NAME_value(san, i), "subjectAltName", &nm);
        if ((rc = sb_nc_check_name(nc, &ix, &nm, cbuf, err)) != SB_OK) {
            goto err;
        }
    }
    rc = SB_OK;
err:
    GENERAL_NAMES_free(san);
    return rc;
}
