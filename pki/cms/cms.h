/*
 * pki/cms/cms.h — CMS / PKCS#7 SignedData: verification and signing, PKCS#7 and GM/T 0010 flavours.
 *
 * Verification reads DER, PEM (labels CMS, PKCS7, "PKCS #7 SIGNED DATA") or S/MIME (OpenSSL's reader;
 * a multipart/signed message carries the detached content). BER with indefinite lengths is normalised
 * through OpenSSL when the object uses the PKCS#7 OIDs. The SignedData itself is parsed here with the
 * bounded DER cursor (pki/base/der.h), so both the PKCS#7 content types (signedData 1.2.840.113549.1.7.2,
 * data …7.1) and the GM/T 0010 ones (signedData 1.2.156.10197.6.1.4.2.2, data …4.2.1) are accepted, outer
 * and inner, and signed attributes are verified over exactly the bytes received. Every SignerInfo is
 * checked: digest and signature algorithm (RSA PKCS#1 v1.5, RSA-PSS, ECDSA, Ed25519, SM2 with SM3 under
 * the signer's distinguishing ID), content-type and message-digest attributes, the signature, the signer's
 * key usage (digitalSignature or nonRepudiation) and its certification path (pki/x509/chain.h) at the caller's
 * validation time; signing-time is reported, never trusted. The object's certificates are only untrusted
 * path candidates and its CRLs are added to the caller's; so are the OCSP responses carried in crls (RFC 5940
 * id-ri-ocsp-response) and the CRLs and BasicOCSPResponses of every SignerInfo's CAdES revocation-values
 * unsigned attribute (cms_revvals.c), judged for each certificate of the path before any network source
 * (source "embedded", pki/x509/revocation.h).
 *
 * Signing builds DER SignedData with signed attributes (content-type, signing-time, message-digest):
 * RSA PKCS#1 v1.5 / SHA-256, ECDSA / SHA-256, Ed25519 / SHA-512, SM2 / SM3 (OpenSSL 3.0 cannot sign
 * SM2 or Ed25519 CMS).
 *
 * Not done: countersignatures and other unsigned attributes (but revocation-values) are ignored; no timestamp tokens; no
 * EnvelopedData; no network fetch of certificates or CRLs. Thread-safe; inputs are only read.
 */
#ifndef SB_CMS_H
#define SB_CMS_H

#include <stddef.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include "pki/base/err.h"
#include "pki/x509/path.h"

struct sb_cert_cache;
struct sb_cert_memo;
struct sb_sm2_cache;
struct sb_xmldsig_ref;
struct sb_xmldsig_unsigned;

#define SB_CMS_MAX_SIGNERS 64     /* SignerInfos in one object */
#define SB_CMS_MAX_ATTRS   64     /* signed attributes in one SignerInfo */
#define SB_CMS_MAX_CERTS   256    /* certificates carried in one object */
#define SB_CMS_MAX_CRLS    256    /* CRLs carried in one object */
#define SB_CMS_MAX_INPUT   (16u * 1024u * 1024u)
#define SB_CMS_PATH_SIG_BUDGET 400 /* certificate/CRL signature checks for all signers' paths of one object */

enum sb_cms_format {
    SB_CMS_FORMAT_CMS = 0,     /* PKCS#7 / CMS content-type OIDs */
    SB_CMS_FORMAT_GMT0010      /* GM/T 0010 content-type OIDs */
};

/* What the caller supplies to sb_cms_verify. All pointers are borrowed. */
struct sb_cms_verify_opts {
    const struct sb_path_opts *path;   /* chain options (time, CRLs, algorithms, certificate SM2 ID) */
    STACK_OF(X509) *anchors;           /* trust anchors */
    STACK_OF(X509) *untrusted;         /* extra path candidates, also searched for the signer; may be NULL */
    const unsigned char *data;         /* detached content (verified instead of any eContent); NULL = none */
    size_t data_len;
    const unsigned char *digest;       /* digest-only mode: hash of the content; NULL = not used */
    size_t digest_len;
    const char *digest_alg;            /* with digest: "sha256", "sha384", "sha512" or "sm3" */
    const char *sm2_id;                /* the signer's SM2 distinguishing ID; NULL = GM/T default */
    struct sb_cert_cache *cert_cache;  /* decoded certificates shared across calls (cert_cache.h); NULL */
    struct sb_cert_memo *memo;         /* rendered certificate names shared across calls (cert_memo.h); NULL */
    struct sb_sm2_cache *sm2_cache;    /* SM2 key form + ZA per (key, ID) shared across calls (sm2_cache.h); NULL */
    int no_object_crls;                /* 1: the object's own CRLs and OCSP responses are not used
                                        * (revocation.sources without embedded) */
};

