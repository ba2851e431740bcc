/*
 * adapters/envelope_revocation.c — revocation data carried in a JSON envelope beside the signature
 * (adapters/adapter_local.h, sb_ev_json_revocation), for every envelope: the gateway's own /v1/verify
 * envelope, iAM Smart (hk) and GM/T 0009 (cn).
 *
 *   "ocsp_responses": [B64, ...]   DER OCSPResponse (RFC 6960), or a bare BasicOCSPResponse, which is wrapped
 *                                  into a successful OCSPResponse (pki/x509/ocsp.h, sb_ocsp_carried)
 *   "crls": [B64, ...]             DER CertificateList (RFC 5280)
 *
 * Both optional, at most SB_EV_MAX_REV_ITEMS entries each; a response at most SB_OCSP_MAX_RESPONSE bytes, a CRL
 * SB_EV_MAX_CRL_BYTES. Only the structure is checked here (one DER value of the right type, nothing trailing);
 * whether a response or CRL is signed by the right key, current and about the certificate is judged by the
 * revocation check, as for data embedded in the object (source "embedded"). What is read belongs to the
 * evidence (sb_evidence_clear frees it).
 */
#include "adapter_local.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "pki/x509/ocsp.h"

/* The JSON type of v in words, for messages. */
static const char *kind_of(const json_t *v)
{
    return json_is_object(v) ? "an object" : json_is_array(v) ? "an array" : json_is_string(v) ? "a string"
           : json_is_number(v) ? "a number" : json_is_boolean(v) ? "a boolean" : "null";
}

/* The array member key of root (NULL when absent) with at most SB_EV_MAX_REV_ITEMS strings. */
static enum sb_reason string_array(const json_t *root, const char *key, const json_t **arr, struct sb_err *err)
{
    const json_t *item;
    size_t i;

    if ((*arr = json_object_get(root, key)) == NULL) {
        return SB_OK;
    }
    if (!json_is_array(*arr)) {
        return sb_err_set(err, SB_R_ENVELOPE_BAD_TYPE, "envelope: '%s' must be an array of base64 strings, got %s",
                          key, kind_of(*arr));
    }
    if (json_array_size(*arr) > SB_EV_MAX_REV_ITEMS) {
        return sb_err_set(err, SB_R_ENVELOPE_BAD_VALUE, "envelope: '%s' has %zu entries; at most %d are accepted",
                          key, json_array_size(*arr), SB_EV_MAX_REV_ITEMS);
    }
    json_array_foreach(*arr, i, item) {
        if (!json_is_string(item) || json_string_length(item) == 0) {
            return sb_err_set(err, SB_R_ENVELOPE_BAD_TYPE, "envelope: '%s[%zu]' must be a non-empty base64 string, "
                              "got %s", key, i, json_is_string(item) ? "an empty string" : kind_of(item));
        }
    }
    return SB_OK;
}

/* One entry decoded: *der (OPENSSL_free), at most max bytes. */
static enum sb_reason entry(const json_t *item, const char *what, size_t max, unsigned char **der, size_t *len,
                            struct sb_err *err)
{
    enum sb_reason rc;

    if ((rc = sb_ev_b64_text(json_string_value(item), json_string_length(item), what, der, len, err)) != SB_OK) {
        return rc;
    }
    if (*len > max) {
        OPENSSL_free(*der);
        *der = NULL;
        return sb_err_set(err, SB_R_ENVELOPE_BAD_VALUE, "envelope: '%s' is %zu bytes; at most %zu are accepted",
                          what, *len, max);
    }
    return SB_OK;
}

static enum sb_reason read_ocsps(const json_t *arr, struct sb_evidence *ev, struct sb_err *err)
{
    const json_t *item;
    unsigned char *der = NULL, *ready = NULL;
    size_t i, len = 0, rlen = 0, off = 0;
    char what[40];
    struct sb_err e;
    enum sb_reason rc;

    if (json_array_size(arr) == 0) {
        return SB_OK;
    }
    if ((ev->ocsps = OPENSSL_zalloc(json_array_size(arr) * sizeof(*ev->ocsps))) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    json_array_foreach(arr, i, item) {
        snprintf(what, sizeof(what), "ocsp_responses[%zu]", i);
        if ((rc = entry(item, what, SB_OCSP_MAX_RESPONSE, &der, &len, err)) != SB_OK) {
            return rc;
        }
        rc = sb_ocsp_carried(der, len, &ready, &rlen, &off, &e);
        OPENSSL_free(der);
        if (rc != SB_OK) {
            return rc == SB_R_INTERNAL ? sb_err_set(err, rc, "out of memory")
                   : sb_err_set(err, SB_R_ENVELOPE_BAD_VALUE, "envelope: '%s' is neither a DER OCSPResponse nor a "
                                "BasicOCSPResponse", what);
        }
        ev->ocsps[ev->n_ocsps].der = ready;
        ev->ocsps[ev->n_ocsps].len = rlen;
        ev->ocsps[ev->n_ocsps].source = SB_REV_SRC_EMBEDDED;
        ev->ocsps[ev->n_ocsps].carried_off = off;
        ev->n_ocsps++;
    }
    return SB_OK;
}

static enum sb_reason read_crls(const json_t *arr, struct sb_evidence *ev, struct sb_err *err)
{
    const json_t *item;
    const unsigned char *q;
    unsigned char *der = NULL;
    size_t i, len = 0;
    char what[32];
    X509_CRL *crl;
    enum sb_reason rc;

    if (json_array_size(arr) > 0 && ev->crls == NULL && (ev->crls = sk_X509_CRL_new_null()) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    json_array_foreach(arr, i, item) {
        snprintf(what, sizeof(what), "crls[%zu]", i);
        if ((rc = entry(item, what, SB_EV_MAX_CRL_BYTES, &der, &len, err)) != SB_OK) {
            return rc;
        }
        q = der;
        crl = d2i_X509_CRL(NULL, &q, (long)len);
        if (crl != NULL && q != der + len) {
            X509_CRL_free(crl);
            crl = NULL;
        }
        OPENSSL_free(der);
        ERR_clear_error();
        if (crl == NULL) {
            return sb_err_set(err, SB_R_ENVELOPE_BAD_VALUE, "envelope: '%s' is not a DER CRL", what);
        }
        if (!sk_X509_CRL_push(ev->crls, crl)) {
            X509_CRL_free(crl);
            return sb_err_set(err, SB_R_INTERNAL, "out of memory");
        }
    }
    return SB_OK;
}

enum sb_reason sb_ev_json_revocation(const json_t *root, struct sb_evidence *ev, struct sb_err *err)
{
    const json_t *ocsps, *crls;
    enum sb_reason rc;

    if ((rc = string_array(root, "ocsp_responses", &ocsps, err)) != SB_OK
        || (rc = string_array(root, "crls", &crls, err)) != SB_OK) {
        return rc;
    }
    if (ocsps != NULL && ev->ocsps == NULL && (rc = read_ocsps(ocsps, ev, err)) != SB_OK) {
        return rc;
    }
    return crls != NULL ? read_crls(crls, ev, err) : SB_OK;
}
