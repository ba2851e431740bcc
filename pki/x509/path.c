#include "pki/x509/path.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>

#include "pki/x509/cert_format.h"
#include "pki/x509/names.h"
#include "pki/x509/cert_policy.h"
#include "pki/base/rfc3339_time.h"
#include "pki/x509/cert_decode.h"

#define MAX_EXTENSIONS 64

const char *sb_profile_name(enum sb_profile p)
{
    switch (p) {
    case SB_PROFILE_STRICT:
        return "strict";
    case SB_PROFILE_WEBPKI:
        return "webpki";
    default:
        return "rfc5280";
    }
}

/* 1 when the RFC 5280 §4 rules that bind the issuing CA, not the §6 outcome, are failures (strict, webpki). */
static int ca_profile_rules(const struct sb_path_opts *o)
{
    return o->profile >= SB_PROFILE_STRICT;
}

void sb_path_opts_init(struct sb_path_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->at = time(NULL);
    o->max_depth = -1;
    o->revocation = SB_REV_PREFER;
    o->profile = SB_PROFILE_RFC5280;
    o->skew_s = SB_PATH_DEFAULT_SKEW_S;
    sb_algs_default(&o->algs);
}

/* 1 if x's subject and issuer names are equal (RFC 5280 "self-issued"). */
static int sb_cert_self_issued(X509 *x)
{
    return X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
}

#define ANCHOR_ALONE ((size_t)-1)   /* label index of an anchor judged on its own (sb_path_anchor_profile) */

/* "certificate 2 (CN=Example CA)" for messages; "trust anchor (CN=Example CA)" for ANCHOR_ALONE. */
static const char *label(X509 *x, size_t idx, char *buf, size_t len)
{
    char name[200];

    if (idx == ANCHOR_ALONE) {
        snprintf(buf, len, "trust anchor (%s)", sb_certfmt_subject(x, name, sizeof(name)));
    } else {
        snprintf(buf, len, "certificate %zu (%s)", idx, sb_certfmt_subject(x, name, sizeof(name)));
    }
    sb_utf8_sanitize(buf);
    return buf;
}

/* A certificate's label rendered on first use: a passing path writes no message, and rendering a name
 * (X509_NAME_print_ex) costs more than most checks it would decorate. */
struct cert_label {
    X509 *x;
    size_t idx;
    char text[256];
};

static const char *lbl(struct cert_label *l)
{
    if (l->text[0] == '\0') {
        label(l->x, l->idx, l->text, sizeof(l->text));
    }
    return l->text;
}

static int is_ca(X509 *x)
{
    return (X509_get_extension_flags(x) & EXFLAG_CA) != 0 && (X509_get_extension_flags(x) & EXFLAG_BCONS) != 0;
}

/* Extension presence with criticality: -1 absent, 0 non-critical, 1 critical. */
static int ext_crit(X509 *x, int nid)
{
    int i = X509_get_ext_by_NID(x, nid, -1);

    if (i < 0) {
        return -1;
    }
    return X509_EXTENSION_get_critical(X509_get_ext(x, i)) ? 1 : 0;
}

static int known_extension(int nid)
{
    switch (nid) {
    case NID_basic_constraints:
    case NID_key_usage:
    case NID_ext_key_usage:
    case NID_subject_alt_name:
    case NID_issuer_alt_name:
    case NID_name_constraints:
    case NID_certificate_policies:
    case NID_policy_mappings:
    case NID_policy_constraints:
    case NID_inhibit_any_policy:
    case NID_subject_key_identifier:
    case NID_authority_key_identifier:
    case NID_crl_distribution_points:
    case NID_freshest_crl:
    case NID_info_access:
    case NID_sinfo_access:
        return 1;
    default:
        return 0;
    }
}

/* An extension that is a SEQUENCE SIZE (1..MAX) must decode and hold at least one element. */
static enum sb_reason check_nonempty_seq_ext(X509 *x, int nid, const char *what, struct cert_label *lb,
                                             struct sb_err *err)
{
    int crit = -1, cnt;
    OPENSSL_STACK *sk;

