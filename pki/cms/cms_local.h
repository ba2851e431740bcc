/*
 * pki/cms/cms_local.h — private to pki/cms/cms_*.c: the parsed SignedData and the OIDs it is made of.
 *
 * sb_cms_parse() turns any accepted input (DER, PEM, S/MIME, BER with indefinite lengths) into one DER
 * buffer it owns and a set of element pointers into that buffer; nothing is re-encoded after that point,
 * so signatures are checked over exactly the bytes the signer produced.
 */
#ifndef SB_CMS_LOCAL_H
#define SB_CMS_LOCAL_H

#include "pki/cms/cms.h"
#include "pki/base/der.h"
#include "pki/crypto/sig.h"

#define SB_OID_PKCS7_DATA      "1.2.840.113549.1.7.1"
#define SB_OID_PKCS7_SIGNED    "1.2.840.113549.1.7.2"
#define SB_OID_GMT_DATA        "1.2.156.10197.6.1.4.2.1"
#define SB_OID_GMT_SIGNED      "1.2.156.10197.6.1.4.2.2"
#define SB_OID_CONTENT_TYPE    "1.2.840.113549.1.9.3"
#define SB_OID_MESSAGE_DIGEST  "1.2.840.113549.1.9.4"
#define SB_OID_SIGNING_TIME    "1.2.840.113549.1.9.5"
#define SB_OID_SHA256          "2.16.840.1.101.3.4.2.1"
#define SB_OID_SM3             "1.2.156.10197.1.401"
#define SB_OID_SM2             "1.2.156.10197.1.301"
#define SB_OID_SM2_SIGN        "1.2.156.10197.1.301.1"
#define SB_OID_SM2_WITH_SM3    "1.2.156.10197.1.501"
#define SB_OID_RSA             "1.2.840.113549.1.1.1"
#define SB_OID_ECDSA_SHA256    "1.2.840.10045.4.3.2"
#define SB_OID_RI_OCSP_RESPONSE "1.3.6.1.5.5.7.16.2"   /* RFC 5940 id-ri-ocsp-response */
#define SB_OID_AA_REVOCATION_VALUES "1.2.840.113549.1.9.16.2.24"   /* RFC 5126 id-aa-ets-revocationValues */

/* One SignerInfo; every element points into sb_cms_parsed.buf. */
struct sb_cms_si {
    int sid_ski;                       /* 1: [0] subjectKeyIdentifier, 0: issuerAndSerialNumber */
    struct sb_der_elem sid_issuer;     /* Name */
    struct sb_der_elem sid_serial;     /* INTEGER */
    struct sb_der_elem sid_keyid;      /* the key identifier (contents) */
    struct sb_der_elem digest_alg;     /* AlgorithmIdentifier */
    int has_attrs;
    struct sb_der_elem attrs;          /* [0] IMPLICIT SET OF Attribute, full encoding */
    int has_ctype, has_md, has_stime;
    struct sb_der_elem attr_ctype;     /* the content-type value (OID) */
    struct sb_der_elem attr_md;        /* the message-digest value (OCTET STRING) */
    struct sb_der_elem attr_stime;     /* the signing-time value (UTCTime / GeneralizedTime) */
    struct sb_der_elem sig_alg;        /* AlgorithmIdentifier */
    struct sb_der_elem sig;            /* OCTET STRING */
    int has_uattrs;
    struct sb_der_elem uattrs;         /* [1] IMPLICIT SET OF Attribute (unsigned), full encoding */
};

/* One OCSPResponse carried in the crls field (RFC 5940 other [1], id-ri-ocsp-response). */
struct sb_cms_ocsp {
    unsigned char *der;                /* owned (OPENSSL_free): a copy of the OCSPResponse DER */
    size_t len;
    size_t carried_off;                /* 0, or: der wraps the BasicOCSPResponse carried at der[carried_off..len)
                                          (CAdES ocspVals; sb_ocsp_supplied.carried_off) */
};

struct sb_cms_parsed {
    unsigned char *buf;                /* owned (OPENSSL_free): the DER everything points into */
    size_t buf_len;
    enum sb_cms_format format;         /* outer content type flavour */
    struct sb_der_elem econtent_type;  /* OID */
    int has_econtent;
    const unsigned char *econtent;     /* the signed content octets when attached */
    size_t econtent_len;
    unsigned char *mime_content;       /* owned: detached content from a multipart/signed S/MIME message */
    size_t mime_content_len;
    int has_mime_content;
    STACK_OF(X509) *certs;             /* owned: certificates carried in the object */
    STACK_OF(X509_CRL) *crls;          /* owned: CRLs carried in the object */
    struct sb_cms_ocsp *ocsps;         /* owned (OPENSSL_free, each der too): OCSP responses carried in crls as
                                          RFC 5940 id-ri-ocsp-response, in order (cms_verify.c passes them to
                                          the revocation check as source embedded) */
    size_t n_ocsps;
    struct sb_cms_si si[SB_CMS_MAX_SIGNERS];
    size_t n_si;
    struct sb_cert_cache *cert_cache;  /* borrowed: where carried certificates are decoded; may be NULL */
    struct sb_work_budget *budget;     /* borrowed: pays each carried certificate (cert_cache.h) and CRL (as a certificate plus a unit per
                                        * 512 bytes) decoded; may be NULL */
};


