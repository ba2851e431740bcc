/*
 * pki/x509/names.c — RFC 5280 §4.2.1.6 / §4.2.1.10 name syntax and name constraints, RFC 6125 host matching.
 *
 * All names are handled as raw bytes with explicit lengths (IA5String may hold NULs). Host names use the
 * RFC 1034 §3.5 preferred syntax as relaxed by RFC 1123 §2.1 (LDH labels); presented identifiers may
 * carry "*" as the whole leftmost label. Work on name constraints is bounded (SB_NC_MAX_CHECKS).
 */
#include "pki/x509/names.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

/* Upper bound on names x constraints per (certificate, CA) pair; OpenSSL uses the same figure. */
#define SB_NC_MAX_CHECKS ((uint64_t)1 << 20)
#define SB_NAME_STR_MAX 160
#define SB_CERT_STR_MAX 160

#define SB_DNS_WILDCARD 0x1u /* "*" allowed as the whole leftmost label (presented identifiers) */
#define SB_DNS_EMPTY 0x2u    /* the empty string is allowed (a constraint covering every name) */

/* One name of a certificate, from its SAN or its subject, as checked against constraints. */
struct sb_nm {
    int type;                  /* GEN_* */
    const unsigned char *data; /* GEN_DNS, GEN_EMAIL, GEN_URI, GEN_IPADD; NULL if absent */
    size_t len;
    const X509_NAME *dn;       /* GEN_DIRNAME */
    const char *origin;        /* "subjectAltName", "subject emailAddress", ... */
};

/* Number of permitted / excluded subtrees per GeneralName type. */
struct sb_nc_index {
    size_t perm[GEN_RID + 1];
    size_t excl[GEN_RID + 1];
    size_t total;
};

/*
 * Excerpt of the Public Suffix List (ICANN and private sections) used to refuse wildcards directly over a
 * registry-controlled suffix in the web PKI profile. Every single-label name is treated as a public suffix
 * as well. This is deliberately a short list of widely used suffixes, not the full PSL.
 */
static const char *const sb_psl_excerpt[] = {
    "co.uk", "org.uk", "ac.uk", "gov.uk", "ltd.uk", "plc.uk", "me.uk", "net.uk",
    "com.au", "net.au", "org.au", "edu.au", "gov.au",
    "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp",
    "com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "ac.cn",
    "com.hk", "net.hk", "org.hk", "edu.hk", "gov.hk", "idv.hk",
    "com.mo", "net.mo", "org.mo", "edu.mo", "gov.mo",
    "com.tw", "net.tw", "org.tw", "com.sg", "co.nz", "co.za", "com.br", "co.in", "co.kr",
    "s3.amazonaws.com", "cloudfront.net", "appspot.com", "github.io", "herokuapp.com",
    "blogspot.com", "azurewebsites.net", "netlify.app", "vercel.app", "pages.dev", "workers.dev",
    "firebaseapp.com",
};

/* ---------------------------------------------------------------------------------------------------- */
/* Character and string helpers                                                                         */

