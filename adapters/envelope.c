/*
 * adapters/envelope.c — what every adapter needs to read its input: the body kind (content type or
 * sniffing), strict JSON field readers, base64, certificate fields (adapters/adapter_local.h).
 */
#include "adapter_local.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "pki/base/base64.h"
#include "pki/base/hex.h"
#include "pki/base/json_scan.h"
#include "pki/base/load.h"
#include "pki/base/rfc3339_time.h"
#include "pki/x509/cert_decode.h"

/* ---- body kind ---------------------------------------------------------------------------------- */

/* Media type of ct without parameters, lowercased into buf. */
static void media_type(const char *ct, char *buf, size_t len)
{
    size_t i = 0, o = 0;

    while (ct[i] == ' ' || ct[i] == '\t') {
        i++;
    }
    while (ct[i] != '\0' && ct[i] != ';' && ct[i] != ' ' && ct[i] != '\t' && o + 1 < len) {
        buf[o++] = (char)tolower((unsigned char)ct[i++]);
    }
    buf[o] = '\0';
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static enum sb_reason sniff(const unsigned char *in, size_t len, enum sb_ev_kind *kind, struct sb_err *err)
{
    size_t i = 0;

    if (len >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF) {
        i = 3;
    }
    while (i < len && (in[i] == ' ' || in[i] == '\t' || in[i] == '\r' || in[i] == '\n')) {
        i++;
    }
    if (i < len && in[i] == '{') {
        *kind = SB_EV_KIND_JSON;
        return SB_OK;
    }
    if (i < len && in[i] == '<') {
        *kind = SB_EV_KIND_XML;
        return SB_OK;
    }
    if (sb_cms_looks_like(in, len)) {
        *kind = SB_EV_KIND_CMS;
        return SB_OK;
    }
    return sb_err_set(err, SB_R_INPUT_MALFORMED, "input is neither a JSON envelope, an XML document nor CMS "
                      "(DER, PEM or S/MIME)");
}

enum sb_reason sb_ev_kind_of(const unsigned char *in, size_t len, const char *content_type, enum sb_ev_kind *kind,
                             struct sb_err *err)
{
    char mt[128];

    if (in == NULL || len == 0) {
        return sb_err_set(err, SB_R_INPUT_MALFORMED, "empty input");
    }
    if (len > SB_EV_MAX_INPUT) {
        return sb_err_set(err, SB_R_INPUT_TOO_LARGE, "input of %zu bytes is over the %u byte limit", len,
                          SB_EV_MAX_INPUT);
    }
    mt[0] = '\0';
    if (content_type != NULL) {
        media_type(content_type, mt, sizeof(mt));
    }
    if (mt[0] == '\0' || strcmp(mt, "application/octet-stream") == 0) {
        return sniff(in, len, kind, err);
    }
    if (strcmp(mt, "application/json") == 0 || strcmp(mt, "text/json") == 0 || ends_with(mt, "+json")) {
        *kind = SB_EV_KIND_JSON;
    } else if (strcmp(mt, "application/xml") == 0 || strcmp(mt, "text/xml") == 0 || ends_with(mt, "+xml")) {
        *kind = SB_EV_KIND_XML;
    } else if (strcmp(mt, "application/pkcs7-mime") == 0 || strcmp(mt, "application/pkcs7-signature") == 0 ||
               strcmp(mt, "application/x-pkcs7-mime") == 0 || strcmp(mt, "application/x-pkcs7-signature") == 0 ||
               strcmp(mt, "application/cms") == 0 || strcmp(mt, "multipart/signed") == 0) {
        *kind = SB_EV_KIND_CMS;
    } else {
        return sb_err_set(err, SB_R_INPUT_MALFORMED, "unsupported content type '%.80s' (expected application/json, "
                          "application/pkcs7-mime, application/cms or application/xml)", mt);
    }
    return SB_OK;
}

enum sb_reason sb_ev_stamp(struct sb_evidence *ev, const struct sb_adapter *a, const unsigned char *in, size_t len,
                           struct sb_err *err)
{
    ev->adapter = a->name;
    ev->jurisdiction = a->jurisdiction;
    if (EVP_Digest(in, len, ev->input_sha256, NULL, EVP_sha256(), NULL) != 1) {
        return sb_err_openssl(err, SB_R_INTERNAL, "SHA-256 of the input failed");
    }
    return SB_OK;
}

enum sb_reason sb_ev_set_object(struct sb_evidence *ev, const struct sb_adapter *a, enum sb_ev_kind kind,
                                const unsigned char *in, size_t len, struct sb_err *err)
{
    unsigned char *copy;
    enum sb_reason rc;

    switch (kind) {
    case SB_EV_KIND_CMS:
        ev->format = SB_EV_CMS;
        break;
    case SB_EV_KIND_XML:
        ev->format = SB_EV_XMLDSIG;
        break;
    case SB_EV_KIND_JSON:
    default:
        return sb_err_set(err, SB_R_INTERNAL, "sb_ev_set_object: not a signed object");
    }
    if ((rc = sb_ev_stamp(ev, a, in, len, err)) != SB_OK) {
        return rc;
    }
    if ((copy = OPENSSL_memdup(in, len)) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    sb_evidence_set0_obj(ev, copy, len);
    return SB_OK;
}

enum sb_reason sb_ev_parse_body(struct sb_evidence *ev, const struct sb_adapter *a, const unsigned char *in,
                                size_t len, const char *content_type, sb_ev_envelope_fn envelope,
                                const char *no_envelope, struct sb_err *err)
{
    enum sb_ev_kind kind;
    enum sb_reason rc;

    if ((rc = sb_ev_kind_of(in, len, content_type, &kind, err)) != SB_OK) {
        return rc;
    }
    if (kind != SB_EV_KIND_JSON) {
        return sb_ev_set_object(ev, a, kind, in, len, err);
    }
    if (envelope == NULL) {
        return sb_err_set(err, SB_R_INPUT_MALFORMED, "%s", no_envelope);
    }
    if ((rc = sb_ev_stamp(ev, a, in, len, err)) != SB_OK) {
        return rc;
    }
    return envelope(in, len, ev, err);
}

/* ---- JSON --------------------------------------------------------------------------------------- */

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    default:
        return "an unknown JSON value";
    }
}

