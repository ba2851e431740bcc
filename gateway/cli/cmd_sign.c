/*
 * `sigbridge sign --key KEY --cert CERT [--chain FILE] [--format cms|gmt0010|xmldsig] [--detached]
 * [--sm2-id ID] IN` — write a DER SignedData over IN to stdout (DESIGN §7), or with --format xmldsig
 * the XML document IN with an enveloped XML-DSig signature (exclusive C14N, RSA-SHA256 or ECDSA-SHA256).
 * CERT may hold several certificates: the first is the signer's, the rest are carried like --chain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <getopt.h>
#include <openssl/crypto.h>

#include "gateway/cli/cli_opts.h"
#include "gateway/cli/cmd.h"
#include "pki/cms/cms.h"
#include "pki/base/load.h"
#include "pki/xml/xmldsig.h"

enum { OPT_KEY = 1000, OPT_CERT, OPT_CHAIN, OPT_FORMAT, OPT_DETACHED, OPT_SM2_ID, OPT_JSON };

static const struct option sign_longopts[] = {
    { "key", required_argument, NULL, OPT_KEY },
    { "cert", required_argument, NULL, OPT_CERT },
    { "chain", required_argument, NULL, OPT_CHAIN },
    { "format", required_argument, NULL, OPT_FORMAT },
    { "detached", no_argument, NULL, OPT_DETACHED },
    { "sm2-id", required_argument, NULL, OPT_SM2_ID },
    { "json", no_argument, NULL, OPT_JSON },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
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
    const char *key_path = NULL, *cert_path = NULL, *chain_path = NULL, *sm2_id = NULL;
    enum sb_cms_format format = SB_CMS_FORMAT_CMS;
    STACK_OF(X509) *certs = NULL;
    EVP_PKEY *key = NULL;
    X509 *signer;
    struct sb_err err;
    unsigned char *in = NULL, *out = NULL;
    size_t in_len = 0, out_len = 0;
    int c, json = 0, detached = 0, xml = 0, code;

    json = sbgw_cli_wants_json(argc, argv);
    sb_err_clear(&err);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", sign_longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            sign_usage(stdout);
            code = 0;
            goto out;
        case OPT_KEY:
            key_path = optarg;
            break;
        case OPT_CERT:
            cert_path = optarg;
            break;
        case OPT_CHAIN:
            chain_path = optarg;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "cms") == 0) {
                format = SB_CMS_FORMAT_CMS;
            } else if (strcmp(optarg, "gmt0010") == 0) {
                format = SB_CMS_FORMAT_GMT0010;
            } else if (strcmp(optarg, "xmldsig") == 0) {
                xml = 1;
            } else {
                sb_err_set(&err, SB_R_USAGE, "--format: '%s' is not cms, gmt0010 or xmldsig", optarg);
                code = sbgw_fail_usage(json, &err);
                goto out;
            }
            break;
        case OPT_DETACHED:
            detached = 1;
            break;
        case OPT_SM2_ID:
            sm2_id = optarg;
            break;
        case OPT_JSON:
            break;
        default:
            sb_err_set(&err, SB_R_USAGE, "unknown option or missing value: %s", argv[optind - 1]);
            code = sbgw_fail_usage(json, &err);
            goto out;
        }
    }
    if (key_path == NULL || cert_path == NULL || optind != argc - 1) {
        sb_err_set(&err, SB_R_USAGE, "--key, --cert and exactly one IN argument are required (see sigbridge sign "
                   "--help)");
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    if (sb_load_key(key_path, &key, &err) != SB_OK || sb_load_certs(cert_path, &certs, &err) != SB_OK
        || (chain_path != NULL && sb_load_certs(chain_path, &certs, &err) != SB_OK)
        || sb_load_file(argv[optind], SB_CMS_MAX_INPUT, &in, &in_len, &err) != SB_OK) {
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    if (xml && (detached || sm2_id != NULL)) {
        sb_err_set(&err, SB_R_USAGE, "--detached and --sm2-id do not apply to --format xmldsig");
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    signer = sk_X509_shift(certs);
    if (xml) {
        if (sb_xmldsig_sign(key, signer, certs, in, in_len, NULL, &out, &out_len, &err) != SB_OK) {
            X509_free(signer);
            code = sbgw_fail_usage(json, &err);
            goto out;
        }
    } else if (sb_cms_sign(key, signer, certs, in, in_len, detached, format, sm2_id, 0, &out, &out_len, &err) != SB_OK) {
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