/* Parse in (DER, PEM, S/MIME) into *p (zeroed first; free with sb_cms_parsed_free even on failure).
 * INPUT_MALFORMED when in is not a ContentInfo at all, FORMAT when it is not a well-formed SignedData. */
enum sb_reason sb_cms_parse(const unsigned char *in, size_t len, struct sb_cert_cache *cert_cache,
                            struct sb_work_budget *budget, struct sb_cms_parsed *p,
                            struct sb_err *err) SB_MUST_USE;
/* Free what p owns. */
void sb_cms_parsed_free(struct sb_cms_parsed *p);

/* ---- cms_revvals.c ---- */

/* CAdES revocation-values (RFC 5126 §6.3.4, ETSI EN 319 122-1) among si's unsigned attributes: its CRLs are
 * added to p->crls and its BasicOCSPResponses, each wrapped into an OCSPResponse, to p->ocsps (both then used
 * as the object's embedded revocation data). Unsigned and self-authenticating: a value that cannot be read is
 * skipped. FORMAT when the object then carries more than SB_CMS_MAX_CRLS CRLs or OCSP responses; INTERNAL
 * when out of memory or the work budget is spent. */
enum sb_reason sb_cms_revocation_values(struct sb_cms_parsed *p, const struct sb_cms_si *si, size_t idx,
                                        struct sb_err *err) SB_MUST_USE;
/* Append a copy of der[0..len) (carried_off as in struct sb_cms_ocsp; der is taken, not copied, when take)
 * to p->ocsps; INTERNAL when out of memory (der is then freed when take). */
enum sb_reason sb_cms_add_ocsp(struct sb_cms_parsed *p, unsigned char *der, size_t len, size_t carried_off,
                               int take, struct sb_err *err) SB_MUST_USE;

/* ---- cms_alg.c ---- */

struct sb_cms_md {
    const char *oid;
    const char *name;      /* OpenSSL fetch name (also accepted case-insensitively from users) */
    int nid;
    size_t len;
};

enum sb_cms_sig_kind { SB_CMS_K_RSA, SB_CMS_K_PSS, SB_CMS_K_ECDSA, SB_CMS_K_SM2, SB_CMS_K_ED25519 };

struct sb_cms_sigalg {
    const char *oid;
    enum sb_cms_sig_kind kind;
    const char *md;        /* digest the OID implies; NULL = the digestAlgorithm decides */
};

/* A signer's algorithms once read. */
struct sb_cms_alg {
    const struct sb_cms_md *md;
    const struct sb_cms_sigalg *sig;
    const struct sb_cms_md *mgf1_md;   /* PSS only */
    int salt_len;                      /* PSS only */
};

/* Digest row for a user-facing name ("sha256", "SM3"...); NULL when unknown. */
const struct sb_cms_md *sb_cms_md_by_name(const char *name);
/* Digest m of data into out (m->len bytes). */
enum sb_reason sb_cms_md_compute(const struct sb_cms_md *m, const unsigned char *data, size_t len,
                                 unsigned char *out, struct sb_err *err) SB_MUST_USE;
/* Read si's digest and signature algorithms into *a and check them and pkey against algs:
 * WEAK_ALGORITHM / WEAK_KEY on refusal, FORMAT for inconsistent identifiers, SIG_CRYPTO for a key of
 * the wrong type. */
enum sb_reason sb_cms_read_algs(const struct sb_cms_si *si, EVP_PKEY *pkey, const struct sb_algs *algs,
                                struct sb_cms_alg *a, struct sb_err *err) SB_MUST_USE;
/* Verify sig over the whole message msg (signed attributes, or the content when is_content) with
 * pkey; SM2 uses sm2_id (NULL = GM/T default). SIG_CRYPTO, SM2_ID_MISMATCH, or HASH_MISMATCH when an
 * RSA PKCS#1 v1.5 signature over content is valid for another digest. */
enum sb_reason sb_cms_verify_msg(const struct sb_cms_alg *a, EVP_PKEY *pkey, const char *sm2_id,
                                 const unsigned char *msg, size_t len, const struct sb_der_elem *sig,
                                 int is_content, struct sb_err *err) SB_MUST_USE;
/* Verify sig made directly over the digest dg (RSA, RSASSA-PSS, ECDSA); SIGNED_DATA_NOT_FOUND for
 * SM2 and Ed25519, whose signatures cover the content itself. */
enum sb_reason sb_cms_verify_prehashed(const struct sb_cms_alg *a, EVP_PKEY *pkey, const unsigned char *dg,
                                       size_t dlen, const struct sb_der_elem *sig, struct sb_err *err) SB_MUST_USE;

#endif
