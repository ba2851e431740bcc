/*
 * pki/x509/names_syntax.c — RFC 5280 §4.2.1.6 name syntax (subjectAltName entries) and §4.2.1.10
 * NameConstraints syntax. Host names use the RFC 1034 §3.5 preferred syntax as relaxed by RFC 1123 §2.1
 * (LDH labels); presented identifiers may carry "*" as the whole leftmost label.
 */
#include "pki/x509/names_local.h"

#include <string.h>

#include <openssl/objects.h>

#include "pki/x509/cert_format.h"

/* Host name syntax: labels of 1-63 letters, digits, hyphens, not starting or ending with '-', joined by
 * single dots, at most 253 octets; no trailing dot. Flags: SB_DNS_WILDCARD, SB_DNS_EMPTY. */
int sb_names_dns_syntax(const unsigned char *s, size_t n, unsigned flags)
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
        if (!sb_names_is_alnum(s[i]) && !(s[i] == '-' && lab > 0)) {
            return 0;
        }
        lab++;
    }
    return 1;
}

int sb_names_is_wildcard(const unsigned char *s, size_t n)
{
    return n >= 2 && s[0] == '*' && s[1] == '.';
}

size_t sb_names_label_count(const unsigned char *s, size_t n)
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
    return sb_names_is_alnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
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
    return sb_names_dns_syntax(s, n, 0);
}

/* RFC 5321 Mailbox; *at receives the index of the '@' separating local part and domain. */
int sb_names_mailbox_split(const unsigned char *s, size_t n, size_t *at)
{
    size_t a = sb_names_last(s, n, '@');

    if (a == n || !sb_local_syntax(s, a) || !sb_mail_domain_syntax(s + a + 1, n - a - 1)) {
        return 0;
    }
    *at = a;
    return 1;
}

/* Host of a URI with an authority: 1 = DNS-style host at s[*off..*off+*len), 2 = IP-literal host,
 * 0 = no authority or no usable host. */
int sb_names_uri_host(const unsigned char *s, size_t n, size_t *off, size_t *len)
{
    size_t i = 0;
    size_t a;
    size_t e;
    size_t j;
    size_t h;

    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) {
        return 0;
    }
    while (i < n && (sb_names_is_alnum(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')) {
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
    if (h == a || !sb_names_dns_syntax(s + a, h - a, 0)) {
        return 0;
    }
    *off = a;
    *len = h - a;
    return 1;
}

/* RFC 5280 §4.2.1.6 URI: absolute, printable ASCII, and a FQDN or IP host when it has an authority. */
int sb_names_uri_syntax(const unsigned char *s, size_t n)
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
    for (i = 0; i < n && (sb_names_is_alnum(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'); i++) {
    }
    if (i >= n || s[i] != ':' || i + 1 == n) {
        return 0;
    }
    if (n - i - 1 >= 2 && s[i + 1] == '/' && s[i + 2] == '/') {
        return sb_names_uri_host(s, n, &off, &len) != 0;
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
    if (allow_mailbox && sb_names_last(s, n, '@') != n) {
        return sb_names_mailbox_split(s, n, &at);
    }
    if (s[0] == '.') {
        return sb_names_dns_syntax(s + 1, n - 1, 0);
    }
    return sb_names_dns_syntax(s, n, 0);
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

/*
 * 1 if nm is well formed as a NameConstraints base (constraint) or as a subjectAltName entry. The forms not
 * evaluated (otherName, x400Address, ediPartyName, registeredID) pass: a certificate using a constrained
 * form of them is refused by the constraint check (sb_nc_check_name).
 */
static int name_syntax_ok(const struct sb_nm *nm, int constraint)
{
    size_t at;

    switch (nm->type) {
    case GEN_DIRNAME:
        return nm->dn != NULL;
    case GEN_OTHERNAME:
    case GEN_X400:
    case GEN_EDIPARTY:
    case GEN_RID:
        return 1;
    case GEN_DNS:
        return nm->data != NULL && sb_names_dns_syntax(nm->data, nm->len, constraint ? SB_DNS_EMPTY : SB_DNS_WILDCARD);
    case GEN_EMAIL:
        return nm->data != NULL && (constraint ? sb_host_constraint_syntax(nm->data, nm->len, 1)
                                               : sb_names_mailbox_split(nm->data, nm->len, &at));
    case GEN_URI:
        return nm->data != NULL && (constraint ? sb_host_constraint_syntax(nm->data, nm->len, 0)
                                               : sb_names_uri_syntax(nm->data, nm->len));
    case GEN_IPADD:
        return nm->data != NULL && (constraint ? sb_ip_constraint_syntax(nm->data, nm->len)
                                               : (nm->len == 4 || nm->len == 16));
    default:
        return 0;
    }
}

static enum sb_reason sb_subtrees_syntax(const STACK_OF(GENERAL_SUBTREE) *st, const char *which,
                                         struct sb_err *err)
{
    const GENERAL_SUBTREE *sub;
    const GENERAL_NAME *g;
    struct sb_nm nm;
    char buf[SB_NAME_STR_MAX];
    int i;

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
        sb_names_nm_from_gen(g, which, &nm);
        if (!name_syntax_ok(&nm, 1)) {
            sb_names_gen_str(g, buf, sizeof(buf));
            return sb_err_set(err, SB_R_NAME_CONSTRAINTS, "nameConstraints: malformed %s %s constraint '%s'",
                              which, sb_names_gen_type(g->type), buf);
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

/* ---- subjectAltName syntax ---- */

enum sb_reason sb_names_check_san_syntax(X509 *cert, struct sb_err *err)
{
    GENERAL_NAMES *gens = NULL;
    X509_EXTENSION *ext;
    const ASN1_OCTET_STRING *os;
    const unsigned char *p;
    const unsigned char *end;
    struct sb_nm nm;
    char cbuf[SB_CERT_STR_MAX];     /* the subject, rendered only for a message */
    char nbuf[SB_NAME_STR_MAX];
    int idx;
    int subj_empty;
    int i;
    enum sb_reason rc;

    if (cert == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "subjectAltName: no certificate");
    }
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
                          sb_certfmt_subject(cert, cbuf, sizeof(cbuf)));
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
                            sb_certfmt_subject(cert, cbuf, sizeof(cbuf)));
        goto err;
    }
    if (sk_GENERAL_NAME_num(gens) <= 0) {
        rc = sb_err_set(err, SB_R_CERT_MALFORMED, "certificate '%s': subjectAltName is empty",
                        sb_certfmt_subject(cert, cbuf, sizeof(cbuf)));
        goto err;
    }
    for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
        sb_names_nm_from_gen(sk_GENERAL_NAME_value(gens, i), "subjectAltName", &nm);
        if (!name_syntax_ok(&nm, 0)) {
            sb_names_nm_str(&nm, nbuf, sizeof(nbuf));
            rc = sb_err_set(err, SB_R_CERT_MALFORMED, "certificate '%s': malformed subjectAltName %s '%s'",
                            sb_certfmt_subject(cert, cbuf, sizeof(cbuf)), sb_names_gen_type(nm.type), nbuf);
            goto err;
        }
    }
    rc = SB_OK;
err:
    GENERAL_NAMES_free(gens);
    return rc;
}
