/*
 * adapters/adapter.h — jurisdiction adapters: envelopes in, evidence out; attestations rendered.
 *
 * An adapter is a BearSSL-style class: one `const struct sb_adapter` per source/target system. Its
 * parse() turns whatever that system sends (a JSON envelope, CMS, XML-DSig) into the common evidence
 * structure below, checking only the envelope's own consistency (types, base64, lengths, a document
 * whose hash does not match the envelope's hash); every cryptographic and trust decision is made later
 * by sb_evidence_validate() under the sending jurisdiction's policy. Its render() signs a gateway
 * attestation in the receiving system's native format (adapters/attest.c does the work).
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

#define SB_EV_MAX_INPUT   (16u * 1024u * 1024u)   /* largest envelope or object an adapter accepts */
#define SB_EV_MAX_ID      1024                    /* longest SM2 distinguishing ID taken from an envelope */
#define SB_EV_MAX_CHAIN   16                      /* extra certificates in an envelope's "chain" */

/* What kind of signature the evidence carries. */
enum sb_ev_format {
    SB_EV_CMS = 0,             /* CMS / PKCS#7 SignedData (DER, PEM or S/MIME) */
    SB_EV_GMT0010,             /* GM/T 0010 SignedData (validated by the same CMS code) */
    SB_EV_XMLDSIG,             /* an XML document with enveloped/enveloping ds:Signature elements */
    SB_EV_RAW_SIG              /* a bare signature value + the signer's certificate */
};

/*
 * The common evidence: what was signed and how. Filled by an adapter's parse(); release with
 * sb_evidence_clear(). For RAW_SIG the signature covers either the digest (RSA PKCS#1 v1.5 over the
 * DigestInfo, ECDSA over the digest) or, for SM2 keys, the message in content (SM3(ZA || M) under sm2_id).
 */
struct sb_evidence {
    enum sb_ev_format format;
    const char *adapter;                 /* borrowed: name of the adapter that parsed it */
    const char *jurisdiction;            /* borrowed: the source jurisdiction the adapter serves */
    unsigned char *obj;                  /* owned (OPENSSL_free): CMS or XML bytes, or the raw signature */
    size_t obj_len;
    int raw_rs;                          /* RAW_SIG with an SM2 key: obj is the 64-byte r||s form */
    unsigned char *content;              /* owned: detached content / the signed message; NULL = none */
    size_t content_len;
    unsigned char digest[EVP_MAX_MD_SIZE];   /* digest-only mode: the hash that was signed */
    size_t digest_len;                   /* 0 = no digest given */
    char digest_alg[16];                 /* with digest: sha256 | sha384 | sha512 | sm3 */
    STACK_OF(X509) *certs;               /* owned: untrusted candidate certificates; may be NULL */
    X509 *signer;                        /* owned: RAW_SIG: the signer's certificate */
    int has_claimed_time;                /* claimed_time holds the envelope's claimed signing time */
    time_t claimed_time;
    char *sm2_id;                        /* owned: the signer's SM2 ID; NULL = the policy's default */
    int has_content_sha256;              /* content_sha256 is the SHA-256 of the signed document */
    unsigned char content_sha256[32];
    unsigned char input_sha256[32];      /* SHA-256 of the bytes given to parse() */
};

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

/* ---- evidence (adapters/evidence.c) --------------------------------------------------------- */

/* Zero ev. */
void sb_evidence_init(struct sb_evidence *ev);
/* Release what ev owns and zero it. */
void sb_evidence_clear(struct sb_evidence *ev);
/* "cms" / "gmt0010" / "xmldsig" / "raw". */
const char *sb_evidence_format_name(enum sb_ev_format f);

/*
 * Validate ev under p: CMS/GM/T 0010 through sb_validate_object, XML-DSig through sb_xmldsig_verify plus
 * the policy's path rules, RAW_SIG by verifying the signature value with the signer's key and validating
 * its path under p (sb_trust_policy_validate). res gets the result shape of sb_validate_object (one
 * signer entry per signature; sb_validate_result_json renders it) and its reason is returned. at: an
 * explicit validation time (NULL: the policy's rule at now); *at_used (may be NULL) the time applied.
 */
enum sb_reason sb_evidence_validate(const struct sb_trust_policy *p, const struct sb_evidence *ev, time_t now,
                                    const time_t *at, struct sb_cms_result *res, time_t *at_used,
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
