/*
 * pki/xml/xmldsig.h — XML-DSig (W3C XML Signature 1.1) verification and signing on libxml2 and OpenSSL.
 *
 * Verification parses with pki/xml/xml_safe.h (no entities, no DTD loading, no network, size/depth/count
 * caps), indexes every Id / ID / xml:id attribute of the document (a value used twice anywhere is
 * FORMAT: the signature-wrapping precondition), then checks every ds:Signature element of the document:
 *   - references: URI "" (whole document), "#id", "#xpointer(/)" and "#xpointer(id('id'))" only; a
 *     missing URI or one that does not point into this document is FORMAT;
 *   - transforms: enveloped-signature and the canonicalizations C14N 1.0, C14N 1.1 and exclusive C14N
 *     (with InclusiveNamespaces PrefixList), each with or without comments; any other transform is
 *     FORMAT naming its URI;
 *   - DigestMethod SHA-256/384/512 (SHA-1 is WEAK_ALGORITHM); SignatureMethod RSA PKCS#1 v1.5 with
 *     SHA-256/384/512, RSASSA-PSS (RFC 6931 sha{256,384,512}-rsa-MGF1 and RFC 9231 rsa-pss with
 *     RSAPSSParams), ECDSA with SHA-256/384/512 (the raw r||s value is converted to DER); SHA-1 based
 *     methods are WEAK_ALGORITHM, HMAC and anything else FORMAT;
 *   - the signer: certificates of KeyInfo/X509Data/X509Certificate are untrusted candidates (then the
 *     caller's untrusted certificates and anchors); the signer is the candidate whose public key verifies
 *     SignatureValue (none verifies: SIG_CRYPTO, or FORMAT "signer certificate not found" when KeyInfo
 *     carries no certificate). Then the key is checked against the allow-list, the path is validated
 *     with sb_chain_validate and the signer must allow digitalSignature or nonRepudiation.
 *   - XAdES: a signed xades:SigningCertificate(V2) must name the signer certificate; a signed
 *     xades:SigningTime is reported as the claimed signing time (never trusted). The unsigned
 *     xades:RevocationValues (CRLs and OCSP responses; also inside xadesv141:TimeStampValidationData) are
 *     added to the caller's revocation data for the signer's path as embedded data (xades_revvals.c).
 * Order per signature: structure/algorithms (FORMAT, WEAK_ALGORITHM), SignatureValue (SIG_CRYPTO),
 * reference digests (HASH_MISMATCH), then key and path (the worse of crypto and path wins, crypto first).
 * Wrapping defences: every reference resolves through an ID value that occurs once in the whole document
 * to exactly one element. Once every reference of every signature verified, the content no reference
 * covers is listed (res->unsigned_content): the outermost elements outside every reference that contain
 * no covered element, and non-blank text directly inside the skeleton (the ancestors of covered content),
 * in document order; the verified ds:Signature elements themselves and xades:UnsignedProperties are not
 * content. With allow_unsigned_content the signature stays valid and the list says what is unsigned;
 * without it (trusted lists) any unsigned content is FORMAT naming the first item. The result lists
 * exactly which element each reference signed.
 *
 * Signing makes an enveloped signature (URI "" or "#id") appended to the document element: exclusive
 * C14N by default, RSA-SHA256 / ECDSA-SHA256 (P-256) / sha256-rsa-MGF1 (RSA-PSS keys) by default,
 * KeyInfo/X509Data with the signer's certificate and the chain. Not done: Manifest, XPath/XSLT/base64 transforms, KeyValue-only or
 * RetrievalMethod keys, external references, XAdES timestamps; XAdES revocation values are not written. Thread-safe.
 */
#ifndef SB_XMLDSIG_H
#define SB_XMLDSIG_H

#include <stddef.h>
#include <time.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include "pki/base/err.h"
#include "pki/x509/path.h"

#define SB_XMLDSIG_MAX_SIGNATURES 16   /* ds:Signature elements verified in one document */
#define SB_XMLDSIG_MAX_REFERENCES 32   /* ds:Reference elements in one SignedInfo */
#define SB_XMLDSIG_MAX_TRANSFORMS 4    /* ds:Transform elements in one Reference */
#define SB_XMLDSIG_MAX_CERTS      64   /* ds:X509Certificate elements in one KeyInfo */
#define SB_XMLDSIG_MAX_CANDIDATES 64   /* keys tried against one SignatureValue */
#define SB_XMLDSIG_MAX_DOC_REFERENCES 64                 /* ds:Reference elements in one document */
#define SB_XMLDSIG_MAX_C14N_BYTES (256u * 1024u * 1024u) /* canonical bytes digested per document */

