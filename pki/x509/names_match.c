/*
 * pki/x509/names_match.c — RFC 6125 matching of the expected peer name (DNS, IP, e-mail) against an
 * end-entity certificate, and the web PKI leaf profile.
 */
#include "pki/x509/names_local.h"

#include <arpa/inet.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/objects.h>

#include "pki/x509/cert_format.h"

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

static int sb_public_suffix(const unsigned char *s, size_t n)
{
    size_t i;

    if (sb_names_label_count(s, n) < 2) {
        return 1;
    }
    for (i = 0; i < sizeof(sb_psl_excerpt) / sizeof(sb_psl_excerpt[0]); i++) {
        if (sb_names_ieq(s, n, (const unsigned char *)sb_psl_excerpt[i], strlen(sb_psl_excerpt[i]))) {
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

    if (!sb_names_dns_syntax(p, pl, SB_DNS_WILDCARD)) {
        return 0;
    }
    if (!sb_names_is_wildcard(p, pl)) {
        return sb_names_ieq(p, pl, h, hl);
    }
    /* "*.B": B has two labels or more (and is no public suffix for web PKI); "*" is one whole label. */
    if (sb_names_label_count(p + 2, pl - 2) < 2 || (webpki && sb_public_suffix(p + 2, pl - 2))) {
        return 0;
    }
    if ((dot = memchr(h, '.', hl)) == NULL || dot == h) {
        return 0;
    }
    rest = hl - (size_t)(dot - h) - 1;
    return sb_names_ieq(dot + 1, rest, p + 2, pl - 2);
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
    sb_names_printable((const unsigned char *)host, hl, hbuf, sizeof(hbuf));
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
    if (!sb_names_dns_syntax((const unsigned char *)host, hl, 0)) {
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

    if (!sb_names_mailbox_split(b, bn, &bat)) {
        return 0;
    }
    return aat == bat && memcmp(a, b, aat) == 0 && sb_names_ieq(a + aat + 1, an - aat - 1, b + bat + 1, bn - bat - 1);
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
    sb_names_printable((const unsigned char *)email, el, ebuf, sizeof(ebuf));
    if (!sb_names_mailbox_split((const unsigned char *)email, el, &at)) {
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

/* ---- Web PKI leaf profile ---- */

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
    sb_certfmt_subject(leaf, cbuf, sizeof(cbuf));
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
            sb_names_printable(utf8, (size_t)n, nbuf, sizeof(nbuf));
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
