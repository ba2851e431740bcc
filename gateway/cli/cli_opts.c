#include "gateway/cli/cmd.h"
#include "gateway/cli/cli_opts.h"
#include "gateway/cli/cli_fetch.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "pki/base/load.h"
#include "pki/base/rfc3339_time.h"
#include "pki/x509/ocsp.h"

struct ku_name {
    const char *name;
    uint32_t bit;
};

static const struct ku_name ku_names[] = {
    { "digitalSignature", KU_DIGITAL_SIGNATURE }, { "nonRepudiation", KU_NON_REPUDIATION },
    { "contentCommitment", KU_NON_REPUDIATION },  { "keyEncipherment", KU_KEY_ENCIPHERMENT },
    { "dataEncipherment", KU_DATA_ENCIPHERMENT }, { "keyAgreement", KU_KEY_AGREEMENT },
    { "keyCertSign", KU_KEY_CERT_SIGN },          { "cRLSign", KU_CRL_SIGN },
    { "encipherOnly", KU_ENCIPHER_ONLY },         { "decipherOnly", KU_DECIPHER_ONLY },
};

enum sb_reason sbgw_chain_args_init(struct sbgw_chain_args *a, struct sb_err *err)
{
    memset(a, 0, sizeof(*a));
    sb_path_opts_init(&a->path);
    a->anchors = sk_X509_new_null();
    a->untrusted = sk_X509_new_null();
    a->crls = sk_X509_CRL_new_null();
    a->policies = sk_ASN1_OBJECT_new_null();
    a->ekus = sk_ASN1_OBJECT_new_null();
    if (a->anchors == NULL || a->untrusted == NULL || a->crls == NULL || a->policies == NULL || a->ekus == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    a->path.crls = a->crls;
    return SB_OK;
}

void sbgw_chain_args_free(struct sbgw_chain_args *a)
{
    sk_X509_pop_free(a->anchors, X509_free);
    sk_X509_pop_free(a->untrusted, X509_free);
    sk_X509_CRL_pop_free(a->crls, X509_CRL_free);
    sk_ASN1_OBJECT_pop_free(a->policies, ASN1_OBJECT_free);
    sk_ASN1_OBJECT_pop_free(a->ekus, ASN1_OBJECT_free);
    while (a->n_ocsps > 0) {
        OPENSSL_free((void *)a->ocsps[--a->n_ocsps].der);
    }
    OPENSSL_free(a->ocsps);
    sbgw_cli_fetch_close(a);
    memset(a, 0, sizeof(*a));
}

static int set_crl(void *obj, const struct sbgw_opt *o, const char *val, struct sb_err *err)
{
    struct sbgw_chain_args *a = obj;

    (void)o;
    return sb_load_crls(val, &a->crls, err) == SB_OK ? 0 : -1;
}

/* The DER OCSPResponse of data[0..len): the file itself, or the body of its PEM block "OCSP RESPONSE" (what
 * `openssl ocsp -respout` writes, and that label). *der new (OPENSSL_free); 0 when it is neither. Only the
 * OCSPResponse syntax is checked here: whatever it says is judged by the revocation check. */
static int ocsp_der(const unsigned char *data, size_t len, unsigned char **der, long *der_len)
{
    const unsigned char *p;
    OCSP_RESPONSE *r;
    BIO *bio;
    char *name = NULL, *header = NULL;
    int ok;

    *der = NULL;
    if (len > 11 && memcmp(data, "-----BEGIN ", 11) == 0) {
        if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL) {
            return 0;
        }
        ok = PEM_read_bio(bio, &name, &header, der, der_len) == 1 && strcmp(name, PEM_STRING_OCSP_RESPONSE) == 0;
        BIO_free(bio);
        OPENSSL_free(name);
        OPENSSL_free(header);
        if (!ok) {
            OPENSSL_free(*der);
            *der = NULL;
            return 0;
        }
    } else if ((*der = OPENSSL_memdup(data, len)) != NULL) {
        *der_len = (long)len;
    } else {
        return 0;
    }
    p = *der;
    r = *der_len > 0 ? d2i_OCSP_RESPONSE(NULL, &p, *der_len) : NULL;
    ok = r != NULL && p == *der + *der_len;
    OCSP_RESPONSE_free(r);
    if (!ok) {
        OPENSSL_free(*der);
        *der = NULL;
    }
    return ok;
}

/* --fetch-allow PREFIX (repeatable). */
static int set_fetch_allow(void *obj, const struct sbgw_opt *o, const char *val, struct sb_err *err)
{
    struct sbgw_chain_args *a = obj;

    (void)o;
    if (a->n_fetch_allow >= SBGW_MAX_FETCH_ALLOW) {
        sb_err_set(err, SB_R_USAGE, "--fetch-allow: at most %d prefixes", SBGW_MAX_FETCH_ALLOW);
        return -1;
    }
    a->fetch_allow[a->n_fetch_allow++] = val;
    return 0;
}

