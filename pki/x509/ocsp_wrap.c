/*
 * pki/x509/ocsp_wrap.c — OCSP responses as they are carried in signed objects and envelopes (ocsp.h):
 * an OCSPResponse, or a bare BasicOCSPResponse (CAdES revocation-values ocspVals, ETSI EN 319 122-1; some
 * XAdES producers' EncapsulatedOCSPValue) wrapped into the OCSPResponse sb_ocsp_check reads.
 *
 * The wrapper is deterministic DER: SEQUENCE { ENUMERATED 0 (successful), [0] EXPLICIT SEQUENCE {
 * id-pkix-ocsp-basic, OCTET STRING (the BasicOCSPResponse as received) } }; the carried bytes end it, so
 * their offset is returned for evidence that hashes what was carried. Nothing is trusted here: the wrapped
 * response is judged like any other. Outputs are the caller's (OPENSSL_free); no global state.
 */
#include "pki/x509/ocsp.h"

#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "pki/base/der.h"

#define OID_PKIX_OCSP_BASIC "1.3.6.1.5.5.7.48.1.1"

enum sb_ocsp_der_kind sb_ocsp_der_kind(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    OCSP_RESPONSE *r;
    OCSP_BASICRESP *b;
    enum sb_ocsp_der_kind k = SB_OCSP_DER_NEITHER;

    if (der == NULL || len == 0 || len > SB_OCSP_MAX_RESPONSE || der[0] != 0x30) {
        return SB_OCSP_DER_NEITHER;
    }
    if ((r = d2i_OCSP_RESPONSE(NULL, &p, (long)len)) != NULL && p == der + len) {
        k = SB_OCSP_DER_RESPONSE;
    } else {
        p = der;
        if ((b = d2i_OCSP_BASICRESP(NULL, &p, (long)len)) != NULL && p == der + len) {
            k = SB_OCSP_DER_BASIC;
        }
        OCSP_BASICRESP_free(b);
    }
    OCSP_RESPONSE_free(r);
    ERR_clear_error();
    return k;
}

enum sb_reason sb_ocsp_wrap_basic(const unsigned char *basic, size_t len, unsigned char **out, size_t *out_len,
                                  size_t *basic_off, struct sb_err *err)
{
    struct sb_derbuf bytes, rb, top;
    static const unsigned char successful[] = { 0x0A, 0x01, 0x00 };
    enum sb_reason rc;

    *out = NULL;
    *out_len = 0;
    *basic_off = 0;
    if (basic == NULL || len == 0 || len > SB_OCSP_MAX_RESPONSE) {
        return sb_err_set(err, SB_R_USAGE, "sb_ocsp_wrap_basic: no response or over %u bytes", SB_OCSP_MAX_RESPONSE);
    }
    sb_derbuf_init(&bytes);
    sb_derbuf_init(&rb);
    sb_derbuf_init(&top);
    sb_derbuf_oid(&bytes, OID_PKIX_OCSP_BASIC);
    sb_derbuf_tlv(&bytes, 0x04, basic, len);
    sb_derbuf_wrap(&rb, 0x30, &bytes);             /* ResponseBytes */
    sb_derbuf_put(&top, successful, sizeof(successful));
    sb_derbuf_wrap(&top, 0xA0, &rb);               /* responseBytes [0] EXPLICIT */
    sb_derbuf_free(&bytes);
    sb_derbuf_init(&bytes);
    sb_derbuf_wrap(&bytes, 0x30, &top);            /* OCSPResponse */
    if ((rc = sb_derbuf_check(&bytes, "an OCSPResponse around a BasicOCSPResponse", err)) == SB_OK) {
        *out = bytes.data;
        *out_len = bytes.len;
        *basic_off = bytes.len - len;
        bytes.data = NULL;
    }
    sb_derbuf_free(&bytes);
    sb_derbuf_free(&rb);
    sb_derbuf_free(&top);
    return rc;
}

enum sb_reason sb_ocsp_carried(const unsigned char *der, size_t len, unsigned char **out, size_t *out_len,
                               size_t *carried_off, struct sb_err *err)
{
    *out = NULL;
    *out_len = 0;
    *carried_off = 0;
    switch (sb_ocsp_der_kind(der, len)) {
    case SB_OCSP_DER_RESPONSE:
        if ((*out = OPENSSL_memdup(der, len)) == NULL) {
            return sb_err_set(err, SB_R_INTERNAL, "out of memory");
        }
        *out_len = len;
        return SB_OK;
    case SB_OCSP_DER_BASIC:
        return sb_ocsp_wrap_basic(der, len, out, out_len, carried_off, err);
    case SB_OCSP_DER_NEITHER:
    default:
        return sb_err_set(err, SB_R_FORMAT, "%zu bytes that are neither a DER OCSPResponse nor a BasicOCSPResponse%s",
                          len, len > SB_OCSP_MAX_RESPONSE ? " (over the size limit)" : "");
    }
}