static int sb_lc(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static int sb_is_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int sb_ieq(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    size_t i;

    if (an != bn) {
        return 0;
    }
    for (i = 0; i < an; i++) {
        if (sb_lc(a[i]) != sb_lc(b[i])) {
            return 0;
        }
    }
    return 1;
}

/* 1 if s ends with suf (ASCII case-insensitive). */
static int sb_iends(const unsigned char *s, size_t n, const unsigned char *suf, size_t sn)
{
    if (sn > n) {
        return 0;
    }
    return sb_ieq(s + n - sn, sn, suf, sn);
}

/* Index of the last c in s[0..n), or n if none. */
static size_t sb_last(const unsigned char *s, size_t n, int c)
{
    size_t i;

    for (i = n; i > 0; i--) {
        if (s[i - 1] == c) {
            return i - 1;
        }
    }
    return n;
}

/* Printable copy of bytes for messages (non-printables become '?'). */
static void sb_printable(const unsigned char *s, size_t n, char *buf, size_t sz)
{
    size_t i;

    if (sz == 0) {
        return;
    }
    for (i = 0; i < n && i + 1 < sz; i++) {
        buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
    }
    buf[i] = '\0';
}

static void sb_ip_str(const unsigned char *ip, size_t n, char *buf, size_t sz)
{
    char a[INET6_ADDRSTRLEN];
    char m[INET6_ADDRSTRLEN];

    if ((n == 4 || n == 16) && inet_ntop(n == 4 ? AF_INET : AF_INET6, ip, a, sizeof(a)) != NULL) {
        snprintf(buf, sz, "%s", a);
    } else if ((n == 8 || n == 32) && inet_ntop(n == 8 ? AF_INET : AF_INET6, ip, a, sizeof(a)) != NULL
               && inet_ntop(n == 8 ? AF_INET : AF_INET6, ip + n / 2, m, sizeof(m)) != NULL) {
        snprintf(buf, sz, "%s/%s", a, m);
    } else {
        snprintf(buf, sz, "<%zu-byte address>", n);
    }
}

static void sb_cert_str(X509 *cert, char *buf, size_t sz)
{
    const X509_NAME *nm = X509_get_subject_name(cert);

    if (nm == NULL || X509_NAME_entry_count(nm) == 0 || X509_NAME_oneline(nm, buf, (int)sz) == NULL) {
        snprintf(buf, sz, "<empty subject>");
    }
}

static const char *sb_gen_type_name(int type)
{
    switch (type) {
    case GEN_OTHERNAME:
        return "otherName";
    case GEN_EMAIL:
        return "rfc822Name";
    case GEN_DNS:
        return "dNSName";
    case GEN_X400:
        return "x400Address";
    case GEN_DIRNAME:
        return "directoryName";
    case GEN_EDIPARTY:
        return "ediPartyName";
    case GEN_URI:
        return "uniformResourceIdentifier";
    case GEN_IPADD:
        return "iPAddress";
    case GEN_RID:
        return "registeredID";
    default:
        return "unknown";
    }
}

static void sb_nm_str(const struct sb_nm *nm, char *buf, size_t sz)
{
    switch (nm->type) {
    case GEN_DNS:
    case GEN_EMAIL:
    case GEN_URI:
        if (nm->data != NULL) {
            sb_printable(nm->data, nm->len, buf, sz);
            return;
        }
        break;
    case GEN_IPADD:
        if (nm->data != NULL) {
            sb_ip_str(nm->data, nm->len, buf, sz);
            return;
        }
        break;
    case GEN_DIRNAME:
        if (nm->dn != NULL && X509_NAME_oneline(nm->dn, buf, (int)sz) != NULL) {
            return;
        }
        break;
    default:
        break;
    }
    snprintf(buf, sz, "<%s>", sb_gen_type_name(nm->type));
}

/* Fill nm from a GeneralName (data stays borrowed from gen). */
static void sb_nm_from_gen(const GENERAL_NAME *gen, const char *origin, struct sb_nm *nm)
{
    const ASN1_STRING *s = NULL;

    memset(nm, 0, sizeof(*nm));
    nm->type = gen->type;
    nm->origin = origin;
    switch (gen->type) {
    case GEN_DNS:
        s = gen->d.dNSName;
        break;
    case GEN_EMAIL:
        s = gen->d.rfc822Name;
        break;
    case GEN_URI:
        s = gen->d.uniformResourceIdentifier;
        break;
    case GEN_IPADD:
        s = gen->d.iPAddress;
        break;
    case GEN_DIRNAME:
        nm->dn = gen->d.directoryName;
        break;
    default:
        break;
    }
    if (s != NULL) {
        nm->data = ASN1_STRING_get0_data(s);
        nm->len = (size_t)ASN1_STRING_length(s);
    }
}

static void sb_gen_str(const GENERAL_NAME *gen, char *buf, size_t sz)
{
    struct sb_nm nm;

    sb_nm_from_gen(gen, "", &nm);
    sb_nm_str(&nm, buf, sz);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Syntax                                                                                               */

/* Host name syntax: labels of 1-63 letters, digits, hyphens, not starting or ending with '-', joined by
 * single dots, at most 253 octets; no trailing dot. Flags: SB_DNS_WILDCARD, SB_DNS_EMPTY. */
static int sb_dns_syntax(const unsigned char *s, size_t n, unsigned flags)
{
    size_t i = 0;
    size_t lab = 0;

    if (n == 0) {
        return (flags & SB_DNS_EMPTY) != 0;
    }
    if (n > 253) {
        return 0;
    }
    if ((flags & SB_DNS_WILDCARD) != 0 && n >= 2 && s[0] == '*' && s[1] == '.') {
        i = 2;
    }
    for (; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (lab == 0 || lab > 63 || s[i - 1] == '-') {
                return 0;
            }
            lab = 0;
            continue;
        }
        if (!sb_is_alnum(s[i]) && !(s[i] == '-' && lab > 0)) {
            return 0;
        }
        lab++;
    }
    return 1;
}

static int sb_is_wildcard(const unsigned char *s, size_t n)
{
    return n >= 2 && s[0] == '*' && s[1] == '.';
}

static size_t sb_label_count(const unsigned char *s, size_t n)
{
    size_t i;
    size_t c = 1;

    for (i = 0; i < n; i++) {
        if (s[i] == '.') {
            c++;
        }
    }
    return n == 0 ? 0 : c;
}

static int sb_atext(int c)
{
    return sb_is_alnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* RFC 5321 Local-part: Dot-string or Quoted-string, at most 64 octets. */
static int sb_local_syntax(const unsigned char *s, size_t n)
{
    size_t i;

    if (n == 0 || n > 64) {
        return 0;
    }
    if (s[0] == '"') {
        if (n < 2 || s[n - 1] != '"') {
            return 0;
        }
        for (i = 1; i < n - 1; i++) {
            if (s[i] == '\\') {
                i++;
                if (i >= n - 1 || s[i] < 0x20 || s[i] > 0x7e) {
                    return 0;
                }
                continue;
            }
            if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"') {
                return 0;
            }
        }
        return 1;
    }
    for (i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (i == 0 || i == n - 1 || s[i - 1] == '.') {
                return 0;
            }
        } else if (!sb_atext(s[i])) {
            return 0;
        }
    }
    return 1;
}

