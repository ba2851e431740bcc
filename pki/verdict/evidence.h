/*
 * pki/verdict/evidence.h — the common evidence: what was signed and how, whatever system sent it.
 *
 * Every caller of validation (POST /v1/verify, the proxy routes, POST /v1/translate, `sigbridge verify`,
 * `sigbridge translate`) turns its input into one struct sb_evidence and hands it to sb_validate
 * (pki/verdict/validate.h). The jurisdiction adapters (adapters/adapter.h) fill it from their envelopes;
 * the gateway and the CLI fill it directly for plain CMS and XML-DSig objects. Revocation data an envelope
 * carries beside the object (crls, ocsps) are validated as the object's own, embedded ones (validate.c). Nothing here checks a
 * signature: the struct only carries bytes and certificates (and reads a digest given as hex). One owner
 * per object; no shared state.
 */
#ifndef SB_EVIDENCE_H
#define SB_EVIDENCE_H

#include <stddef.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include "pki/x509/revocation.h"

/* What kind of signature the evidence carries. */
enum sb_ev_format {
    SB_EV_CMS = 0,             /* CMS / PKCS#7 SignedData (DER, PEM or S/MIME) */
    SB_EV_GMT0010,             /* GM/T 0010 SignedData (validated by the same CMS code) */
    SB_EV_XMLDSIG,             /* an XML document with enveloped/enveloping ds:Signature elements */
    SB_EV_RAW_SIG              /* a bare signature value + the signer's certificate */
};

/*
 * For RAW_SIG the signature covers either the digest (RSA PKCS#1 v1.5 over the DigestInfo, ECDSA over the
 * digest) or, for SM2 keys, the message in content (SM3(ZA || M) under sm2_id). obj and content either
 * point into the caller's input (which must then outlive the evidence) or into the owned buffers below
 * (sb_evidence_set0_obj / sb_evidence_set0_content). Release with sb_evidence_clear().
 */
struct sb_evidence {
    enum sb_ev_format format;
    const char *adapter;                 /* borrowed: name of the adapter that parsed it; NULL = none */
    const char *jurisdiction;            /* borrowed: the source jurisdiction the adapter serves */
    const unsigned char *obj;            /* CMS or XML bytes, or the raw signature (borrowed or obj_owned) */
    size_t obj_len;
    unsigned char *obj_owned;            /* owned (OPENSSL_free): the buffer obj points into; NULL = borrowed */
    int raw_rs;                          /* RAW_SIG with an SM2 key: obj is the 64-byte r||s form */
    const unsigned char *content;        /* detached content / the signed message; NULL = none */
    size_t content_len;
    unsigned char *content_owned;        /* owned (OPENSSL_free): the buffer content points into */
    unsigned char digest[EVP_MAX_MD_SIZE];   /* digest-only mode: the hash that was signed */
    size_t digest_len;                   /* 0 = no digest given */
    char digest_alg[16];                 /* with digest: sha256 | sha384 | sha512 | sm3 */
    STACK_OF(X509) *certs;               /* owned: untrusted candidate certificates; may be NULL */
    X509 *signer;                        /* owned: RAW_SIG: the signer's certificate */
    int has_claimed_time;                /* claimed_time holds the envelope's claimed signing time */
    time_t claimed_time;
    char *sm2_id;                        /* owned (OPENSSL_free): the signer's SM2 ID; NULL = the policy's */
    int has_content_sha256;              /* content_sha256 is the SHA-256 of the signed document */
    unsigned char content_sha256[32];
    unsigned char input_sha256[32];      /* SHA-256 of the bytes given to an adapter's parse() */
    STACK_OF(X509_CRL) *crls;            /* owned: CRLs the envelope carries ("crls"); may be NULL */
    struct sb_ocsp_supplied *ocsps;      /* owned array, each der owned (OPENSSL_free): OCSP responses the
                                          * envelope carries ("ocsp_responses"; a BasicOCSPResponse wrapped,
                                          * carried_off), source SB_REV_SRC_EMBEDDED */
    size_t n_ocsps;
};

/* Zero ev. */
void sb_evidence_init(struct sb_evidence *ev);
/* Release what ev owns and zero it (NULL is a no-op). */
void sb_evidence_clear(struct sb_evidence *ev);
/* "cms" / "gmt0010" / "xmldsig" / "raw". */
const char *sb_evidence_format_name(enum sb_ev_format f);
/* Make buf[0..len) (OPENSSL_malloc'd) ev's object; ev owns it from now on, also on a later failure. */
void sb_evidence_set0_obj(struct sb_evidence *ev, unsigned char *buf, size_t len);
/* Make buf[0..len) (OPENSSL_malloc'd, may be NULL for none) ev's content; ev owns it from now on. */
void sb_evidence_set0_content(struct sb_evidence *ev, unsigned char *buf, size_t len);
/* Size in bytes of a digest alg (sha256 | sha384 | sha512 | sm3, any case); 0 for any other name. */
size_t sb_evidence_digest_size(const char *alg);
/* Set the digest-only mode: alg (as above) and d[0..len). 0 when alg is not one of those or len is not its
 * size; ev is then unchanged. */
int sb_evidence_set_digest(struct sb_evidence *ev, const char *alg, const unsigned char *d, size_t len);
/* sb_evidence_set_digest from hex text; 0 with *why (static text) on an unknown algorithm or a value that
 * is not hex of its length. */
int sb_evidence_set_digest_hex(struct sb_evidence *ev, const char *alg, const char *hex, const char **why);

#endif
