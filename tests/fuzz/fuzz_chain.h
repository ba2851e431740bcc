/*
 * tests/fuzz/fuzz_chain.h — shared body of fuzz_cert and fuzz_path: load certificates and CRLs from one
 * input and validate a path with options chosen from the input length.
 *
 * The input is a bundle (PEM with CERTIFICATE and X509 CRL blocks in any order, or concatenated DER
 * certificates): the first certificate is the target, the last one is the only trust anchor, every
 * certificate is an untrusted candidate, and the CRLs are supplied for revocation. Certificates are
 * read with sb_load_certs_mem, CRLs with sb_load_crls (a scratch file: that loader only reads files).
 * resign (fuzz_path) replaces every certificate's key by a harness key and re-signs the bundle as the
 * chain it claims to be, so mutated names, extensions, policies and CRL entries get past the
 * signature checks into path.c, names.c, policy_tree.c and revocation.c.
 */
#ifndef SB_FUZZ_CHAIN_H
#define SB_FUZZ_CHAIN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "fuzz_common.h"
#include "pki/x509/chain.h"
#include "pki/base/load.h"
#include "pki/verdict/report.h"
#include "pki/base/rfc3339_time.h"

#define SB_FUZZ_KEYS 8      /* certificates re-signed (the rest keep their own keys and signatures) */

/* Harness keys for re-signing, made once per process. */
static EVP_PKEY *sb_fuzz_keys[SB_FUZZ_KEYS];

static inline void sb_fuzz_check(int cond)
{
    if (!cond) {
        abort();
    }
}

static inline void sb_fuzz_keys_free(void)
{
    size_t i;

    for (i = 0; i < SB_FUZZ_KEYS; i++) {
        EVP_PKEY_free(sb_fuzz_keys[i]);
        sb_fuzz_keys[i] = NULL;
    }
}

static inline int sb_fuzz_keys_init(void)
{
    size_t i;

    if (sb_fuzz_keys[0] != NULL) {
        return 1;
    }
    for (i = 0; i < SB_FUZZ_KEYS; i++) {
        if ((sb_fuzz_keys[i] = EVP_EC_gen("P-256")) == NULL) {
            return 0;
        }
    }
    atexit(sb_fuzz_keys_free);
    return 1;
}

/* Give certs[0..n) harness keys and sign each with the next one's key (the last signs itself); CRLs
 * are signed with the key of the first re-keyed certificate named like their issuer. 0 on failure. */
static inline int sb_fuzz_resign(STACK_OF(X509) *certs, STACK_OF(X509_CRL) *crls)
{
    int n = sk_X509_num(certs), i, j, k;
    X509_CRL *crl;

    if (n > SB_FUZZ_KEYS) {
        n = SB_FUZZ_KEYS;
    }
    for (i = 0; i < n; i++) {
        if (!X509_set_pubkey(sk_X509_value(certs, i), sb_fuzz_keys[i])) {
            return 0;
        }
    }
    for (i = 0; i < n; i++) {
        k = i + 1 < n ? i + 1 : n - 1;
        if (X509_sign(sk_X509_value(certs, i), sb_fuzz_keys[k], EVP_sha256()) <= 0) {
            return 0;
        }
    }
    for (j = 0; j < sk_X509_CRL_num(crls); j++) {
        crl = sk_X509_CRL_value(crls, j);
        for (i = 0; i < n; i++) {
            if (X509_NAME_cmp(X509_get_subject_name(sk_X509_value(certs, i)), X509_CRL_get_issuer(crl)) == 0) {
                break;
            }
        }
        if (i < n && X509_CRL_sign(crl, sb_fuzz_keys[i], EVP_sha256()) <= 0) {
            return 0;
        }
    }
    return 1;
}

/* The path options for selector sel (input length mod 4). */
static inline void sb_fuzz_opts(struct sb_path_opts *o, size_t sel, STACK_OF(ASN1_OBJECT) *policies,
                                STACK_OF(ASN1_OBJECT) *ekus, STACK_OF(X509_CRL) *crls)
{
    sb_path_opts_init(o);
    o->at = SB_FUZZ_AT;
    o->crls = crls;
    switch (sel) {
    case 0:
        break;
    case 1:
        o->revocation = SB_REV_REQUIRE;
        o->explicit_policy = 1;
        o->policies = policies;
        o->key_usage = KU_DIGITAL_SIGNATURE;
        break;
    case 2:
        o->profile = SB_PROFILE_WEBPKI;
        o->algs.webpki = 1;
        o->hostname = "www.example.hk";
        o->emails[0] = "alice@example.cn";
        o->n_emails = 1;
        o->sm2_id = "ALICE123@YAHOO.COM";
        break;
    default:
        o->revocation = SB_REV_OFF;
        o->max_depth = 1;
        o->inhibit_any_policy = 1;
        o->inhibit_policy_mapping = 1;
        o->policies = policies;
        o->ekus = ekus;
        o->algs.allow_sha1 = 1;
        o->algs.min_rsa_bits = 1024;
        break;
    }
}