/* RFC 5321 Domain or address-literal. */
static int sb_mail_domain_syntax(const unsigned char *s, size_t n)
{
    size_t i;

    if (n >= 3 && s[0] == '[' && s[n - 1] == ']') {
        for (i = 1; i < n - 1; i++) {
            if (s[i] < 33 || s[i] > 126 || s[i] == '[' || s[i] == '\\' || s[i] == ']') {
                return 0;
            }
        }
        return 1;
    }
    return sb_dns_syntax(s, n, 0);
}

/* RFC 5321 Mailbox; *at receives the index of the '@' separating local part and domain. */
static int sb_mailbox_split(const unsigned char *s, size_t n, size_t *at)
{
    size_t a = sb_last(s, n, '@');

    if (a == n || !sb_local_syntax(s, a) || !sb_mail_domain_syntax(s + a + 1, n - a - 1)) {
        return 0;
    }
    *at = a;
    return 1;
}

/* Host of a URI with an authority: 1 = DNS-style host at s[*off..*off+*len), 2 = IP-literal host,
 * 0 = no authority or no usable host. */
static int sb_uri_host(const unsigned char *s, size_t n, size_t *off, size_t *len)
{
    size_t i = 0;
    size_t a;
    size_t e;
    size_t j;
    size_t h;

    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) {
        return 0;
    }
    while (i < n && (sb_is_alnum(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')) {
        i++;
    }
    if (i >= n || s[i] != ':') {
        return 0;
    }
    i++;
    if (n - i < 2 || s[i] != '/' || s[i + 1] != '/') {
        return 0;
    }
    a = i + 2;
    for (e = a; e < n && s[e] != '/' && s[e] != '?' && s[e] != '#'; e++) {
    }
    for (j = e; j > a; j--) {
        if (s[j - 1] == '@') {
            a = j;
            break;
        }
    }
    if (a < e && s[a] == '[') {
        for (j = a + 1; j < e && s[j] != ']'; j++) {
        }
        return (j < e && j > a + 1) ? 2 : 0;
    }
    for (h = a; h < e && s[h] != ':'; h++) {
    }
    if (h == a || !sb_dns_syntax(s + a, h - a, 0)) {
        return 0;
    }
    *off = a;
    *len = h - a;
    return 1;
}

/* RFC 5280 §4.2.1.6 URI: absolute, printable ASCII, and a FQDN or IP host when it has an authority. */
static int sb_uri_syntax(const unsigned char *s, size_t n)
{
    size_t i = 0;
    size_t off;
    size_t len;

    for (i = 0; i < n; i++) {
        if (s[i] < 0x21 || s[i] > 0x7e) {
            return 0;
        }
    }
    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) {
        return 0;
    }
    for (i = 0; i < n && (sb_is_alnum(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'); i++) {
    }
    if (i >= n || s[i] != ':' || i + 1 == n) {
        return 0;
    }
    if (n - i - 1 >= 2 && s[i + 1] == '/' && s[i + 2] == '/') {
        return sb_uri_host(s, n, &off, &len) != 0;
    }
    return 1;
}

/* rfc822Name / URI constraint: "" (every name), "host", ".domain"; rfc822 also allows a full mailbox. */
static int sb_host_constraint_syntax(const unsigned char *s, size_t n, int allow_mailbox)
{
    size_t at;

    if (n == 0) {
        return 1;
    }
    if (allow_mailbox && sb_last(s, n, '@') != n) {
        return sb_mailbox_split(s, n, &at);
    }
    if (s[0] == '.') {
        return sb_dns_syntax(s + 1, n - 1, 0);
    }
    return sb_dns_syntax(s, n, 0);
}

/* iPAddress constraint: address then mask, 8 or 32 octets, mask a run of 1s followed by 0s. */
static int sb_ip_constraint_syntax(const unsigned char *s, size_t n)
{
    size_t i;
    int bit;
    int zero = 0;

    if (n != 8 && n != 32) {
        return 0;
    }
    for (i = n / 2; i < n; i++) {
        for (bit = 7; bit >= 0; bit--) {
            if ((s[i] >> bit) & 1) {
                if (zero) {
                    return 0;
                }
            } else {
                zero = 1;
            }
        }
    }
    return 1;
}

static enum sb_reason sb_subtrees_syntax(const STACK_OF(GENERAL_SUBTREE) *st, const char *which,
                                         struct sb_err *err)
{
    const GENERAL_SUBTREE *sub;
    const GENERAL_NAME *g;
    struct sb_nm nm;
    char buf[SB_NAME_STR_MAX];
    int i;
    int ok;

    if (st == NULL) {
        return SB_OK;
    }
    if (sk_GENERAL_SUBTREE_num(st) <= 0) {
        return sb_err_set(err, SB_R_NAME_CONSTRAINTS, "nameConstraints: %s is an empty sequence", which);
    }
    for (i = 0; i < sk_GENERAL_SUBTREE_num(st); i++) {
        sub = sk_GENERAL_SUBTREE_value(st, i);
        if (sub == NULL || sub->base == NULL) {
            return sb_err_set(err, SB_R_NAME_CONSTRAINTS, "nameConstraints: %s[%d] has no base", which, i);
        }
        if ((sub->minimum != NULL && ASN1_INTEGER_get(sub->minimum) != 0) || sub->maximum != NULL) {
            return sb_err_set(err, SB_R_NAME_CONSTRAINTS,
                              "nameConstraints: %s[%d] has minimum/maximum, which RFC 5280 forbids", which, i);
        }
        g = sub->base;
        sb_nm_from_gen(g, which, &nm);
        switch (g->type) {
        case GEN_DNS:
            ok = nm.data != NULL && sb_dns_syntax(nm.data, nm.len, SB_DNS_EMPTY);
            break;
        case GEN_EMAIL:
            ok = nm.data != NULL && sb_host_constraint_syntax(nm.data, nm.len, 1);
            break;
        case GEN_URI:
            ok = nm.data != NULL && sb_host_constraint_syntax(nm.data, nm.len, 0);
            break;
        case GEN_IPADD:
            ok = nm.data != NULL && sb_ip_constraint_syntax(nm.data, nm.len);
            break;
        case GEN_DIRNAME:
            ok = nm.dn != NULL;
            break;
        case GEN_OTHERNAME:
        case GEN_X400:
        case GEN_EDIPARTY:
        case GEN_RID:
            ok = 1; /* not evaluated; a certificate using the form is refused (sb_nc_check_name) */
            break;
        default:
            ok = 0;
            break;
        }
        if (!ok) {
            sb_gen_str(g, buf, sizeof(buf));
            return sb_err_set(err, SB_R_NAME_CONSTRAINTS, "nameConstraints: malformed %s %s constraint '%s'",
                              which, sb_gen_type_name(g->type), buf);
        }
    }
    return SB_OK;
}

enum sb_reason sb_names_check_nc_syntax(const NAME_CONSTRAINTS *nc, struct sb_err *err)
{
    enum sb_reason rc;

    if (nc == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "nameConstraints: no value to check");
    }
    if ((nc->permittedSubtrees == NULL || sk_GENERAL_SUBTREE_num(nc->permittedSubtrees) <= 0)
        && (nc->excludedSubtrees == NULL || sk_GENERAL_SUBTREE_num(nc->excludedSubtrees) <= 0)) {
        return sb_err_set(err, SB_R_NAME_CONSTRAINTS,
                          "nameConstraints: neither permittedSubtrees nor excludedSubtrees present (RFC 5280 "
                          "4.2.1.10: MUST NOT be empty)");
    }
    if ((rc = sb_subtrees_syntax(nc->permittedSubtrees, "permittedSubtrees", err)) != SB_OK) {
        return rc;
    }
    return sb_subtrees_syntax(nc->excludedSubtrees, "excludedSubtrees", err);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Constraint matching: 1 = name within the subtree, 0 = not, -1 = cannot be evaluated (malformed name)  */

/* n is c or a subdomain of c (label-aligned); an empty c covers every name. */
static int sb_dns_within(const unsigned char *n, size_t nl, const unsigned char *c, size_t cl)
{
    if (cl == 0 || sb_ieq(n, nl, c, cl)) {
        return 1;
    }
    return nl > cl && n[nl - cl - 1] == '.' && sb_ieq(n + nl - cl, cl, c, cl);
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

    if (nm->data == NULL || !sb_dns_syntax(nm->data, nm->len, SB_DNS_WILDCARD)) {
        return -1;
    }
    if (!sb_is_wildcard(nm->data, nm->len)) {
        return sb_dns_within(nm->data, nm->len, c, cl);
    }
    b = nm->data + 2;
    bl = nm->len - 2;
    if (sb_dns_within(b, bl, c, cl)) {
        return 1;
    }
    return excluded && cl > bl + 1 && c[cl - bl - 1] == '.' && sb_ieq(c + cl - bl, bl, b, bl)
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

    if (nm->data == NULL || !sb_mailbox_split(nm->data, nm->len, &at)) {
        return -1;
    }
    dom = nm->data + at + 1;
    dl = nm->len - at - 1;
    if (cl == 0) {
        return 1;
    }
    cat = sb_last(c, cl, '@');
    if (cat != cl) { /* a particular mailbox: local part exact, domain case-insensitive */
        return at == cat && memcmp(nm->data, c, at) == 0 && sb_ieq(dom, dl, c + cat + 1, cl - cat - 1);
    }
    if (c[0] == '.') { /* any host in the domain, not the domain itself */
        return dl > cl && sb_iends(dom, dl, c, cl);
    }
    return sb_ieq(dom, dl, c, cl); /* all mailboxes on one host */
}

static int sb_nc_match_uri(const struct sb_nm *nm, const unsigned char *c, size_t cl)
{
    size_t off = 0;
    size_t hl = 0;
    int kind;

    if (nm->data == NULL || !sb_uri_syntax(nm->data, nm->len)) {
        return -1;
    }
    kind = sb_uri_host(nm->data, nm->len, &off, &hl);
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
        return hl > cl && sb_iends(nm->data + off, hl, c, cl);
    }
    return sb_ieq(nm->data + off, hl, c, cl);
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

    sb_nm_from_gen(base, "", &c);
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
    const char *tn = sb_gen_type_name(nm->type);

    sb_nm_str(nm, nbuf, sizeof(nbuf));
    if (base == NULL) {
        return sb_err_set(err, SB_R_NAME_CONSTRAINTS,
                          "certificate '%s': %s %s '%s' is not within any permitted subtree", cert, nm->origin,
                          tn, nbuf);
    }
    sb_gen_str(base, cbuf, sizeof(cbuf));
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
    if (nm.data == NULL && sb_dns_syntax(utf8, (size_t)n, SB_DNS_WILDCARD)
        && sb_label_count(utf8, (size_t)n) >= 2) {
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
    sb_cert_str(cert, cbuf, sizeof(cbuf));
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
        sb_nm_from_gen(sk_GENERAL_NAME_value(san, i), "subjectAltName", &nm);
        if ((rc = sb_nc_check_name(nc, &ix, &nm, cbuf, err)) != SB_OK) {
            goto err;
        }
    }
    rc = SB_OK;
err:
    GENERAL_NAMES_free(san);
    return rc;
}

/* ---------------------------------------------------------------------------------------------------- */
/* subjectAltName syntax                                                                                */

enum sb_reason sb_names_check_san_syntax(X509 *cert, struct sb_err *err)
{
    GENERAL_NAMES *gens = NULL;
    X509_EXTENSION *ext;
    const ASN1_OCTET_STRING *os;
    const unsigned char *p;
    const unsigned char *end;
    struct sb_nm nm;
    char cbuf[SB_CERT_STR_MAX];
    char nbuf[SB_NAME_STR_MAX];
    size_t at;
    int idx;
    int subj_empty;
    int i;
    int ok;
    enum sb_reason rc;

    if (cert == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "subjectAltName: no certificate");
    }
    sb_cert_str(cert, cbuf, sizeof(cbuf));
    subj_empty = X509_NAME_entry_count(X509_get_subject_name(cert)) == 0;
    idx = X509_get_ext_by_NID(cert, NID_subject_alt_name, -1);
    if (idx < 0) {
        if (subj_empty) {
            return sb_err_set(err, SB_R_CERT_MALFORMED,
                              "certificate with an empty subject has no subjectAltName (RFC 5280 4.1.2.6)");
        }
        return SB_OK;
    }
    if (X509_get_ext_by_NID(cert, NID_subject_alt_name, idx) >= 0) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "certificate '%s': subjectAltName present more than once",
                          cbuf);
    }
    ext = X509_get_ext(cert, idx);
    if (subj_empty && X509_EXTENSION_get_critical(ext) != 1) {
        return sb_err_set(err, SB_R_CERT_MALFORMED,
                          "certificate with an empty subject has a non-critical subjectAltName (RFC 5280 "
                          "4.2.1.6)");
    }
    os = X509_EXTENSION_get_data(ext);
    p = ASN1_STRING_get0_data(os);
    end = p + ASN1_STRING_length(os);
    if ((gens = d2i_GENERAL_NAMES(NULL, &p, (long)(end - p))) == NULL || p != end) {
        rc = sb_err_openssl(err, SB_R_CERT_MALFORMED, "certificate '%s': subjectAltName is not valid DER",
                            cbuf);
        goto err;
    }
    if (sk_GENERAL_NAME_num(gens) <= 0) {
        rc = sb_err_set(err, SB_R_CERT_MALFORMED, "certificate '%s': subjectAltName is empty", cbuf);
        goto err;
    }
    for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
        sb_nm_from_gen(sk_GENERAL_NAME_value(gens, i), "subjectAltName", &nm);
        switch (nm.type) {
        case GEN_DNS:
            ok = nm.data != NULL && sb_dns_syntax(nm.data, nm.len, SB_DNS_WILDCARD);
            break;
        case GEN_IPADD:
            ok = nm.data != NULL && (nm.len == 4 || nm.len == 16);
            break;
        case GEN_EMAIL:
            ok = nm.data != NULL && sb_mailbox_split(nm.data, nm.len, &at);
            break;
        case GEN_URI:
            ok = nm.data != NULL && sb_uri_syntax(nm.data, nm.len);
            break;
        case GEN_DIRNAME:
            ok = nm.dn != NULL;
            break;
        case GEN_OTHERNAME:
        case GEN_X400:
        case GEN_EDIPARTY:
        case GEN_RID:
            ok = 1;
            break;
        default:
            ok = 0;
            break;
        }
        if (!ok) {
            sb_nm_str(&nm, nbuf, sizeof(nbuf));
            rc = sb_err_set(err, SB_R_CERT_MALFORMED, "certificate '%s': malformed subjectAltName %s '%s'",
                            cbuf, sb_gen_type_name(nm.type), nbuf);
            goto err;
        }
    }
    rc = SB_OK;
