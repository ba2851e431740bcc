/*
 * `sigbridge sign --key KEY --cert CERT [--chain FILE] [--format cms|gmt0010|xmldsig] [--detached]
 * [--sm2-id ID] IN` — write a DER SignedData over IN to stdout (DESIGN §7), or with --format xmldsig
 * the XML document IN with an enveloped XML-DSig signature (exclusive C14N, RSA-SHA256 or ECDSA-SHA256).
 * CERT may hold several certificates: the first is the signer's, the rest are carried like --chain.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "gateway/cli/cli_opts.h"
#include "gateway/cli/cmd.h"
#include "pki/cms/cms.h"
#include "pki/base/load.h"
#include "pki/xml/xmldsig.h"

struct sign_args {
    const char *key_path, *cert_path, *chain_path, *sm2_id;
    enum sb_cms_format format;
    int detached, xml;
};

static int set_format(void *obj, const struct sbgw_opt *o, const char *val, struct sb_err *err)
{
    struct sign_args *a = obj;
    int i = sbgw_opt_word(o, val, err);

    if (i < 0) {
        return -1;
    }
    if (i == 2) {
        a->xml = 1;
    } else {
        a->format = i == 0 ? SB_CMS_FORMAT_CMS : SB_CMS_FORMAT_GMT0010;
    }
    return 0;
}

#define SA(f) offsetof(struct sign_args, f)

static const struct sbgw_opt sign_opts[] = {
    { .name = "key", .has_value = 1, .kind = SBGW_OPT_STR, .off = SA(key_path), .required = 1 },
    { .name = "cert", .has_value = 1, .kind = SBGW_OPT_STR, .off = SA(cert_path), .required = 1 },
    { .name = "chain", .has_value = 1, .kind = SBGW_OPT_STR, .off = SA(chain_path) },
    { .name = "format", .has_value = 1, .kind = SBGW_OPT_CUSTOM, .fn = set_format,
      .names = (const char *const[]){ "cms", "gmt0010", "xmldsig", NULL } },
    { .name = "detached", .kind = SBGW_OPT_FLAG, .off = SA(detached) },
    { .name = "sm2-id", .has_value = 1, .kind = SBGW_OPT_STR, .off = SA(sm2_id) },
};

static void sign_usage(FILE *f)
{
    fprintf(f,
            "usage: sigbridge sign --key KEY --cert CERT [options] IN\n"
            "  --key FILE               private key (PEM or DER)\n"
            "  --cert FILE              signer certificate (further certificates in it are carried too)\n"
            "  --chain FILE             certificates to carry in the object\n"
            "  --format cms|gmt0010|xmldsig   PKCS#7 OIDs (RSA, ECDSA, SM2; default), GM/T 0010 OIDs (SM2), or\n"
            "                           an enveloped XML-DSig signature added to the XML document IN\n"
            "  --detached               leave the content out of the object\n"
            "  --sm2-id ID              the signer's SM2 distinguishing ID (default 1234567812345678)\n"
            "the DER SignedData (or the signed XML) is written to stdout; exit 0 on success, 2 on any error\n");
}

int sbgw_cmd_sign(int argc, char **argv)
{
    struct sign_args a = { .format = SB_CMS_FORMAT_CMS };
    const struct sbgw_opt_group group = { sign_opts, sizeof(sign_opts) / sizeof(sign_opts[0]), &a, NULL };
    const struct sbgw_cli cli = {
        .usage = sign_usage, .groups = &group, .n_groups = 1, .json = 1, .n_args = 1,
        .args_msg = "--key, --cert and exactly one IN argument are required (see sigbridge sign --help)",
    };
    STACK_OF(X509) *certs = NULL;
    EVP_PKEY *key = NULL;
    X509 *signer;
    struct sb_err err;
    unsigned char *in = NULL, *out = NULL;
    size_t in_len = 0, out_len = 0;
    int json, code;

    json = sbgw_cli_wants_json(argc, argv);
    sb_err_clear(&err);
    if ((code = sbgw_cli_parse(&cli, argc, argv, json, &err)) >= 0) {
        goto out;
    }
    if (sb_load_key(a.key_path, &key, &err) != SB_OK || sb_load_certs(a.cert_path, &certs, &err) != SB_OK
        || (a.chain_path != NULL && sb_load_certs(a.chain_path, &certs, &err) != SB_OK)
        || sb_load_file(argv[optind], SB_CMS_MAX_INPUT, &in, &in_len, &err) != SB_OK) {
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    if (a.xml && (a.detached || a.sm2_id != NULL)) {
        sb_err_set(&err, SB_R_USAGE, "--detached and --sm2-id do not apply to --format xmldsig");
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    signer = sk_X509_shift(certs);
    if (a.xml) {
        if (sb_xmldsig_sign(key, signer, certs, in, in_len, NULL, &out, &out_len, &err) != SB_OK) {
            X509_free(signer);
            code = sbgw_fail_usage(json, &err);
            goto out;
        }
    } else if (sb_cms_sign(key, signer, certs, in, in_len, a.detached, a.format, a.sm2_id, 0, &out, &out_len, &err) != SB_OK) {
        X509_free(signer);
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    X509_free(signer);
    if (fwrite(out, 1, out_len, stdout) != out_len || fflush(stdout) != 0) {
        sb_err_set(&err, SB_R_INTERNAL, "cannot write the signed object to stdout");
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    code = 0;
out:
    OPENSSL_free(out);
    free(in);
    EVP_PKEY_free(key);
    sk_X509_pop_free(certs, X509_free);
    return code;
}
