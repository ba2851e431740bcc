/*
 * pki/verdict/evidence.c — life cycle of struct sb_evidence (pki/verdict/evidence.h).
 */
#include "pki/verdict/evidence.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

void sb_evidence_init(struct sb_evidence *ev)
{
    memset(ev, 0, sizeof(*ev));
}

void sb_evidence_clear(struct sb_evidence *ev)
{
    size_t i;

    if (ev == NULL) {
        return;
    }
    for (i = 0; ev->ocsps != NULL && i < ev->n_ocsps; i++) {
        OPENSSL_free((unsigned char *)ev->ocsps[i].der);
    }
    OPENSSL_free(ev->ocsps);
    sk_X509_CRL_pop_free(ev->crls, X509_CRL_free);
    OPENSSL_free(ev->obj_owned);
    OPENSSL_free(ev->content_owned);
    sk_X509_pop_free(ev->certs, X509_free);
    X509_free(ev->signer);
    OPENSSL_free(ev->sm2_id);
    OPENSSL_cleanse(ev->digest, sizeof(ev->digest));
    memset(ev, 0, sizeof(*ev));
}

const char *sb_evidence_format_name(enum sb_ev_format f)
{
    switch (f) {
    case SB_EV_CMS:
        return "cms";
    case SB_EV_GMT0010:
        return "gmt0010";
    case SB_EV_XMLDSIG:
        return "xmldsig";
    case SB_EV_RAW_SIG:
        return "raw";
    default:
        break;
    }
    return "unknown";
}

void sb_evidence_set0_obj(struct sb_evidence *ev, unsigned char *buf, size_t len)
{
    OPENSSL_free(ev->obj_owned);
    ev->obj_owned = buf;
    ev->obj = buf;
    ev->obj_len = len;
}

void sb_evidence_set0_content(struct sb_evidence *ev, unsigned char *buf, size_t len)
{
    OPENSSL_free(ev->content_owned);
    ev->content_owned = buf;
    ev->content = buf;
    ev->content_len = buf != NULL ? len : 0;
}

size_t sb_evidence_digest_size(const char *alg)
{
    static const struct {
        const char *name;
        size_t len;
    } algs[] = {
        { "sha256", 32 }, { "sha384", 48 }, { "sha512", 64 }, { "sm3", 32 },
    };
    size_t i;

    for (i = 0; alg != NULL && i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (strcasecmp(alg, algs[i].name) == 0) {
            return algs[i].len;
        }
    }
    return 0;
}

int sb_evidence_set_digest(struct sb_evidence *ev, const char *alg, const unsigned char *d, size_t len)
{
    size_t i, want = sb_evidence_digest_size(alg);

    if (want == 0 || len != want) {
        return 0;
    }
    memcpy(ev->digest, d, len);
    ev->digest_len = len;
    for (i = 0; alg[i] != '\0' && i + 1 < sizeof(ev->digest_alg); i++) {
        ev->digest_alg[i] = (char)tolower((unsigned char)alg[i]);
    }
    ev->digest_alg[i] = '\0';
    return 1;
}

int sb_evidence_set_digest_hex(struct sb_evidence *ev, const char *alg, const char *hex, const char **why)
{
    unsigned char buf[EVP_MAX_MD_SIZE];
    size_t n = 0;

    if (sb_evidence_digest_size(alg) == 0) {
        *why = "the digest algorithm is not one of sha256, sha384, sha512, sm3";
        return 0;
    }
    if (hex[0] == '\0' || OPENSSL_hexstr2buf_ex(buf, sizeof(buf), &n, hex, '\0') != 1 ||
        !sb_evidence_set_digest(ev, alg, buf, n)) {
        ERR_clear_error();
        *why = "the digest value is not hex of the algorithm's length";
        return 0;
    }
    return 1;
}