enum sb_reason sb_ev_json_load(const unsigned char *in, size_t len, const char *what, json_t **root,
                               struct sb_err *err)
{
    json_error_t je;
    json_t *j;
    struct sb_jscan s;
    enum sb_jscan_status st;

    *root = NULL;
    /* Syntax and the top-level type first, without building anything (pki/base/json_scan.h): a hostile
     * array or broken body is refused after one linear pass. The adapters ignore unknown members (README),
     * so every member is read through; what the scanner passes, jansson parses (bar duplicate keys and
     * numbers out of range, refused below). */
    sb_jscan_init(&s, in, len);
    while ((st = sb_jscan_next(&s)) == SB_JSCAN_MEMBER) {
    }
    if (st == SB_JSCAN_SYNTAX) {
        return sb_err_set(err, SB_R_ENVELOPE_BAD_JSON, "%s: not valid JSON at line %zu, column %zu: %s", what, s.line,
                          s.column, s.error);
    }
    if (st == SB_JSCAN_NOT_OBJECT) {
        return sb_err_set(err, SB_R_ENVELOPE_BAD_JSON, "%s: expected a JSON object, got an array", what);
    }
    if ((j = json_loadb((const char *)in, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
        return sb_err_set(err, SB_R_ENVELOPE_BAD_JSON, "%s: not valid JSON at line %d, column %d: %.200s", what,
                          je.line, je.column, je.text);
    }
    if (!json_is_object(j)) {
        sb_err_set(err, SB_R_ENVELOPE_BAD_JSON, "%s: expected a JSON object, got %s", what, type_name(j));
        json_decref(j);
        return SB_R_ENVELOPE_BAD_JSON;
    }
    *root = j;
    return SB_OK;
}

int sb_ev_json_has(const json_t *root, const char *key)
{
    return json_object_get(root, key) != NULL;
}

/* The string member key of root into *v (NULL when absent and not required); want names the expected
 * content in the type error ("a string", "a base64 string"). */
static enum sb_reason json_string_member(const json_t *root, const char *key, int required, const char *want,
                                         const json_t **v, struct sb_err *err)
{
    if ((*v = json_object_get(root, key)) == NULL) {
        return required ? sb_err_set(err, SB_R_ENVELOPE_MISSING_FIELD, "envelope: missing '%s'", key) : SB_OK;
    }
    if (!json_is_string(*v)) {
        return sb_err_set(err, SB_R_ENVELOPE_BAD_TYPE, "envelope: '%s' must be %s, got %s", key, want, type_name(*v));
    }
    return SB_OK;
}

enum sb_reason sb_ev_json_str(const json_t *root, const char *key, int required, const char **out,
                              struct sb_err *err)
{
    const json_t *v;
    enum sb_reason rc;

    *out = NULL;
    if ((rc = json_string_member(root, key, required, "a string", &v, err)) != SB_OK || v == NULL) {
        return rc;
    }
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        return sb_err_set(err, SB_R_ENVELOPE_BAD_VALUE, "envelope: '%s' contains a NUL character", key);
    }
    *out = json_string_value(v);
    return SB_OK;
}

enum sb_reason sb_ev_b64_text(const char *s, size_t n, const char *what, unsigned char **out, size_t *out_len,
                              struct sb_err *err)
{
    size_t at = 0;
    enum sb_b64_status st = sb_base64_decode(s, n, (size_t)0x7FFFFFF0 / 4 * 3, out, out_len, &at);