err:
    GENERAL_NAMES_free(gens);
    return rc;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Peer name matching                                                                                   */

static int sb_public_suffix(const unsigned char *s, size_t n)
{
    size_t i;

    if (sb_label_count(s, n) < 2) {
        return 1;
    }
    for (i = 0; i < sizeof(sb_psl_excerpt) / sizeof(sb_psl_excerpt[0]); i++) {
        if (sb_ieq(s, n, (const unsigned char *)sb_psl_excerpt[i], strlen(sb_psl_excerpt[i]))) {
            return 1;
        }
    }
    return 0;
}

/* RFC 6125 §6.4: presented identifier p against reference host h (already LDH-checked). */
static int sb_dns_presented_match(const unsigned char *p, size_t pl, const unsigned char *h, size_t hl,
                                  int webpki)
{
    const unsigned char *dot;
    size_t rest;

    if (!sb_dns_syntax(p, pl, SB_DNS_WILDCARD)) {
        return 0;
    }
    if (!sb_is_wildcard(p, pl)) {
        return sb_ieq(p, pl, h, hl);
    }
    /* "*.B": B has two labels or more (and is no public suffix for web PKI); "*" is one whole label. */
    if (sb_label_count(p + 2, pl - 2) < 2 || (webpki && sb_public_suffix(p + 2, pl - 2))) {
        return 0;
    }
    if ((dot = memchr(h, '.', hl)) == NULL || dot == h) {
        return 0;
    }
    rest = hl - (size_t)(dot - h) - 1;
    return sb_ieq(dot + 1, rest, p + 2, pl - 2);
}

