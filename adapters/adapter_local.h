/*
 * adapters/adapter_local.h — private to the adapters/ sources: body sniffing and strict JSON-envelope field
 * readers shared by the adapters (adapters/envelope.c).
 *
 * Field readers ignore unknown keys but require the known ones with the right JSON types; every failure
 * is one of the ENVELOPE_* reasons (HTTP 400, exit 2: BAD_JSON, MISSING_FIELD, BAD_TYPE, BAD_VALUE,
 * BAD_BASE64, BAD_CERTIFICATE, ...) with a message that names the field ("'hash': not base64 (invalid
 * character at offset 12)"). Bodies that are no envelope at all stay INPUT_MALFORMED.
 */
#ifndef SB_ADAPTER_LOCAL_H
#define SB_ADAPTER_LOCAL_H

#include <jansson.h>
#include "adapter.h"

/* What a body is. */
enum sb_ev_kind {
    SB_EV_KIND_JSON = 0,
    SB_EV_KIND_CMS,
    SB_EV_KIND_XML
};

/* Decide the kind of in[0..len) from content_type (parameters ignored; NULL, "" or
 * application/octet-stream: sniffed from the bytes). INPUT_MALFORMED for an unsupported type, or a body
 * that is neither JSON, XML nor CMS; INPUT_TOO_LARGE above SB_EV_MAX_INPUT. */
enum sb_reason sb_ev_kind_of(const unsigned char *in, size_t len, const char *content_type, enum sb_ev_kind *kind,
                             struct sb_err *err) SB_MUST_USE;

/* Fill ev from a CMS or XML body: format, a copy of the bytes as obj, input_sha256, adapter names. */
enum sb_reason sb_ev_set_object(struct sb_evidence *ev, const struct sb_adapter *a, enum sb_ev_kind kind,
                                const unsigned char *in, size_t len, struct sb_err *err) SB_MUST_USE;
/* Parses a JSON envelope body into ev (the adapter's own format). */
typedef enum sb_reason (*sb_ev_envelope_fn)(const unsigned char *in, size_t len, struct sb_evidence *ev,
                                            struct sb_err *err);
/* The parse() of an adapter: a CMS or XML body becomes ev's object (sb_ev_set_object); a JSON body is
 * stamped and handed to envelope, or refused with INPUT_MALFORMED and the message no_envelope when the
 * adapter defines no envelope (envelope NULL). */
enum sb_reason sb_ev_parse_body(struct sb_evidence *ev, const struct sb_adapter *a, const unsigned char *in,
                                size_t len, const char *content_type, sb_ev_envelope_fn envelope,
                                const char *no_envelope, struct sb_err *err) SB_MUST_USE;
/* Record the adapter names and SHA-256 of the whole input in ev. */
enum sb_reason sb_ev_stamp(struct sb_evidence *ev, const struct sb_adapter *a, const unsigned char *in, size_t len,
                           struct sb_err *err) SB_MUST_USE;

/* Parse a JSON object envelope (duplicate keys refused) into *root (json_decref). */
enum sb_reason sb_ev_json_load(const unsigned char *in, size_t len, const char *what, json_t **root,
                               struct sb_err *err) SB_MUST_USE;
/* 1 if root has key (any type, null included). */
int sb_ev_json_has(const json_t *root, const char *key);
/* String field: *out borrowed from root; NULL when absent and not required. Rejects embedded NULs. */
enum sb_reason sb_ev_json_str(const json_t *root, const char *key, int required, const char **out,
                              struct sb_err *err) SB_MUST_USE;
/* Base64 field decoded into *out (OPENSSL_free); *out NULL when absent and not required. allow_empty:
 * an empty string is accepted (zero bytes). */
enum sb_reason sb_ev_json_b64(const json_t *root, const char *key, int required, int allow_empty,
                              unsigned char **out, size_t *out_len, struct sb_err *err) SB_MUST_USE;
/* Strict base64 (pki/base/base64.h) of s[0..n) into *out (OPENSSL_free); what names the field in messages
 * (ENVELOPE_BAD_BASE64 "envelope: 'what': not base64 (...)"). */
enum sb_reason sb_ev_b64_text(const char *s, size_t n, const char *what, unsigned char **out, size_t *out_len,
                              struct sb_err *err) SB_MUST_USE;
/* Optional "ocsp_responses" and "crls" (adapters/envelope_revocation.c): arrays of base64 DER OCSP responses
 * (OCSPResponse, or a BasicOCSPResponse, wrapped) and CRLs carried beside the signature, into ev->ocsps /
 * ev->crls (validated as embedded revocation data). At most SB_EV_MAX_REV_ITEMS of each; ENVELOPE_BAD_TYPE,
 * ENVELOPE_BAD_BASE64 or ENVELOPE_BAD_VALUE naming the entry ("'crls[1]' is not a DER CRL"). */
enum sb_reason sb_ev_json_revocation(const json_t *root, struct sb_evidence *ev, struct sb_err *err) SB_MUST_USE;

/* Required base64 field decoded into ev's object (owned by ev). */
enum sb_reason sb_ev_json_object(const json_t *root, const char *key, struct sb_evidence *ev,
                                 struct sb_err *err) SB_MUST_USE;
/* Base64 field (may be empty: zero bytes) decoded into ev's content (owned by ev); absent and not required:
 * content stays NULL. */
enum sb_reason sb_ev_json_content(const json_t *root, const char *key, int required, struct sb_evidence *ev,
                                  struct sb_err *err) SB_MUST_USE;
/* Certificate field: PEM text, or base64 of DER / PEM; every certificate found is appended to *out
 * (created when NULL), the first one being the field's certificate. */
enum sb_reason sb_ev_json_certs(const json_t *root, const char *key, STACK_OF(X509) **out,
                                struct sb_err *err) SB_MUST_USE;
/* Optional "chain": an array of certificate strings (as sb_ev_json_certs), appended to ev->certs. */
enum sb_reason sb_ev_json_chain(const json_t *root, struct sb_evidence *ev, struct sb_err *err) SB_MUST_USE;
/* Optional "signing_time": RFC 3339 claimed signing time into ev. */
enum sb_reason sb_ev_json_time(const json_t *root, struct sb_evidence *ev, struct sb_err *err) SB_MUST_USE;

/* Checks a raw signature value sig[0..len) of the envelope root before the certificate is read (may set ev). */
typedef enum sb_reason (*sb_ev_sig_check_fn)(const json_t *root, const unsigned char *sig, size_t len,
                                             struct sb_evidence *ev, struct sb_err *err);
/* The raw form (a bare signature value and its certificates): 'signature' (base64), check (may be NULL) on it,
 * then 'certificate'; ev takes the signature as its object (SB_EV_RAW_SIG) and the certificates, the first
 * being the signer. *pkey is the signer's public key (borrowed), NULL when it cannot be read. */
enum sb_reason sb_ev_json_raw(const json_t *root, struct sb_evidence *ev, sb_ev_sig_check_fn check, EVP_PKEY **pkey,
                              struct sb_err *err) SB_MUST_USE;
/* 1 if buf[0..n) is exactly one DER X.509 certificate (a certificate sent where a signature belongs). */
int sb_ev_is_certificate(const unsigned char *buf, size_t n);
/* 1 if buf[0..n) is exactly one DER ECDSA-Sig-Value SEQUENCE { r, s } (also the SM2 DER form). */
int sb_ev_is_der_ecdsa_sig(const unsigned char *buf, size_t n);

#endif