    sk = X509_get_ext_d2i(x, nid, &crit, NULL);
    if (sk == NULL) {
        if (crit >= 0) {
            return sb_err_set(err, SB_R_CERT_MALFORMED, "%s has a malformed %s extension", lbl(lb), what);
        }
        return SB_OK;
    }
    cnt = OPENSSL_sk_num(sk);
    if (nid == NID_info_access) {
        sk_ACCESS_DESCRIPTION_pop_free((AUTHORITY_INFO_ACCESS *)sk, ACCESS_DESCRIPTION_free);
    } else {
        sk_DIST_POINT_pop_free((CRL_DIST_POINTS *)sk, DIST_POINT_free);
    }
    if (cnt <= 0) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "%s has an empty %s extension", lbl(lb), what);
    }
    return SB_OK;
}

/* Structural checks of one certificate, independent of its position. */
static enum sb_reason check_structure(const struct sb_path_opts *o, X509 *x, size_t idx, int is_anchor,
                                      struct sb_err *err)
{
    int i, j, n = X509_get_ext_count(x), nid;
    const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
    uint32_t flags = X509_get_extension_flags(x);
    struct cert_label lb = { x, idx, "" };
    ASN1_OBJECT *oi;
    X509_EXTENSION *ext;
    const ASN1_BIT_STRING *ku_bits;
    enum sb_reason rc;

    if (n > MAX_EXTENSIONS) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "%s has %d extensions (limit %d)", lbl(&lb), n, MAX_EXTENSIONS);
    }
    if ((flags & EXFLAG_INVALID) != 0) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "%s has an extension that cannot be decoded", lbl(&lb));
    }
    if (n > 0 && X509_get_version(x) != X509_VERSION_3) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "%s carries extensions but is not version 3", lbl(&lb));
    }
    if (o->profile == SB_PROFILE_WEBPKI && X509_get_version(x) != X509_VERSION_3) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "%s is not a version 3 certificate", lbl(&lb));
    }
    if ((rc = check_nonempty_seq_ext(x, NID_info_access, "authorityInfoAccess", &lb, err)) != SB_OK ||
        (rc = check_nonempty_seq_ext(x, NID_crl_distribution_points, "cRLDistributionPoints", &lb, err)) != SB_OK) {
        return rc;
    }
    if (is_anchor) {
        /* trust inputs: serial and key-identifier rules bind issuing CAs, not the operator's anchor list */
        goto exts;
    }
    /* RFC 5280 §4.1.2.2: positive, at most 20 octets. Negative serials are tolerated in the rfc5280 and strict
     * profiles ("certificate users SHOULD be prepared to gracefully handle" them, as PKITS 4.4.14 expects). */
    if (ASN1_STRING_length(serial) > 20) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "%s has a serial number longer than 20 octets", lbl(&lb));
    }
    if (ASN1_STRING_length(serial) == 0 ||
        (ASN1_STRING_length(serial) == 1 && ASN1_STRING_get0_data(serial)[0] == 0)) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "%s has serial number zero", lbl(&lb));
    }
    if (o->profile == SB_PROFILE_WEBPKI && ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "%s has a negative serial number", lbl(&lb));
    }
    if (!sb_asn1_time_well_formed(X509_get0_notBefore(x)) || !sb_asn1_time_well_formed(X509_get0_notAfter(x))) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "%s has a validity time outside the RFC 5280 profile", lbl(&lb));
    }
    /* AKI is required except in self-signed certificates (RFC 5280 §4.2.1.1 binds the CA: strict) */
    if (ca_profile_rules(o) && X509_get0_authority_key_id(x) == NULL &&
        !(sb_cert_self_issued(x) && X509_check_issued(x, x) == X509_V_OK)) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "%s lacks the authorityKeyIdentifier keyIdentifier", lbl(&lb));
    }
