/*
 * pki/xml/xmldsig_verify_local.h — state shared by the verification files (not public): xmldsig_doc.c
 * (document-level checks), xmldsig_signedinfo.c (reading one ds:Signature) and xmldsig_verify.c
 * (verifying it).
 */
#ifndef SB_XMLDSIG_VERIFY_LOCAL_H
#define SB_XMLDSIG_VERIFY_LOCAL_H

#include <libxml/hash.h>
#include "pki/xml/xmldsig_local.h"

#define SB_XDV_MAX_COVER (SB_XMLDSIG_MAX_SIGNATURES * SB_XMLDSIG_MAX_REFERENCES)

/* One document under verification. */
struct sb_xdv_doc {
    xmlDocPtr doc;                                  /* borrowed */
    const struct sb_xmldsig_verify_opts *o;         /* borrowed */
    xmlHashTablePtr ids;                            /* owned: ID value -> element (borrowed) */
    xmlNodePtr sigs[SB_XMLDSIG_MAX_SIGNATURES];     /* the ds:Signature elements, document order */
    size_t n_sigs;
    struct sb_xd_nodeset cover[SB_XDV_MAX_COVER];   /* node-sets of references whose digest matched */
    size_t n_cover;
    size_t n_refs;                                  /* references parsed so far (document-wide cap) */
    size_t c14n_bytes;                              /* canonical bytes digested so far (budget) */
};

/* Index every Id / ID / xml:id value of the document; FORMAT when one value is used twice. */
enum sb_reason sb_xdv_index_ids(struct sb_xdv_doc *d, struct sb_err *err) SB_MUST_USE;
/* Collect the ds:Signature elements; FORMAT when there is none or more than the cap. */
enum sb_reason sb_xdv_find_signatures(struct sb_xdv_doc *d, struct sb_err *err) SB_MUST_USE;
/* Resolve a reference URI to its node-set (no exclusion yet) and target element; FORMAT when it is
 * missing, external or names nothing. */
enum sb_reason sb_xdv_resolve(const struct sb_xdv_doc *d, const char *uri, struct sb_xd_nodeset *set,
                              xmlNodePtr *target, struct sb_err *err) SB_MUST_USE;
/* List into res the content outside the covered node-sets and the verified signatures (xmldsig.h). With
 * refuse, any such content is FORMAT naming the first item; INTERNAL when out of memory. */
enum sb_reason sb_xdv_list_unsigned(const struct sb_xdv_doc *d, struct sb_xmldsig_result *res, int refuse,
                                    struct sb_err *err) SB_MUST_USE;

/* ---- xades_revvals.c: revocation values carried in a signature's unsigned properties ---- */

#define SB_XADES_MAX_REV_VALUES 64                 /* CRLs + OCSP responses read per signature */
#define SB_XADES_MAX_CRL_BYTES (8u * 1024u * 1024u) /* one EncapsulatedCRLValue */

/* What one ds:Signature carries, merged with the caller's path options. All owned (sb_xades_rev_clear). */
struct sb_xades_rev {
    STACK_OF(X509_CRL) *own_crls;       /* owned: the CRLs read (a reference each) */
    STACK_OF(X509_CRL) *crls;           /* owned shell: the caller's CRLs, then own_crls; NULL when none read */
    struct sb_ocsp_supplied *ocsps;     /* owned array: the caller's responses (borrowed DER), then the n_own read
                                         * from first_own on (DER owned); NULL when none read */
    size_t first_own, n_own;
};

/* Read sig's XAdES RevocationValues (xades_revvals.c) and make *out = *in with them added as embedded CRLs and
 * OCSP responses (out points into rv, which must outlive it). Values that cannot be decoded are skipped;
 * INTERNAL (and *out = *in) only when out of memory. */
enum sb_reason sb_xades_rev_apply(const xmlNode *sig, const struct sb_path_opts *in, struct sb_path_opts *out,
                                  struct sb_xades_rev *rv, struct sb_err *err) SB_MUST_USE;
/* Free what rv owns and zero it. */
void sb_xades_rev_clear(struct sb_xades_rev *rv);

/* One parsed ds:Reference. */
struct xref {
    xmlNodePtr el;
    xmlNodePtr target;
    struct sb_xd_nodeset set;
    const struct sb_xd_c14n *c14n;
    xmlChar **prefixes;                 /* owned */
    const struct sb_xd_digest *dg;
    unsigned char *dv;                  /* owned: DigestValue */
    size_t dv_len;
};

/* One signature being verified. */
struct xsig {
    struct sb_xdv_doc *d;
    xmlNodePtr sig, signed_info, sigvalue_el, keyinfo;
    const struct sb_xd_c14n *c14n;
    xmlChar **c14n_prefixes;            /* owned */
    const struct sb_xd_sigalg *alg;
    struct sb_xd_pss pss;
    int has_pss;
    struct xref refs[SB_XMLDSIG_MAX_REFERENCES];
    size_t n_refs;
    STACK_OF(X509) *keyinfo_certs;      /* owned */
    struct sb_xmldsig_signer *out;
};

/* Free what s owns (not s itself). */
void sb_xdv_sig_free(struct xsig *s);
/* Algorithm attribute of el as a C string in buf; FORMAT when absent or too long. */
enum sb_reason sb_xdv_algorithm(const xmlNode *el, char *buf, size_t len, struct sb_err *err) SB_MUST_USE;
/* Read s->sig strictly: SignedInfo (CanonicalizationMethod, SignatureMethod, Reference+ with their URIs,
 * transforms and digests), SignatureValue and KeyInfo structure. FORMAT / ALG_NOT_ALLOWED on failure. */
enum sb_reason sb_xdv_parse_signature(struct xsig *s, struct sb_err *err) SB_MUST_USE;
/* Decode SignatureValue into s->out and the KeyInfo certificates into s->keyinfo_certs. */
enum sb_reason sb_xdv_read_value_and_certs(struct xsig *s, struct sb_err *err) SB_MUST_USE;

#endif