    switch (st) {
    case SB_B64_OK:
        return SB_OK;
    case SB_B64_BAD_CHAR:
    case SB_B64_AFTER_PAD:
        return sb_err_set(err, SB_R_ENVELOPE_BAD_BASE64, "envelope: '%s': not base64 (%s at offset %zu)", what,
                          st == SB_B64_AFTER_PAD ? "data after '=' padding" : "invalid character", at);
    case SB_B64_EMPTY:
        return sb_err_set(err, SB_R_ENVELOPE_BAD_BASE64, "envelope: '%s': not base64 (empty)", what);
    case SB_B64_BAD_LENGTH:
        return sb_err_set(err, SB_R_ENVELOPE_BAD_BASE64,
                          "envelope: '%s': not base64 (length is not a multiple of 4 or bad padding)", what);
    case SB_B64_TOO_LONG:
        return sb_err_set(err, SB_R_INPUT_TOO_LARGE, "envelope: '%s': cannot decode", what);
    case SB_B64_NO_MEMORY:
    default:
        return sb_err_set(err, SB_R_INTERNAL, "envelope: '%s': cannot decode", what);
    }
}

enum sb_reason sb_ev_json_b64(const json_t *root, const char *key, int required, int allow_empty,
                              unsigned char **out, size_t *out_len, struct sb_err *err)
{
    const json_t *v;
    enum sb_reason rc;

    *out = NULL;
    *out_len = 0;
    if ((rc = json_string_member(root, key, required, "a base64 string", &v, err)) != SB_OK || v == NULL) {
        return rc;
    }
    if (json_string_length(v) == 0) {
        if (!allow_empty) {
            return sb_err_set(err, SB_R_ENVELOPE_MISSING_FIELD, "envelope: '%s' is empty", key);
        }
        if ((*out = OPENSSL_malloc(1)) == NULL) {
            return sb_err_set(err, SB_R_INTERNAL, "out of memory");
        }
        return SB_OK;
    }
    return sb_ev_b64_text(json_string_value(v), json_string_length(v), key, out, out_len, err);
}

enum sb_reason sb_ev_json_object(const json_t *root, const char *key, struct sb_evidence *ev, struct sb_err *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    enum sb_reason rc;

    if ((rc = sb_ev_json_b64(root, key, 1, 0, &buf, &len, err)) == SB_OK) {
        sb_evidence_set0_obj(ev, buf, len);
    }
    return rc;
}

enum sb_reason sb_ev_json_content(const json_t *root, const char *key, int required, struct sb_evidence *ev,
                                  struct sb_err *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    enum sb_reason rc;

    if ((rc = sb_ev_json_b64(root, key, required, 1, &buf, &len, err)) == SB_OK && buf != NULL) {
        sb_evidence_set0_content(ev, buf, len);
    }
    return rc;
}

static int has_pem_header(const char *s, size_t n)
{
    static const char tag[] = "-----BEGIN";
    size_t i;

    for (i = 0; i + sizeof(tag) - 1 <= n; i++) {
        if (memcmp(s + i, tag, sizeof(tag) - 1) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Certificates from one JSON string: PEM text, or base64 of DER or PEM. */
static enum sb_reason certs_from_string(const char *s, size_t n, const char *what, STACK_OF(X509) **out,
                                        struct sb_err *err)
{
    unsigned char *der = NULL;
    size_t der_len = 0;
    char name[64];
    struct sb_err e;
    enum sb_reason rc;
    int before = *out != NULL ? sk_X509_num(*out) : 0;

    snprintf(name, sizeof(name), "envelope '%s'", what);
    sb_err_clear(&e);
    if (!has_pem_header(s, n) && (rc = sb_ev_b64_text(s, n, what, &der, &der_len, err)) != SB_OK) {
        return rc;                            /* ENVELOPE_BAD_BASE64 */
    }
    if (der != NULL) {
        rc = sb_load_certs_mem(der, der_len, name, out, &e);
    } else {
        rc = sb_load_certs_mem((const unsigned char *)s, n, name, out, &e);
    }
    OPENSSL_free(der);
    if (rc != SB_OK) {
        /* the loader's INPUT_MALFORMED means: these bytes are no certificate */
        return sb_err_set(err, rc == SB_R_INPUT_MALFORMED ? SB_R_ENVELOPE_BAD_CERTIFICATE : rc, "%s", e.msg);
    }
    if (*out == NULL || sk_X509_num(*out) <= before) {
        return sb_err_set(err, SB_R_ENVELOPE_BAD_CERTIFICATE, "envelope: '%s' holds no certificate", what);
    }
    return SB_OK;
}

enum sb_reason sb_ev_json_certs(const json_t *root, const char *key, STACK_OF(X509) **out, struct sb_err *err)
{
    const json_t *v;
    enum sb_reason rc;

    if ((rc = json_string_member(root, key, 1, "a string (base64 DER or PEM)", &v, err)) != SB_OK) {
        return rc;
    }
    if (json_string_length(v) == 0) {
        return sb_err_set(err, SB_R_ENVELOPE_MISSING_FIELD, "envelope: '%s' is empty", key);
    }
    return certs_from_string(json_string_value(v), json_string_length(v), key, out, err);
}

enum sb_reason sb_ev_json_raw(const json_t *root, struct sb_evidence *ev, sb_ev_sig_check_fn check, EVP_PKEY **pkey,
                              struct sb_err *err)
{
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    STACK_OF(X509) *certs = NULL;
    enum sb_reason rc;

    *pkey = NULL;
    if ((rc = sb_ev_json_b64(root, "signature", 1, 0, &sig, &sig_len, err)) != SB_OK ||
        (check != NULL && (rc = check(root, sig, sig_len, ev, err)) != SB_OK) ||
        (rc = sb_ev_json_certs(root, "certificate", &certs, err)) != SB_OK) {
        OPENSSL_free(sig);
        sk_X509_pop_free(certs, X509_free);     /* a failed read may leave a partial stack */
        return rc;
    }
    ev->format = SB_EV_RAW_SIG;
    sb_evidence_set0_obj(ev, sig, sig_len);
    ev->signer = sk_X509_shift(certs);
    ev->certs = certs;
    if (ev->signer != NULL && (*pkey = sb_cert_pubkey(ev->signer)) == NULL) {
        ERR_clear_error();
    }
    return SB_OK;
}

enum sb_reason sb_ev_json_chain(const json_t *root, struct sb_evidence *ev, struct sb_err *err)
{
    const json_t *v = json_object_get(root, "chain"), *item;
    char what[32];
    size_t i;
    enum sb_reason rc;

    if (v == NULL) {
        return SB_OK;
    }
    if (!json_is_array(v)) {
        return sb_err_set(err, SB_R_ENVELOPE_BAD_TYPE, "envelope: 'chain' must be an array of certificate strings, "
                          "got %s", type_name(v));
    }
    if (json_array_size(v) > SB_EV_MAX_CHAIN) {
        return sb_err_set(err, SB_R_ENVELOPE_BAD_VALUE, "envelope: 'chain' has %zu certificates; at most %d are "
                          "accepted", json_array_size(v), SB_EV_MAX_CHAIN);
    }
    json_array_foreach(v, i, item) {
        snprintf(what, sizeof(what), "chain[%zu]", i);
        if (!json_is_string(item)) {
            return sb_err_set(err, SB_R_ENVELOPE_BAD_TYPE, "envelope: '%s' must be a string (base64 DER or PEM), "
                              "got %s", what, type_name(item));
        }
        if (json_string_length(item) == 0) {
            return sb_err_set(err, SB_R_ENVELOPE_BAD_CERTIFICATE, "envelope: '%s' is empty, not a certificate", what);
        }
        if ((rc = certs_from_string(json_string_value(item), json_string_length(item), what, &ev->certs, err)) !=
            SB_OK) {
            return rc;
        }
    }
    return SB_OK;
}

enum sb_reason sb_ev_json_time(const json_t *root, struct sb_evidence *ev, struct sb_err *err)
{
    const char *s;
    struct sb_err e;
    enum sb_reason rc;

    if ((rc = sb_ev_json_str(root, "signing_time", 0, &s, err)) != SB_OK || s == NULL) {
        return rc;
    }
    sb_err_clear(&e);
    if (sb_time_parse_rfc3339(s, &ev->claimed_time, &e) != SB_OK) {
        return sb_err_set(err, SB_R_ENVELOPE_BAD_VALUE, "envelope: 'signing_time' is not an RFC 3339 time: %s",
                          e.msg);
    }
    ev->has_claimed_time = 1;
    return SB_OK;
}

int sb_ev_is_certificate(const unsigned char *buf, size_t n)
{
    X509 *x;
    int ok;

    if (n == 0 || n > 0x7FFFFFFF || buf[0] != 0x30) {
        return 0;
    }
    ok = (x = sb_cert_d2i(buf, n)) != NULL;     /* exactly one certificate, without the slow key decoder */
    ERR_clear_error();
    X509_free(x);
    return ok;
}

int sb_ev_is_der_ecdsa_sig(const unsigned char *buf, size_t n)
{
    const unsigned char *p = buf;
    unsigned char *re = NULL;
    ECDSA_SIG *s;
    int ok = 0, l;

    if (n < 8 || n > 0x7FFFFFFF || buf[0] != 0x30) {
        return 0;
    }
    if ((s = d2i_ECDSA_SIG(NULL, &p, (long)n)) == NULL) {
        ERR_clear_error();
        return 0;
    }
    /* exactly one strict DER encoding: re-encoding must give the same bytes */
    if (p == buf + n && (l = i2d_ECDSA_SIG(s, &re)) > 0 && (size_t)l == n && memcmp(re, buf, n) == 0) {
        ok = 1;
    }
    OPENSSL_free(re);
    ECDSA_SIG_free(s);
    return ok;
}