/* --ocsp-response FILE: one OCSPResponse, DER or PEM, judged like a fetched one (source "file"). */
static int set_ocsp_response(void *obj, const struct sbgw_opt *o, const char *val, struct sb_err *err)
{
    struct sbgw_chain_args *a = obj;
    struct sb_ocsp_supplied *grown;
    unsigned char *data = NULL, *der = NULL;
    size_t len = 0;
    long der_len = 0;
    struct sb_err e;

    (void)o;
    if (a->n_ocsps >= SBGW_MAX_OCSP_RESPONSES) {
        sb_err_set(err, SB_R_USAGE, "--ocsp-response: at most %d files", SBGW_MAX_OCSP_RESPONSES);
        return -1;
    }
    if (sb_load_file(val, 2 * (size_t)SB_OCSP_MAX_RESPONSE, &data, &len, &e) != SB_OK) {
        sb_err_set(err, e.reason, "--ocsp-response: %s", e.msg);
        return -1;
    }
    if (!ocsp_der(data, len, &der, &der_len)) {
        free(data);
        ERR_clear_error();
        sb_err_set(err, SB_R_INPUT_MALFORMED, "--ocsp-response: %s is not an OCSP response (DER, or PEM \"%s\")",
                   val, PEM_STRING_OCSP_RESPONSE);
        return -1;
    }
    free(data);
    if ((grown = OPENSSL_realloc(a->ocsps, (a->n_ocsps + 1) * sizeof(*a->ocsps))) == NULL) {
        OPENSSL_free(der);
        sb_err_set(err, SB_R_INTERNAL, "out of memory");
        return -1;
    }
    a->ocsps = grown;
    a->ocsps[a->n_ocsps].der = der;
    a->ocsps[a->n_ocsps].len = (size_t)der_len;
    a->ocsps[a->n_ocsps].source = SB_REV_SRC_FILE;
    a->n_ocsps++;
    a->path.ocsps = a->ocsps;
    a->path.n_ocsps = a->n_ocsps;
    return 0;
}

/* --policy OID (dotted only) and --eku NAME|OID: appended to the policies / ekus the path options point to. */
static int set_oid(void *obj, const struct sbgw_opt *o, const char *val, struct sb_err *err)
{
    struct sbgw_chain_args *a = obj;
    int policy = strcmp(o->name, "policy") == 0;
    ASN1_OBJECT *oid = OBJ_txt2obj(val, policy);

    if (oid == NULL) {
        sb_err_openssl(err, SB_R_USAGE, "--%s: '%s' is not a known name or dotted OID", o->name, val);
        return -1;
    }
    if (!sk_ASN1_OBJECT_push(policy ? a->policies : a->ekus, oid)) {
        ASN1_OBJECT_free(oid);
        sb_err_set(err, SB_R_INTERNAL, "out of memory");
        return -1;
    }
    if (policy) {
        a->path.policies = a->policies;
    } else {
        a->path.ekus = a->ekus;
    }
    return 0;
}

static int set_max_depth(void *obj, const struct sbgw_opt *o, const char *val, struct sb_err *err)
{
    struct sbgw_chain_args *a = obj;
    char *end;
    long n = strtol(val, &end, 10);

    (void)o;
    if (*val == '\0' || *end != '\0' || n < 0 || n > 1000) {
        sb_err_set(err, SB_R_USAGE, "--max-depth: '%s' is not a number from 0 to 1000", val);
        return -1;
    }
    a->path.max_depth = (int)n;
    return 0;
}

static int set_revocation(void *obj, const struct sbgw_opt *o, const char *val, struct sb_err *err)
{
    static const enum sb_revocation_mode modes[] = { SB_REV_REQUIRE, SB_REV_PREFER, SB_REV_OFF };
    int i = sbgw_opt_word(o, val, err);

    if (i < 0) {
        return -1;
    }
    ((struct sbgw_chain_args *)obj)->path.revocation = modes[i];
    return 0;
}

static int set_key_usage(void *obj, const struct sbgw_opt *o, const char *val, struct sb_err *err)
{
    struct sbgw_chain_args *a = obj;
    size_t i;

    (void)o;
    for (i = 0; i < sizeof(ku_names) / sizeof(ku_names[0]); i++) {
        if (strcmp(ku_names[i].name, val) == 0) {
            a->path.key_usage |= ku_names[i].bit;
            return 0;
        }
    }
    sb_err_set(err, SB_R_USAGE, "--key-usage: unknown usage '%s' (digitalSignature, nonRepudiation, ...)", val);
    return -1;
}

static int set_email(void *obj, const struct sbgw_opt *o, const char *val, struct sb_err *err)
{
    struct sbgw_chain_args *a = obj;

    (void)o;
    if (a->path.n_emails >= SB_PATH_MAX_EMAILS) {
        sb_err_set(err, SB_R_USAGE, "--email: at most %d addresses", SB_PATH_MAX_EMAILS);
        return -1;
    }
    a->path.emails[a->path.n_emails++] = val;
    return 0;
}