exts:
    if (X509_NAME_entry_count(X509_get_issuer_name(x)) == 0 && (!is_anchor || ca_profile_rules(o))) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "%s has an empty issuer name", lbl(&lb));
    }
    for (i = 0; i < n; i++) {
        ext = X509_get_ext(x, i);
        oi = X509_EXTENSION_get_object(ext);
        nid = OBJ_obj2nid(oi);
        for (j = i + 1; j < n; j++) {
            if (OBJ_cmp(oi, X509_EXTENSION_get_object(X509_get_ext(x, j))) == 0) {
                return sb_err_set(err, SB_R_CERT_MALFORMED, "%s repeats an extension", lbl(&lb));
            }
        }
        if (X509_EXTENSION_get_critical(ext) && !known_extension(nid)) {
            char oid[80];

            OBJ_obj2txt(oid, sizeof(oid), oi, 1);
            return sb_err_set(err, SB_R_UNKNOWN_CRITICAL_EXT, "%s has unknown critical extension %s", lbl(&lb), oid);
        }
    }
    if ((flags & EXFLAG_XKUSAGE) != 0) {
        EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
        int cnt = eku == NULL ? 0 : sk_ASN1_OBJECT_num(eku);

        sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
        if (cnt == 0) {
            return sb_err_set(err, SB_R_CERT_MALFORMED, "%s has an empty extendedKeyUsage extension", lbl(&lb));
        }
    }
    if (!ca_profile_rules(o)) {
        return SB_OK; /* the rest are RFC 5280 §4 rules for the issuing CA; §6 processes these extensions as
                       * they are (policyConstraints whatever its criticality, keyUsage bit by bit) */
    }
    if (ext_crit(x, NID_authority_key_identifier) == 1 || ext_crit(x, NID_subject_key_identifier) == 1) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "%s marks a key identifier extension critical", lbl(&lb));
    }
    if (ext_crit(x, NID_info_access) == 1 || ext_crit(x, NID_freshest_crl) == 1) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "%s marks authorityInfoAccess or freshestCRL critical", lbl(&lb));
    }
    if (ext_crit(x, NID_policy_constraints) == 0) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "%s has a non-critical policyConstraints extension", lbl(&lb));
    }
    if ((ku_bits = X509_get_ext_d2i(x, NID_key_usage, NULL, NULL)) != NULL) {
        int empty = 1, b;

        for (b = 0; b < 9; b++) {
            if (ASN1_BIT_STRING_get_bit(ku_bits, b)) {
                empty = 0;
            }
        }
        ASN1_BIT_STRING_free((ASN1_BIT_STRING *)ku_bits);
        if (empty) {
            return sb_err_set(err, SB_R_CERT_MALFORMED, "%s has a keyUsage extension with no bit set", lbl(&lb));
        }
    }
    /* keyCertSign requires cA (RFC 5280 §4.2.1.3) */
    if ((X509_get_key_usage(x) & KU_KEY_CERT_SIGN) != 0 && (flags & EXFLAG_KUSAGE) != 0 && !is_ca(x)) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "%s asserts keyCertSign without basicConstraints cA", lbl(&lb));
    }
    if (o->profile == SB_PROFILE_WEBPKI && is_anchor && X509_get_ext_by_NID(x, NID_authority_key_identifier, -1) >= 0) {
        AUTHORITY_KEYID *akid = X509_get_ext_d2i(x, NID_authority_key_identifier, NULL, NULL);
        const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(x);
        int bad = akid == NULL || akid->keyid == NULL || akid->issuer != NULL || akid->serial != NULL ||
                  (sb_cert_self_issued(x) && (ski == NULL || ASN1_OCTET_STRING_cmp(akid->keyid, ski) != 0));

        AUTHORITY_KEYID_free(akid);
        if (bad) {
            return sb_err_set(err, SB_R_CERT_MALFORMED, "%s has an authorityKeyIdentifier that is not a "
                              "keyIdentifier matching its own", lbl(&lb));
        }
    }
    return SB_OK;
}

static enum sb_reason check_validity(const struct sb_path_opts *o, X509 *x, size_t idx, struct sb_err *err)
{
    time_t nb, na;
    int nb_frac = 0, na_frac = 0;
    char lb[256], when[32];