enum sb_reason sb_names_match_host(X509 *leaf, const char *host, int webpki, struct sb_err *err)
{
    GENERAL_NAMES *gens = NULL;
    const GENERAL_NAME *g;
    const X509_NAME *subj;
    unsigned char *utf8 = NULL;
    unsigned char ip[16];
    char tmp[INET6_ADDRSTRLEN + 2];
    char hbuf[SB_NAME_STR_MAX];
    size_t hl;
    size_t iplen = 0;
    int crit = -1;
    int i;
    int n;
    enum sb_reason rc;

    if (leaf == NULL || host == NULL || host[0] == '\0') {
        return sb_err_set(err, SB_R_NAME_MISMATCH, "no host name to match");
    }
    hl = strlen(host);
    sb_printable((const unsigned char *)host, hl, hbuf, sizeof(hbuf));
    if (host[0] == '[' && hl >= 2 && host[hl - 1] == ']' && hl - 2 < sizeof(tmp)) {
        memcpy(tmp, host + 1, hl - 2);
        tmp[hl - 2] = '\0';
        if (inet_pton(AF_INET6, tmp, ip) == 1) {
            iplen = 16;
        }
    } else if (inet_pton(AF_INET, host, ip) == 1) {
        iplen = 4;
    } else if (inet_pton(AF_INET6, host, ip) == 1) {
        iplen = 16;
    }
    gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, &crit, NULL);
    if (gens == NULL && crit != -1) {
        rc = sb_err_openssl(err, SB_R_NAME_MISMATCH, "'%s': leaf subjectAltName is %s", hbuf,
                            crit == -2 ? "present more than once" : "malformed");
        goto err;
    }
    if (iplen != 0) {
        /* IP addresses match iPAddress entries only: never a dNSName, never the CN. */
        for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
            g = sk_GENERAL_NAME_value(gens, i);
            if (g->type == GEN_IPADD && ASN1_STRING_length(g->d.iPAddress) == (int)iplen
                && memcmp(ASN1_STRING_get0_data(g->d.iPAddress), ip, iplen) == 0) {
                rc = SB_OK;
                goto err;
            }
        }
        rc = sb_err_set(err, SB_R_NAME_MISMATCH, "IP address %s is not among the leaf's iPAddress names", hbuf);
        goto err;
    }
    if (hl > 1 && host[hl - 1] == '.') {
        hl--; /* absolute form "example.com." */
    }
    if (!sb_dns_syntax((const unsigned char *)host, hl, 0)) {
        rc = sb_err_set(err, SB_R_NAME_MISMATCH, "'%s' is neither an IP address nor a valid host name", hbuf);
        goto err;
    }
    if (gens != NULL) {
        for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
            g = sk_GENERAL_NAME_value(gens, i);
            if (g->type == GEN_DNS
                && sb_dns_presented_match(ASN1_STRING_get0_data(g->d.dNSName),
                                          (size_t)ASN1_STRING_length(g->d.dNSName),
                                          (const unsigned char *)host, hl, webpki)) {
                rc = SB_OK;
                goto err;
            }
        }
        rc = sb_err_set(err, SB_R_NAME_MISMATCH, "host '%s' matches no dNSName of the leaf", hbuf);
        goto err;
    }
    if (webpki) {
        rc = sb_err_set(err, SB_R_NAME_MISMATCH,
                        "host '%s': leaf has no subjectAltName and the web PKI profile never uses the CN", hbuf);
        goto err;
    }
    /* RFC 6125 §6.4.4: the CN only when there is no subjectAltName at all. */
    subj = X509_get_subject_name(leaf);
    i = -1;
    while ((i = X509_NAME_get_index_by_NID(subj, NID_commonName, i)) >= 0) {
        n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i)));
        if (n >= 0 && sb_dns_presented_match(utf8, (size_t)n, (const unsigned char *)host, hl, 0)) {
            rc = SB_OK;
            goto err;
        }
        OPENSSL_free(utf8);
        utf8 = NULL;
    }
    rc = sb_err_set(err, SB_R_NAME_MISMATCH, "host '%s' matches no subject CN of the leaf (no subjectAltName)",
                    hbuf);