static inline int sb_fuzz_chain_one(const uint8_t *data, size_t size, int resign)
{
    STACK_OF(X509) *certs = NULL, *anchors = NULL;
    STACK_OF(X509_CRL) *crls = NULL;
    STACK_OF(ASN1_OBJECT) *policies = NULL, *ekus = NULL;
    struct sb_chain_result res = { NULL, NULL, NULL, 0 };
    struct sb_path_opts o;
    struct sb_err err;
    char path[600];
    const char *dir;
    json_t *j;
    time_t at = 0;
    int frac = 0;
    enum sb_reason rc;

    sb_err_clear(&err);
    if (resign && !sb_fuzz_keys_init()) {
        abort();
    }
    rc = sb_load_certs_mem(data, size, "fuzz", &certs, &err);
    sb_fuzz_debug("load", sb_reason_name(rc), err.msg);
    if (rc != SB_OK) {
        sb_fuzz_check(rc == SB_R_INPUT_MALFORMED || rc == SB_R_INPUT_TOO_LARGE);
        sb_fuzz_check(err.reason == rc && err.msg[0] != '\0');
        goto out;
    }
    sb_fuzz_check(sk_X509_num(certs) >= 1 && sk_X509_num(certs) <= SB_LOAD_MAX_OBJECTS);
    if ((dir = sb_fuzz_dir()) != NULL) {
        snprintf(path, sizeof(path), "%s/bundle", dir);
        if (sb_fuzz_write(path, data, size) == 0) {
            sb_err_clear(&err);
            if (sb_load_crls(path, &crls, &err) != SB_OK) {
                sb_fuzz_check(err.msg[0] != '\0');
                sk_X509_CRL_pop_free(crls, X509_CRL_free);
                crls = NULL;
            }
        }
    }
    if (resign && !sb_fuzz_resign(certs, crls)) {
        goto out;
    }
    if ((anchors = sk_X509_new_null()) == NULL || !sk_X509_push(anchors, sk_X509_value(certs, sk_X509_num(certs) - 1))
        || (policies = sk_ASN1_OBJECT_new_null()) == NULL || (ekus = sk_ASN1_OBJECT_new_null()) == NULL) {
        goto out;
    }
    if (!sk_ASN1_OBJECT_push(policies, OBJ_txt2obj("2.16.344.8.2.2008.810.2.2012.1.0", 1))
        || !sk_ASN1_OBJECT_push(ekus, OBJ_nid2obj(NID_email_protect))) {
        goto out;
    }
    sb_fuzz_opts(&o, size % 4, policies, ekus, crls);
    /* the test PKI's "fresh" CRLs start the day they were made: validate just after the first CRL's
     * thisUpdate (deterministic per input) so that current CRLs are usable */
    if (sk_X509_CRL_num(crls) > 0 && X509_CRL_get0_lastUpdate(sk_X509_CRL_value(crls, 0)) != NULL
        && sb_asn1_time_to_unix(X509_CRL_get0_lastUpdate(sk_X509_CRL_value(crls, 0)), &at, &frac)) {
        o.at = at + 60;
    }
    sb_err_clear(&err);
    rc = sb_chain_validate(&o, sk_X509_value(certs, 0), anchors, certs, &res, &err);
    sb_fuzz_debug(resign ? "path" : "chain", sb_reason_name(rc), err.msg);
    sb_fuzz_check(err.reason == rc);
    sb_fuzz_check(rc == SB_OK || err.msg[0] != '\0');
    sb_fuzz_check(sb_reason_exit_code(rc) != 2 || rc == SB_R_INTERNAL);
    sb_fuzz_check(sk_X509_num(res.chain) <= SB_CHAIN_MAX_LEN);
    if (rc == SB_OK) {
        sb_fuzz_check(sk_X509_num(res.chain) >= 1);
    }
    /* what the CLI prints must always be encodable */
    j = sb_report_result(rc, err.msg, o.at, res.chain);
    sb_fuzz_check(j != NULL);
    json_decref(j);
out:
    sb_chain_result_clear(&res);
    sk_ASN1_OBJECT_pop_free(policies, ASN1_OBJECT_free);
    sk_ASN1_OBJECT_pop_free(ekus, ASN1_OBJECT_free);
    sk_X509_free(anchors);
    sk_X509_pop_free(certs, X509_free);
    sk_X509_CRL_pop_free(crls, X509_CRL_free);
    sb_fuzz_end();
    return 0;
}

#endif