    if (!sb_asn1_time_to_unix(X509_get0_notBefore(x), &nb, &nb_frac) ||
        !sb_asn1_time_to_unix(X509_get0_notAfter(x), &na, &na_frac)) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "%s has an unreadable validity period",
                          label(x, idx, lb, sizeof(lb)));
    }
    if (nb > o->at || (nb == o->at && nb_frac)) {
        sb_time_format(nb, when, sizeof(when));
        return sb_err_set(err, SB_R_CERT_NOT_YET_VALID, "%s is not valid before %s", label(x, idx, lb, sizeof(lb)),
                          when);
    }
    if (na < o->at) {
        sb_time_format(na, when, sizeof(when));
        return sb_err_set(err, SB_R_CERT_EXPIRED, "%s expired at %s", label(x, idx, lb, sizeof(lb)), when);
    }
    return SB_OK;
}

/* x (index idx) issues the certificates below it; below = non-self-issued intermediates under it. */
static enum sb_reason check_issuer(const struct sb_path_opts *o, X509 *x, size_t idx, long below,
                                   int is_anchor, struct sb_err *err)
{
    struct cert_label lb = { x, idx, "" };
    uint32_t flags = X509_get_extension_flags(x);
    long pathlen;

    if (X509_get_version(x) != X509_VERSION_3 && is_anchor) {
        return SB_OK; /* a version 1 root: an operator-chosen anchor carries no CA extensions to check */
    }
    if (X509_get_version(x) != X509_VERSION_3) {
        /* RFC 5280 §6.1.4 (k): version 1/2 intermediates cannot be verified as CAs */
        return sb_err_set(err, SB_R_BASIC_CONSTRAINTS, "%s is a version %ld certificate used as a CA", lbl(&lb),
                          X509_get_version(x) + 1);
    }
    /* RFC 5280 §6.1.4 (k) binds intermediates. An anchor is a trust input (name and key, §6.1.1 (d)): under
     * rfc5280 only its own cA=false refuses it; strict and webpki hold it to the CA profile. */
    if (!is_ca(x) && (!is_anchor || ca_profile_rules(o) || (flags & EXFLAG_BCONS) != 0)) {
        return sb_err_set(err, SB_R_BASIC_CONSTRAINTS, "%s issues certificates but is not a CA (basicConstraints cA)",
                          lbl(&lb));
    }
    /* RFC 5280 §4.2.1.9 makes conforming CAs mark basicConstraints critical. Under strict the anchor and under
     * webpki every CA is held to it; intermediates with a non-critical one are accepted as PKITS 4.6.4 expects. */
    if (ext_crit(x, NID_basic_constraints) != 1 &&
        ((is_anchor && ca_profile_rules(o)) || o->profile == SB_PROFILE_WEBPKI)) {
        return sb_err_set(err, SB_R_BASIC_CONSTRAINTS, "%s is a CA whose basicConstraints is not critical", lbl(&lb));
    }
    if ((flags & EXFLAG_KUSAGE) != 0 && (X509_get_key_usage(x) & KU_KEY_CERT_SIGN) == 0) {
        return sb_err_set(err, SB_R_KEY_USAGE, "%s issues certificates but its keyUsage lacks keyCertSign", lbl(&lb));
    }
    if (X509_get0_subject_key_id(x) == NULL && ca_profile_rules(o)) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "%s is a CA without a subjectKeyIdentifier", lbl(&lb));
    }
    if (X509_NAME_entry_count(X509_get_subject_name(x)) == 0) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "%s is a CA with an empty subject name", lbl(&lb));
    }
    pathlen = X509_get_pathlen(x);
    if (pathlen >= 0 && below > pathlen) {
        return sb_err_set(err, SB_R_PATH_LENGTH, "%s allows %ld intermediate certificates below it, path has %ld",
                          lbl(&lb), pathlen, below);
    }
    if (o->profile == SB_PROFILE_WEBPKI && (flags & EXFLAG_XKUSAGE) != 0 && idx > 0 &&
        X509_get_ext_by_NID(x, NID_ext_key_usage, -1) >= 0 && X509_check_issued(x, x) == X509_V_OK) {
        return sb_err_set(err, SB_R_EKU, "%s is a root with an extendedKeyUsage extension", lbl(&lb));
    }
    return SB_OK;
}