err:
    OPENSSL_free(utf8);
    GENERAL_NAMES_free(gens);
    return rc;
}

/* Mailbox a (split at aat) equals mailbox b: local part exact, domain case-insensitive. */
static int sb_mailbox_eq(const unsigned char *a, size_t an, size_t aat, const unsigned char *b, size_t bn)
{
    size_t bat;

    if (!sb_mailbox_split(b, bn, &bat)) {
        return 0;
    }
    return aat == bat && memcmp(a, b, aat) == 0 && sb_ieq(a + aat + 1, an - aat - 1, b + bat + 1, bn - bat - 1);
}

enum sb_reason sb_names_match_email(X509 *leaf, const char *email, struct sb_err *err)
{
    GENERAL_NAMES *gens = NULL;
    const GENERAL_NAME *g;
    const X509_NAME *subj;
    const ASN1_STRING *s;
    char ebuf[SB_NAME_STR_MAX];
    size_t el;
    size_t at;
    int crit = -1;
    int i;
    enum sb_reason rc;

    if (leaf == NULL || email == NULL) {
        return sb_err_set(err, SB_R_NAME_MISMATCH, "no e-mail address to match");
    }
    el = strlen(email);
    sb_printable((const unsigned char *)email, el, ebuf, sizeof(ebuf));
    if (!sb_mailbox_split((const unsigned char *)email, el, &at)) {
        return sb_err_set(err, SB_R_NAME_MISMATCH, "'%s' is not a valid RFC 5321 mailbox", ebuf);
    }
    gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, &crit, NULL);
    if (gens == NULL && crit != -1) {
        rc = sb_err_openssl(err, SB_R_NAME_MISMATCH, "'%s': leaf subjectAltName is %s", ebuf,
                            crit == -2 ? "present more than once" : "malformed");
        goto err;
    }
    if (gens != NULL) {
        for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
            g = sk_GENERAL_NAME_value(gens, i);
            if (g->type == GEN_EMAIL
                && sb_mailbox_eq((const unsigned char *)email, el, at, ASN1_STRING_get0_data(g->d.rfc822Name),
                                 (size_t)ASN1_STRING_length(g->d.rfc822Name))) {
                rc = SB_OK;
                goto err;
            }
        }
        rc = sb_err_set(err, SB_R_NAME_MISMATCH, "'%s' matches no rfc822Name of the leaf", ebuf);
        goto err;
    }
    subj = X509_get_subject_name(leaf);
    i = -1;
    while ((i = X509_NAME_get_index_by_NID(subj, NID_pkcs9_emailAddress, i)) >= 0) {
        s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i));
        if (sb_mailbox_eq((const unsigned char *)email, el, at, ASN1_STRING_get0_data(s),
                          (size_t)ASN1_STRING_length(s))) {
            rc = SB_OK;
            goto err;
        }
    }
    rc = sb_err_set(err, SB_R_NAME_MISMATCH,
                    "'%s' matches no subject emailAddress of the leaf (no subjectAltName)", ebuf);