static int set_profile(void *obj, const struct sbgw_opt *o, const char *val, struct sb_err *err)
{
    struct sbgw_chain_args *a = obj;
    int i = sbgw_opt_word(o, val, err);

    if (i < 0) {
        return -1;
    }
    a->path.profile = (enum sb_profile)i;   /* names[] is in enum sb_profile order */
    a->path.algs.webpki = a->path.profile == SB_PROFILE_WEBPKI;
    return 0;
}

int sbgw_opt_sm2_id(void *obj, const struct sbgw_opt *o, const char *val, struct sb_err *err)
{
    if (strlen(val) > 8191) {
        sb_err_set(err, SB_R_USAGE, "SM2 ID longer than 8191 bytes");
        return -1;
    }
    *(const char **)((char *)obj + o->off) = val;
    return 0;
}

#define CA(f) offsetof(struct sbgw_chain_args, f)

const struct sbgw_opt sbgw_chain_opts[] = {
    { .name = "anchor", .has_value = 1, .kind = SBGW_OPT_CERTS, .off = CA(anchors), .given = SBGW_GIVEN_ANCHOR },
    { .name = "untrusted", .has_value = 1, .kind = SBGW_OPT_CERTS, .off = CA(untrusted) },
    { .name = "crl", .has_value = 1, .kind = SBGW_OPT_CUSTOM, .fn = set_crl },
    { .name = "ocsp-response", .has_value = 1, .kind = SBGW_OPT_CUSTOM, .fn = set_ocsp_response },
    { .name = "fetch", .kind = SBGW_OPT_FLAG, .off = CA(fetch) },
    { .name = "fetch-allow", .has_value = 1, .kind = SBGW_OPT_CUSTOM, .fn = set_fetch_allow },
    { .name = "at", .has_value = 1, .kind = SBGW_OPT_TIME, .off = CA(path.at), .given_off = CA(at_given) },
    { .name = "policy", .has_value = 1, .kind = SBGW_OPT_CUSTOM, .fn = set_oid },
    { .name = "explicit-policy", .kind = SBGW_OPT_FLAG, .off = CA(path.explicit_policy) },
    { .name = "inhibit-policy-mapping", .kind = SBGW_OPT_FLAG, .off = CA(path.inhibit_policy_mapping) },
    { .name = "inhibit-any-policy", .kind = SBGW_OPT_FLAG, .off = CA(path.inhibit_any_policy) },
    { .name = "max-depth", .has_value = 1, .kind = SBGW_OPT_CUSTOM, .fn = set_max_depth,
      .given = SBGW_GIVEN_MAX_DEPTH },
    { .name = "revocation", .has_value = 1, .kind = SBGW_OPT_CUSTOM, .fn = set_revocation,
      .names = (const char *const[]){ "require", "prefer", "off", NULL }, .given = SBGW_GIVEN_REVOCATION },
    { .name = "eku", .has_value = 1, .kind = SBGW_OPT_CUSTOM, .fn = set_oid },
    { .name = "key-usage", .has_value = 1, .kind = SBGW_OPT_CUSTOM, .fn = set_key_usage },
    { .name = "hostname", .has_value = 1, .kind = SBGW_OPT_STR, .off = CA(path.hostname) },
    { .name = "email", .has_value = 1, .kind = SBGW_OPT_CUSTOM, .fn = set_email },
    { .name = "profile", .has_value = 1, .kind = SBGW_OPT_CUSTOM, .fn = set_profile,
      .names = (const char *const[]){ "rfc5280", "strict", "webpki", NULL }, .given = SBGW_GIVEN_PROFILE },
    { .name = "sm2-id", .has_value = 1, .kind = SBGW_OPT_CUSTOM, .fn = sbgw_opt_sm2_id, .off = CA(path.sm2_id),
      .given = SBGW_GIVEN_SM2_ID },
    { .name = "chain-sm2-id", .has_value = 1, .kind = SBGW_OPT_CUSTOM, .fn = sbgw_opt_sm2_id,
      .off = CA(path.sm2_id), .given = SBGW_GIVEN_SM2_ID },
};

const size_t sbgw_chain_opts_n = sizeof(sbgw_chain_opts) / sizeof(sbgw_chain_opts[0]);

#define PC(f) offsetof(struct sbgw_policy_cli, f)

const struct sbgw_opt sbgw_policy_cli_opts[] = {
    { .name = "policy-dir", .has_value = 1, .kind = SBGW_OPT_STR, .off = PC(dir) },
    { .name = "from", .has_value = 1, .kind = SBGW_OPT_STR, .off = PC(from) },
};

const size_t sbgw_policy_cli_opts_n = sizeof(sbgw_policy_cli_opts) / sizeof(sbgw_policy_cli_opts[0]);

int sbgw_cli_wants_json(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            return 1;
        }
    }
    return 0;
}