enum sb_reason sb_path_anchor_profile(X509 *anchor, struct sb_err *err)
{
    struct sb_path_opts o;
    enum sb_reason rc;

    sb_path_opts_init(&o);
    o.profile = SB_PROFILE_STRICT;
    if ((rc = check_structure(&o, anchor, ANCHOR_ALONE, 1, err)) != SB_OK) {
        return rc;
    }
    return check_issuer(&o, anchor, ANCHOR_ALONE, 0, 1, err);
}

static enum sb_reason apply_name_constraints(const struct sb_path_opts *o, X509 *const *path, size_t n,
                                             struct sb_err *err)
{
    size_t j, i;
    int crit;
    NAME_CONSTRAINTS *nc;
    enum sb_reason rc = SB_OK;
    char lb[256];

    for (j = 0; j < n; j++) {
        nc = X509_get_ext_d2i(path[j], NID_name_constraints, &crit, NULL);
        if (nc == NULL) {
            if (crit >= 0) {
                return sb_err_set(err, SB_R_NAME_CONSTRAINTS, "%s has an undecodable nameConstraints",
                                  label(path[j], j, lb, sizeof(lb)));
            }
            continue;
        }
        if (j == 0 && !is_ca(path[0])) {
            rc = sb_err_set(err, SB_R_NAME_CONSTRAINTS, "%s is an end-entity certificate with nameConstraints",
                            label(path[j], j, lb, sizeof(lb)));
            goto done;
        }
        if (o->profile == SB_PROFILE_STRICT && crit != 1) {
            /* RFC 5280 §4.2.1.10 binds the CA; §6 applies the constraints whatever their criticality, and
             * the CA/Browser Forum allows them non-critical */
            rc = sb_err_set(err, SB_R_NAME_CONSTRAINTS, "%s has a non-critical nameConstraints extension",
                            label(path[j], j, lb, sizeof(lb)));
            goto done;
        }
        if ((rc = sb_names_check_nc_syntax(nc, err)) != SB_OK) {
            goto done;
        }
        for (i = 0; i < j; i++) {
            if (i > 0 && sb_cert_self_issued(path[i])) {
                continue;
            }
            if ((rc = sb_names_check_nc(path[i], i == 0, nc, err)) != SB_OK) {
                goto done;
            }
        }
        NAME_CONSTRAINTS_free(nc);
    }
    return SB_OK;
done:
    NAME_CONSTRAINTS_free(nc);
    return rc;
}

static enum sb_reason check_eku(const struct sb_path_opts *o, X509 *const *path, size_t n, struct sb_err *err)
{
    size_t i;
    int k, crit;
    EXTENDED_KEY_USAGE *eku;
    ASN1_OBJECT *want;
    char lb[256], oid[80];
    int have_any;
    enum sb_reason rc = SB_OK;