/* Outcome for one SignerInfo. */
struct sb_cms_signer {
    enum sb_reason reason;
    char message[SB_ERR_MSG_MAX];
    char subject[512];                 /* RFC 2253; "" when the certificate was not found */
    char issuer[512];                  /* from the certificate, else from issuerAndSerialNumber */
    char serial[128];                  /* lowercase hex; "" when unknown */
    char signing_time[32];             /* RFC 3339 from the signing-time attribute; "" when absent */
    X509 *cert;                        /* owned: the signer's certificate, NULL when not found */
    STACK_OF(X509) *chain;             /* owned: leaf → anchor as built (possibly failed); may be NULL */
    STACK_OF(ASN1_OBJECT) *policies;   /* owned: the path's valid policy set when it validated, else NULL */
    struct sb_rev_evidence *revocation; /* owned (OPENSSL_free): parallel to chain, each certificate's revocation
                                        * evidence (sb_chain_result.revocation); NULL when revocation is off */
    size_t n_revocation;
    /* Filled only when the result is an XML-DSig document's (pki/verdict/validate.h); zero for CMS: */
    char location[512];                /* location of the ds:Signature element */
    struct sb_xmldsig_ref *refs;       /* owned (OPENSSL_free): what each ds:Reference signed (xmldsig.h) */
    size_t n_refs;
    unsigned char *sig_value;          /* owned (OPENSSL_free): the decoded SignatureValue; NULL = unknown */
    size_t sig_len;
};

struct sb_cms_result {
    enum sb_reason reason;             /* worst of the signers (sb_reason_severity), or the parse failure */
    char message[SB_ERR_MSG_MAX];
    enum sb_cms_format format;         /* flavour of the outer content type */
    int detached;                      /* 1 if the object carries no eContent */
    struct sb_cms_signer *signers;     /* owned: n_signers entries */
    size_t n_signers;
    size_t worst;                      /* index of the signer that decided reason (when n_signers > 0) */
    int xmldsig;                       /* 1: the signers are an XML-DSig document's ds:Signature elements */
    struct sb_xmldsig_unsigned *unsigned_content;  /* owned (OPENSSL_free), XML-DSig only: content outside
                                        * every reference (xmldsig.h) */
    size_t n_unsigned, n_unsigned_omitted;
};

/* Release what r owns and zero it. */
void sb_cms_result_clear(struct sb_cms_result *r);

/* 1 if in looks like CMS: DER SEQUENCE, PEM, or MIME headers naming a PKCS#7 type; 0 otherwise (e.g. XML). */
int sb_cms_looks_like(const unsigned char *in, size_t len);

/*
 * Verify the SignedData in in[0..len) under o. res is filled in every case (res->reason, message and,
 * once the SignerInfos were read, one entry per signer) and its reason is returned: SB_OK when every
 * signer passed, else the worst outcome. An input that is not DER/PEM/S-MIME CMS at all returns
 * INPUT_MALFORMED (INPUT_TOO_LARGE, USAGE for bad options); a ContentInfo that is not a well-formed
 * SignedData returns FORMAT. err holds the same reason and message.
 */
enum sb_reason sb_cms_verify(const unsigned char *in, size_t len, const struct sb_cms_verify_opts *o,
                             struct sb_cms_result *res, struct sb_err *err) SB_MUST_USE;

/*
 * Sign content[0..len) with key, whose certificate is cert, into a new DER ContentInfo/SignedData
 * (*out, OPENSSL_free). chain (may be NULL) is carried after cert. detached: no eContent. format:
 * CMS (PKCS#7 OIDs; RSA, ECDSA P-256/P-384, Ed25519 or SM2) or GMT0010 (GM/T OIDs; SM2 only). sm2_id: the
 * signer's distinguishing ID (NULL = GM/T default). signing_time 0 = now. USAGE when the key does not
 * fit cert or format; INTERNAL on library failure.
 */
enum sb_reason sb_cms_sign(EVP_PKEY *key, X509 *cert, STACK_OF(X509) *chain, const unsigned char *content,
                           size_t len, int detached, enum sb_cms_format format, const char *sm2_id,
                           time_t signing_time, unsigned char **out, size_t *out_len,
                           struct sb_err *err) SB_MUST_USE;

#endif