err:
    GENERAL_NAMES_free(gens);
    return rc;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Web PKI leaf profile                                                                                 */

/* CN equals a SAN entry: byte-for-byte dNSName, or the RFC 3986 / RFC 5952 text of an iPAddress. */
static int sb_cn_in_san(const unsigned char *cn, size_t cl, const GENERAL_NAMES *gens)
{
    const GENERAL_NAME *g;
    const ASN1_STRING *s;
    char txt[INET6_ADDRSTRLEN];
    int i;
    int len;

    for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
        g = sk_GENERAL_NAME_value(gens, i);
        if (g->type == GEN_DNS) {
            s = g->d.dNSName;
            if ((size_t)ASN1_STRING_length(s) == cl && memcmp(ASN1_STRING_get0_data(s), cn, cl) == 0) {
                return 1;
            }
        } else if (g->type == GEN_IPADD) {
            s = g->d.iPAddress;
            len = ASN1_STRING_length(s);
            if ((len == 4 || len == 16)
                && inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(s), txt, sizeof(txt)) != NULL
                && strlen(txt) == cl && memcmp(txt, cn, cl) == 0) {
                return 1;
            }
        }
    }
    return 0;
}

enum sb_reason sb_names_check_webpki_leaf(X509 *leaf, struct sb_err *err)
{
    GENERAL_NAMES *gens = NULL;
    const X509_NAME *subj;
    X509_EXTENSION *ext;
    unsigned char *utf8 = NULL;
    char cbuf[SB_CERT_STR_MAX];
    char nbuf[SB_NAME_STR_MAX];
    int idx;
    int subj_empty;
    int i;
    int n;
    enum sb_reason rc;