    if (o->profile == SB_PROFILE_WEBPKI) {
        eku = X509_get_ext_d2i(path[0], NID_ext_key_usage, &crit, NULL);
        if (eku == NULL) {
            return sb_err_set(err, SB_R_EKU, "%s has no extendedKeyUsage", label(path[0], 0, lb, sizeof(lb)));
        }
        rc = SB_OK;
        if (crit == 1) {
            rc = sb_err_set(err, SB_R_EKU, "%s marks extendedKeyUsage critical", label(path[0], 0, lb, sizeof(lb)));
        }
        for (k = 0; rc == SB_OK && k < sk_ASN1_OBJECT_num(eku); k++) {
            if (OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, k)) == NID_anyExtendedKeyUsage) {
                rc = sb_err_set(err, SB_R_EKU, "%s asserts anyExtendedKeyUsage", label(path[0], 0, lb, sizeof(lb)));
            }
        }
        sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
        if (rc != SB_OK) {
            return rc;
        }
    }
    if (o->ekus == NULL || sk_ASN1_OBJECT_num(o->ekus) == 0) {
        return SB_OK;
    }
    for (i = 0; i < n; i++) {
        eku = X509_get_ext_d2i(path[i], NID_ext_key_usage, NULL, NULL);
        if (eku == NULL) {
            continue; /* no EKU: unrestricted */
        }
        have_any = 0;
        for (k = 0; k < sk_ASN1_OBJECT_num(eku); k++) {
            if (OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, k)) == NID_anyExtendedKeyUsage) {
                have_any = o->profile != SB_PROFILE_WEBPKI || i > 0;
            }
        }
        for (k = 0; !have_any && k < sk_ASN1_OBJECT_num(o->ekus); k++) {
            want = sk_ASN1_OBJECT_value(o->ekus, k);
            if (sk_ASN1_OBJECT_find(eku, want) < 0) {
                int m, found = 0;

                for (m = 0; m < sk_ASN1_OBJECT_num(eku); m++) {
                    if (OBJ_cmp(sk_ASN1_OBJECT_value(eku, m), want) == 0) {
                        found = 1;
                    }
                }
                if (!found) {
                    OBJ_obj2txt(oid, sizeof(oid), want, 0);
                    rc = sb_err_set(err, SB_R_EKU, "%s does not allow extended key usage %s",
                                    label(path[i], i, lb, sizeof(lb)), oid);
                    break;
                }
            }
        }
        sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
        if (rc != SB_OK) {
            return rc;
        }
    }
    return SB_OK;
}

static enum sb_reason check_leaf(const struct sb_path_opts *o, X509 *const *path, size_t n, struct sb_err *err)
{
    X509 *leaf = path[0];
    uint32_t ku = X509_get_key_usage(leaf);
    struct cert_label lb = { leaf, 0, "" };
    size_t i;
    enum sb_reason rc;

    if (o->key_usage != 0 && (X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) != 0 &&
        (ku & o->key_usage) != o->key_usage) {
        return sb_err_set(err, SB_R_KEY_USAGE, "%s keyUsage does not allow the required usage", lbl(&lb));
    }
    if ((rc = sb_names_check_san_syntax(leaf, err)) != SB_OK) {
        return rc;
    }
    if (o->profile == SB_PROFILE_WEBPKI) {
        if (n > 1 && is_ca(leaf)) {
            return sb_err_set(err, SB_R_BASIC_CONSTRAINTS, "%s is a CA certificate used as an end entity", lbl(&lb));
        }
        if ((rc = sb_names_check_webpki_leaf(leaf, err)) != SB_OK) {
            return rc;
        }
    }
    /* RFC 5280 §4.2.1.6: with an empty subject the CA MUST mark subjectAltName critical (strict); a leaf that
     * names nothing at all is refused in every profile */
    if (X509_NAME_entry_count(X509_get_subject_name(leaf)) == 0 &&
        (ext_crit(leaf, NID_subject_alt_name) == -1 ||
         (ext_crit(leaf, NID_subject_alt_name) != 1 && ca_profile_rules(o)))) {
        return sb_err_set(err, SB_R_CERT_MALFORMED, "%s has an empty subject and no critical subjectAltName", lbl(&lb));
    }
    if ((rc = check_eku(o, path, n, err)) != SB_OK) {
        return rc;
    }
    if (o->hostname != NULL &&
        (rc = sb_names_match_host(leaf, o->hostname, o->profile == SB_PROFILE_WEBPKI, err)) != SB_OK) {
        return rc;
    }
    for (i = 0; i < o->n_emails; i++) {
        if ((rc = sb_names_match_email(leaf, o->emails[i], err)) != SB_OK) {
            return rc;
        }
    }
    return SB_OK;
}

