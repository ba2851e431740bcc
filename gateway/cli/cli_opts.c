#include "gateway/cli/cmd.h"
#include "gateway/cli/cli_opts.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "pki/base/load.h"
#include "pki/base/rfc3339_time.h"

enum {
    OPT_ANCHOR = 1000, OPT_UNTRUSTED, OPT_CRL, OPT_AT, OPT_POLICY, OPT_EXPLICIT, OPT_INHIBIT_MAP,
    OPT_INHIBIT_ANY, OPT_MAX_DEPTH, OPT_REVOCATION, OPT_EKU, OPT_KEY_USAGE, OPT_HOSTNAME, OPT_EMAIL,
    OPT_PROFILE, OPT_SM2_ID, OPT_JSON, OPT_CHAIN_SM2_ID
};

const struct option sbgw_chain_longopts[] = {
    { "anchor", required_argument, NULL, OPT_ANCHOR },
    { "untrusted", required_argument, NULL, OPT_UNTRUSTED },
    { "crl", required_argument, NULL, OPT_CRL },
    { "at", required_argument, NULL, OPT_AT },
    { "policy", required_argument, NULL, OPT_POLICY },
    { "explicit-policy", no_argument, NULL, OPT_EXPLICIT },
    { "inhibit-policy-mapping", no_argument, NULL, OPT_INHIBIT_MAP },
    { "inhibit-any-policy", no_argument, NULL, OPT_INHIBIT_ANY },
    { "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
    { "revocation", required_argument, NULL, OPT_REVOCATION },
    { "eku", required_argument, NULL, OPT_EKU },
    { "key-usage", required_argument, NULL, OPT_KEY_USAGE },
    { "hostname", required_argument, NULL, OPT_HOSTNAME },
    { "email", required_argument, NULL, OPT_EMAIL },
    { "profile", required_argument, NULL, OPT_PROFILE },
    { "sm2-id", required_argument, NULL, OPT_SM2_ID },
    { "chain-sm2-id", required_argument, NULL, OPT_CHAIN_SM2_ID },
    { "json", no_argument, NULL, OPT_JSON },
    { NULL, 0, NULL, 0 },
};

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
    memset(a, 0, sizeof(*a));
}

static int push_oid(STACK_OF(ASN1_OBJECT) *sk, const char *txt, int numeric_only, const char *what,
                    struct sb_err *err)
{
    ASN1_OBJECT *o = OBJ_txt2obj(txt, numeric_only);

    if (o == NULL) {
        sb_err_openssl(err, SB_R_USAGE, "%s: '%s' is not a known name or dotted OID", what, txt);
        return -1;
    }
    if (!sk_ASN1_OBJECT_push(sk, o)) {
        ASN1_OBJECT_free(o);
        sb_err_set(err, SB_R_INTERNAL, "out of memory");
        return -1;
    }
    return 1;
}

int sbgw_chain_args_apply(struct sbgw_chain_args *a, int opt, const char *val, struct sb_err *err)
{
    char *end;
    long n;
    size_t i;

    switch (opt) {
    case OPT_ANCHOR:
        return sb_load_certs(val, &a->anchors, err) == SB_OK ? 1 : -1;
    case OPT_UNTRUSTED:
        return sb_load_certs(val, &a->untrusted, err) == SB_OK ? 1 : -1;
    case OPT_CRL:
        return sb_load_crls(val, &a->crls, err) == SB_OK ? 1 : -1;
    case OPT_AT:
        a->at_given = 1;
        return sb_time_parse_rfc3339(val, &a->path.at, err) == SB_OK ? 1 : -1;
    case OPT_POLICY:
        if (push_oid(a->policies, val, 1, "--policy", err) < 0) {
            return -1;
        }
        a->path.policies = a->policies;
        return 1;
    case OPT_EXPLICIT:
        a->path.explicit_policy = 1;
        return 1;
    case OPT_INHIBIT_MAP:
        a->path.inhibit_policy_mapping = 1;
        return 1;
    case OPT_INHIBIT_ANY:
        a->path.inhibit_any_policy = 1;
        return 1;
    case OPT_MAX_DEPTH:
        n = strtol(val, &end, 10);
        if (*val == '\0' || *end != '\0' || n < 0 || n > 1000) {
            sb_err_set(err, SB_R_USAGE, "--max-depth: '%s' is not a number from 0 to 1000", val);
            return -1;
        }
        a->path.max_depth = (int)n;
        return 1;
    case OPT_REVOCATION:
        if (strcmp(val, "require") == 0) {
            a->path.revocation = SB_REV_REQUIRE;
        } else if (strcmp(val, "prefer") == 0) {
            a->path.revocation = SB_REV_PREFER;
        } else if (strcmp(val, "off") == 0) {
            a->path.revocation = SB_REV_OFF;
        } else {
            sb_err_set(err, SB_R_USAGE, "--revocation: '%s' is not require, prefer or off", val);
            return -1;
        }
        return 1;
    case OPT_EKU:
        if (push_oid(a->ekus, val, 0, "--eku", err) < 0) {
            return -1;
        }
        a->path.ekus = a->ekus;
        return 1;
    case OPT_KEY_USAGE:
        for (i = 0; i < sizeof(ku_names) / sizeof(ku_names[0]); i++) {
            if (strcmp(ku_names[i].name, val) == 0) {
                a->path.key_usage |= ku_names[i].bit;
                return 1;
            }
        }
        sb_err_set(err, SB_R_USAGE, "--key-usage: unknown usage '%s' (digitalSignature, nonRepudiation, ...)", val);
        return -1;
    case OPT_HOSTNAME:
        a->path.hostname = val;
        return 1;
    case OPT_EMAIL:
        if (a->path.n_emails >= SB_PATH_MAX_EMAILS) {
            sb_err_set(err, SB_R_USAGE, "--email: at most %d addresses", SB_PATH_MAX_EMAILS);
            return -1;
        }
        a->path.emails[a->path.n_emails++] = val;
        return 1;
    case OPT_PROFILE:
        if (strcmp(val, "rfc5280") == 0) {
            a->path.profile = SB_PROFILE_RFC5280;
            a->path.algs.webpki = 0;
        } else if (strcmp(val, "webpki") == 0) {
            a->path.profile = SB_PROFILE_WEBPKI;
            a->path.algs.webpki = 1;
        } else {
            sb_err_set(err, SB_R_USAGE, "--profile: '%s' is not rfc5280 or webpki", val);
            return -1;
        }
        return 1;
    case OPT_SM2_ID:
    case OPT_CHAIN_SM2_ID:
        if (strlen(val) > 8191) {
            sb_err_set(err, SB_R_USAGE, "SM2 ID longer than 8191 bytes");
            return -1;
        }
        a->path.sm2_id = val;
        return 1;
    case OPT_JSON:
        a->json = 1;
        return 1;
    default:
        return 0;
    }
}

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