    if (leaf == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "web PKI leaf check: no certificate");
    }
    sb_cert_str(leaf, cbuf, sizeof(cbuf));
    subj = X509_get_subject_name(leaf);
    subj_empty = X509_NAME_entry_count(subj) == 0;
    if ((idx = X509_get_ext_by_NID(leaf, NID_subject_alt_name, -1)) < 0) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "certificate '%s': no subjectAltName (CABF BR 7.1.2.7.12)",
                          cbuf);
    }
    ext = X509_get_ext(leaf, idx);
    if (!subj_empty && X509_EXTENSION_get_critical(ext) == 1) {
        return sb_err_set(err, SB_R_CERT_MALFORMED,
                          "certificate '%s': subjectAltName is critical although the subject is not empty", cbuf);
    }
    if ((gens = X509V3_EXT_d2i(ext)) == NULL) {
        rc = sb_err_openssl(err, SB_R_CERT_MALFORMED, "certificate '%s': subjectAltName is malformed", cbuf);
        goto err;
    }
    /* CABF BR 7.1.4.3: a CN must repeat one of the subjectAltName entries exactly. */
    i = -1;
    while ((i = X509_NAME_get_index_by_NID(subj, NID_commonName, i)) >= 0) {
        n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i)));
        if (n < 0) {
            rc = sb_err_openssl(err, SB_R_CERT_MALFORMED, "certificate '%s': subject CN cannot be decoded", cbuf);
            goto err;
        }
        if (!sb_cn_in_san(utf8, (size_t)n, gens)) {
            sb_printable(utf8, (size_t)n, nbuf, sizeof(nbuf));
            rc = sb_err_set(err, SB_R_CERT_MALFORMED,
                            "certificate '%s': subject CN '%s' is not a copy of any subjectAltName entry",
                            cbuf, nbuf);
            goto err;
        }
        OPENSSL_free(utf8);
        utf8 = NULL;
    }
    rc = SB_OK;
err:
    OPENSSL_free(utf8);
    GENERAL_NAMES_free(gens);
    return rc;
}