static enum sb_reason run_policy(const struct sb_path_opts *o, X509 *const *path, size_t n,
                                 STACK_OF(ASN1_OBJECT) **policies, struct sb_err *err)
{
    X509 *rfc_order[64];
    struct sb_certpol_params pp;
    size_t i, m = n - 1;

    if (m > sizeof(rfc_order) / sizeof(rfc_order[0])) {
        return sb_err_set(err, SB_R_CHAIN_TOO_LONG, "path of %zu certificates is too long", n);
    }
    /* RFC 5280 order: the certificate issued by the anchor first, the target last; anchor excluded */
    for (i = 0; i < m; i++) {
        rfc_order[i] = path[m - 1 - i];
    }
    memset(&pp, 0, sizeof(pp));
    pp.user_initial_policy_set = o->policies;
    pp.initial_explicit_policy = o->explicit_policy;
    pp.initial_policy_mapping_inhibit = o->inhibit_policy_mapping;
    pp.initial_any_policy_inhibit = o->inhibit_any_policy;
    return sb_certpol_process(rfc_order, m, &pp, policies, err);
}

/* Prefix err's message with "what: ". */
static enum sb_reason prefix_err(struct sb_err *err, enum sb_reason rc, const char *what)
{
    char tmp[SB_ERR_MSG_MAX];

    if (err == NULL) {
        return rc;
    }
    snprintf(tmp, sizeof(tmp), "%s", err->msg);
    return sb_err_set(err, rc, "%s: %s", what, tmp);
}

enum sb_reason sb_path_check(const struct sb_path_opts *o, X509 *const *path, size_t n,
                             const struct sb_revocation_ctx *rev, STACK_OF(ASN1_OBJECT) **policies,
                             struct sb_rev_evidence *ev, struct sb_err *err)
{
    size_t j;
    long below = 0, depth = 0;
    enum sb_reason rc;
    char lb[256];

    if (policies != NULL) {
        *policies = NULL;
    }
    if (n == 0) {
        return sb_err_set(err, SB_R_CHAIN_NO_ANCHOR, "empty path");
    }
    /* from the anchor down, as RFC 5280 §6.1 processes a path */
    for (j = n; j-- > 0;) {
        if ((rc = check_structure(o, path[j], j, j == n - 1, err)) != SB_OK) {
            return rc;
        }
        if ((rc = check_validity(o, path[j], j, err)) != SB_OK) {
            return rc;
        }
        if ((rc = sb_sig_check_key(sb_cert_pubkey(path[j]), &o->algs, err)) != SB_OK ||
            (j < n - 1 && (rc = sb_sig_check_cert_alg(path[j], &o->algs, err)) != SB_OK)) {
            return prefix_err(err, rc, label(path[j], j, lb, sizeof(lb)));
        }
    }
    /* issuers: every certificate above the leaf */
    for (j = 1; j < n; j++) {
        if ((rc = check_issuer(o, path[j], j, below, j == n - 1, err)) != SB_OK) {
            return rc;
        }
        if (!sb_cert_self_issued(path[j]) && j < n - 1) {
            depth++;
        }
        if (j < n - 1 && !sb_cert_self_issued(path[j])) {
            below++;
        }
    }
    if (o->max_depth >= 0 && depth > o->max_depth) {
        return sb_err_set(err, SB_R_CHAIN_TOO_LONG, "path has %ld intermediate certificates, at most %d allowed",
                          depth, o->max_depth);
    }
    if ((rc = apply_name_constraints(o, path, n, err)) != SB_OK) {
        return rc;
    }
    if ((rc = check_leaf(o, path, n, err)) != SB_OK) {
        return rc;
    }
    if ((rc = run_policy(o, path, n, policies, err)) != SB_OK) {
        return rc;
    }
    if (rev != NULL && rev->mode != SB_REV_OFF) {
        for (j = 0; j + 1 < n; j++) {
            if ((rc = sb_revocation_check_ev(rev, path[j], path[j + 1], ev != NULL ? &ev[j] : NULL, err)) != SB_OK) {
                goto err;
            }
        }
    }
    return SB_OK;
err:
    if (policies != NULL && *policies != NULL) {
        sk_ASN1_OBJECT_pop_free(*policies, ASN1_OBJECT_free);
        *policies = NULL;
    }
    return rc;
}