/* Where the signer certificate came from. */
enum sb_xmldsig_source {
    SB_XMLDSIG_SRC_NONE = 0,
    SB_XMLDSIG_SRC_KEYINFO,    /* the signature's own KeyInfo */
    SB_XMLDSIG_SRC_SUPPLIED    /* the caller's certificates (untrusted, anchors or fixed signers) */
};

/* What the caller supplies to verification. All pointers are borrowed. */
struct sb_xmldsig_verify_opts {
    const struct sb_path_opts *path;   /* validation time, CRLs, algorithms, chain constraints */
    STACK_OF(X509) *anchors;           /* trust anchors for the path; may be NULL */
    STACK_OF(X509) *untrusted;         /* extra path candidates, also tried as signer; may be NULL */
    STACK_OF(X509) *signers;           /* non-NULL: fixed signer certificates (trusted-list mode). The
                                        * signature must verify under one of their keys; no path validation */
    int keyinfo_trusted;               /* with signers NULL: accept the KeyInfo certificate whose key verifies
                                        * without path validation (self-asserted; trusted lists only) */
    int allow_unsigned_content;        /* 1: unsigned content is only listed; 0: it is FORMAT */
    int no_embedded_revocation;        /* 1: the signatures' XAdES RevocationValues are not used (a policy's
                                        * revocation.sources without embedded) */
};

#define SB_XMLDSIG_MAX_UNSIGNED 256    /* unsigned-content items listed (the rest are only counted) */

/* One item of content outside every reference. */
struct sb_xmldsig_unsigned {
    char location[512];                /* XPath: "/doc/item[2]", or "/doc/text()[1]" for text */
    long line;                         /* line in the document */
    int text;                          /* 1: non-blank text directly inside an ancestor of covered content */
};

/* One ds:Reference and what it signed. */
struct sb_xmldsig_ref {
    char uri[256];                     /* the URI attribute as written */
    char element[512];                 /* location of the signed element ("/doc", "/doc/item[2]") */
    char type[128];                    /* Type attribute, "" when absent */
    int digest_ok;                     /* 1 when its digest matched */
};

/* Outcome for one ds:Signature element. */
struct sb_xmldsig_signer {
    enum sb_reason reason;
    char message[SB_ERR_MSG_MAX];
    char location[512];                /* location of the ds:Signature element */
    char subject[512];                 /* RFC 2253 of the signer certificate; "" when none verified */
    char issuer[512];
    char serial[128];
    char signing_time[32];             /* signed XAdES SigningTime as RFC 3339 (claimed); "" when absent */
    char sig_method[128];              /* SignatureMethod URI */
    enum sb_xmldsig_source source;
    X509 *cert;                        /* owned: the signer certificate, NULL when none verified */
    STACK_OF(X509) *chain;             /* owned: leaf -> anchor as built (possibly failed); may be NULL */
    struct sb_rev_evidence *revocation; /* owned (OPENSSL_free): parallel to chain (sb_chain_result.revocation) */
    size_t n_revocation;
    STACK_OF(X509) *keyinfo_certs;     /* owned: the certificates carried in KeyInfo; may be NULL */
    unsigned char *sig_value;          /* owned: the decoded SignatureValue; NULL when unreadable */
    size_t sig_len;
    struct sb_xmldsig_ref *refs;       /* owned: n_refs entries */
    size_t n_refs;
};

struct sb_xmldsig_result {
    enum sb_reason reason;             /* worst of the signers, the document checks, or the parse failure */
    char message[SB_ERR_MSG_MAX];
    struct sb_xmldsig_signer *signers; /* owned: n_signers entries, document order */
    size_t n_signers;
    size_t worst;                      /* index of the signer that decided reason (when n_signers > 0) */
    struct sb_xmldsig_unsigned *unsigned_content;  /* owned: what no reference covers, document order;
                                        * filled once every reference of every signature verified */
    size_t n_unsigned;
    size_t n_unsigned_omitted;         /* items beyond SB_XMLDSIG_MAX_UNSIGNED, counted only */
};

