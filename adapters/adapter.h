/*
 * adapters/adapter.h — jurisdiction adapters: envelopes in, evidence out; attestations rendered.
 *
 * An adapter is a BearSSL-style class: one `const struct sb_adapter` per source/target system. Its
 * parse() turns whatever that system sends (a JSON envelope, CMS, XML-DSig) into the common evidence
 * structure (pki/verdict/evidence.h), checking only the envelope's own consistency (types, base64, lengths,
 * a document whose hash does not match the envelope's hash); every cryptographic and trust decision is
 * made later by sb_validate() (pki/verdict/validate.h) under the sending jurisdiction's policy. Its
 * render() signs a gateway attestation in the receiving system's native format (adapters/attest.c).
 *
 * Adding a jurisdiction = one policy file (policies/<id>.yaml) and, when its systems send something
 * other than plain CMS or XML-DSig, one adapter registered in adapters/registry.c (see README.md).
 *
 * Not done here: no network access, no key storage (the caller loads the attestation key and passes it
 * in), no audit. Everything is thread-safe: adapters hold no state and only read their inputs.
 */
#ifndef SB_ADAPTER_H
#define SB_ADAPTER_H

#include <stddef.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include "pki/cms/cms.h"
#include "pki/base/err.h"
#include "pki/policy/recognition.h"
#include "pki/policy/trust_policy.h"
#include "pki/verdict/evidence.h"

#define SB_EV_MAX_INPUT   (16u * 1024u * 1024u)   /* largest envelope or object an adapter accepts */
#define SB_EV_MAX_ID      1024                    /* longest SM2 distinguishing ID taken from an envelope */
#define SB_EV_MAX_CHAIN   16                      /* extra certificates in an envelope's "chain" */
#define SB_EV_MAX_REV_ITEMS 16                    /* entries of an envelope's "ocsp_responses", and of its "crls" */
#define SB_EV_MAX_CRL_BYTES (8u * 1024u * 1024u)  /* one CRL in "crls" (a response: SB_OCSP_MAX_RESPONSE) */

/* The attested statement, built by translate.c and signed by an adapter's render(). */
struct sb_attestation_doc {
    char *json;                          /* owned (free): canonical JSON, see README.md */
    size_t json_len;
    char object_sha256[65];              /* lowercase hex of the original object (the bytes received) */
    char content_sha256[65];             /* of the signed document when known, else "" */
    char subject[512], issuer[512], serial[128];   /* the signer (RFC 2253, lowercase hex) */
    char from[SB_TP_ID_MAX + 1], to[SB_TP_ID_MAX + 1];
    char rule[SB_TP_ID_MAX * 2 + 32];    /* "hk->cn" */
    char policy_oid[SB_TP_OID_MAX];      /* the certificate policy the rule matched; "" when none needed */
    char level[16];                      /* the signer's assurance level under the sending policy */
    char indication[24];                 /* TOTAL_PASSED */
    char validation_time[32];            /* RFC 3339 */
    char policy_snapshot[65];            /* policy set id */
    char gateway_id[128];
};

/* The receiving side's attestation key, all borrowed. */
struct sb_attest_key {
    enum sb_attest_format format;        /* from the recognition rule's attest block */
    EVP_PKEY *key;
    X509 *cert;
    STACK_OF(X509) *chain;               /* carried after cert; may be NULL */
    const char *sm2_id;                  /* SM2 signer ID; NULL = GM/T default */
    time_t signing_time;                 /* 0 = now */
};

struct sb_adapter {
    const char *name;                    /* "hk_iamsmart" */
    const char *jurisdiction;            /* "hk"; NULL for the generic fallback */
    /* Parse in[0..len) (content_type may be NULL: sniffed) into *ev (initialised by the caller with
     * sb_evidence_init; cleared by the caller in every case). INPUT_MALFORMED (not JSON, XML or CMS),
     * an ENVELOPE_* reason (pki/base/reason.h) with a message naming the field for a bad envelope,
     * INPUT_TOO_LARGE; HASH_MISMATCH when a supplied document does not match the envelope's hash. */
    enum sb_reason (*parse)(const unsigned char *in, size_t len, const char *content_type, struct sb_evidence *ev,
                            struct sb_err *err);
    /* Sign doc in this side's format into *out (OPENSSL_free): DER SignedData or an XML document. */
    enum sb_reason (*render)(const struct sb_attestation_doc *doc, const struct sb_attest_key *key,
                             unsigned char **out, size_t *out_len, struct sb_err *err);
    /* The members that mark a JSON body as this system's envelope rather than the gateway's own /v1/verify
     * envelope (NULL-terminated); NULL when the system has no JSON envelope. */
    const char *const *envelope_members;
};

/* ---- registry (adapters/registry.c) --------------------------------------------------------- */

/* The adapter serving jurisdiction id, or the generic CMS / XML-DSig adapter when none is registered. */
const struct sb_adapter *sb_adapter_find(const char *jurisdiction);
/* The registered adapters: count and the i-th (NULL when out of range). */
size_t sb_adapter_count(void);
const struct sb_adapter *sb_adapter_get(size_t i);

extern const struct sb_adapter sb_hk_iamsmart_adapter;
extern const struct sb_adapter sb_cn_gmt_adapter;
extern const struct sb_adapter sb_mo_esigntrust_adapter;
extern const struct sb_adapter sb_generic_adapter;

/* ---- JSON bodies of POST /v1/verify (adapters/gateway_envelope.c) -------------------------- */

/*
 * The gateway's own envelope: {"signature": BASE64 (the CMS object), "content": BASE64 (detached content,
 * optional), "digest": {"alg": "sha256" | "sha384" | "sha512" | "sm3", "value": HEX} (optional, not with
 * content), "sm2_id": "…" (optional, at most 127 bytes)}; unknown members are refused. ev is filled as a
 * CMS evidence (the decoded parts owned by ev). ENVELOPE_* reasons with a message naming the member.
 */
enum sb_reason sb_gateway_envelope_parse(const unsigned char *in, size_t len, struct sb_evidence *ev,
                                         struct sb_err *err) SB_MUST_USE;

/*
 * A JSON body sent to POST /v1/verify for jurisdiction: the jurisdiction adapter's envelope when the
 * object names one of its envelope_members (parsed by its parse()), else the gateway's own envelope
 * (*gateway_envelope = 1, also for a body that is no JSON object). Reasons as the chosen parser's.
 */
enum sb_reason sb_adapter_parse_json_body(const char *jurisdiction, const unsigned char *in, size_t len,
                                          struct sb_evidence *ev, int *gateway_envelope,
                                          struct sb_err *err) SB_MUST_USE;

/* ---- attestations (adapters/attest.c) ------------------------------------------------------- */

/*
 * Sign doc with key in key->format: CMS (attached canonical JSON, PKCS#7 OIDs), GMT0010 (attached JSON,
 * GM/T OIDs, SM2/SM3) or XMLDSIG (the XML rendering of doc, enveloped signature). *out is new
 * (OPENSSL_free). USAGE when the key does not fit the format; INTERNAL on library failure.
 */
enum sb_reason sb_attest_render(const struct sb_attestation_doc *doc, const struct sb_attest_key *key,
                                unsigned char **out, size_t *out_len, struct sb_err *err) SB_MUST_USE;
/* The XML rendering of doc (see README.md) as a new NUL-terminated string (free); NULL on failure. */
char *sb_attest_xml(const struct sb_attestation_doc *doc, size_t *len);

#endif