/* Release what r owns and zero it. */
void sb_xmldsig_result_clear(struct sb_xmldsig_result *r);

/*
 * Verify every ds:Signature of the XML document in[0..len) under o. res is filled in every case and its
 * reason returned: SB_OK when every signature passed, else the worst outcome. A document that cannot be
 * parsed safely returns the parser's reason (INPUT_MALFORMED, INPUT_TOO_LARGE, FORMAT for entity
 * declarations); one without any ds:Signature is FORMAT. err holds the same reason and message.
 */
enum sb_reason sb_xmldsig_verify(const unsigned char *in, size_t len, const struct sb_xmldsig_verify_opts *o,
                                 struct sb_xmldsig_result *res, struct sb_err *err) SB_MUST_USE;

/* As sb_xmldsig_verify on a document already parsed with sb_xml_parse (doc is only read; its nodes'
 * _private fields are used as scratch space and reset). */
enum sb_reason sb_xmldsig_verify_doc(xmlDocPtr doc, const struct sb_xmldsig_verify_opts *o,
                                     struct sb_xmldsig_result *res, struct sb_err *err) SB_MUST_USE;

/* Algorithm URIs accepted by sb_xmldsig_sign_opts (and by verification). */
#define SB_XMLDSIG_C14N10      "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
#define SB_XMLDSIG_C14N10_WC   "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
#define SB_XMLDSIG_C14N11      "http://www.w3.org/2006/12/xml-c14n11"
#define SB_XMLDSIG_C14N11_WC   "http://www.w3.org/2006/12/xml-c14n11#WithComments"
#define SB_XMLDSIG_EXC_C14N    "http://www.w3.org/2001/10/xml-exc-c14n#"
#define SB_XMLDSIG_EXC_C14N_WC "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
#define SB_XMLDSIG_ENVELOPED   "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
#define SB_XMLDSIG_SHA256      "http://www.w3.org/2001/04/xmlenc#sha256"
#define SB_XMLDSIG_SHA384      "http://www.w3.org/2001/04/xmldsig-more#sha384"
#define SB_XMLDSIG_SHA512      "http://www.w3.org/2001/04/xmlenc#sha512"
#define SB_XMLDSIG_RSA_SHA256  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
#define SB_XMLDSIG_RSA_SHA384  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
#define SB_XMLDSIG_RSA_SHA512  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
#define SB_XMLDSIG_RSA_PSS_SHA256 "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"
#define SB_XMLDSIG_RSA_PSS_SHA384 "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1"
#define SB_XMLDSIG_RSA_PSS_SHA512 "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1"
#define SB_XMLDSIG_ECDSA_SHA256 "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
#define SB_XMLDSIG_ECDSA_SHA384 "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"
#define SB_XMLDSIG_ECDSA_SHA512 "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"

/* Signing choices; zero / NULL fields take the defaults. */
struct sb_xmldsig_sign_opts {
    const char *sig_method;            /* NULL: RSA-SHA256 for RSA keys, sha256-rsa-MGF1 for RSA-PSS keys,
                                        * ECDSA-SHA256/384/512 for P-256/P-384/P-521 */
    const char *c14n;                  /* CanonicalizationMethod and the reference's last transform;
                                        * NULL: exclusive C14N without comments */
    const char *digest;                /* DigestMethod; NULL: SHA-256 */
    const char *ref_id;                /* NULL: URI "" (whole document); else "#ref_id" (must exist once) */
    const char *prefix_list;           /* exclusive C14N InclusiveNamespaces PrefixList; NULL: none */
    int no_enveloped_transform;        /* 1: leave out enveloped-signature (tests of broken signatures) */
};

/*
 * Sign the XML document in[0..len) with key (certificate cert, chain carried after it; chain may be NULL):
 * an enveloped ds:Signature (prefix "ds") appended as the last child of the document element. o may be
 * NULL. The signed document is returned in *out (OPENSSL_free), in the input's encoding. USAGE when
 * the key does not fit cert or the chosen method, or an option is unknown; the parser's reasons for bad
 * input; INTERNAL on library failure.
 */
enum sb_reason sb_xmldsig_sign(EVP_PKEY *key, X509 *cert, STACK_OF(X509) *chain, const unsigned char *in,
                               size_t len, const struct sb_xmldsig_sign_opts *o, unsigned char **out,
                               size_t *out_len, struct sb_err *err) SB_MUST_USE;

#endif
