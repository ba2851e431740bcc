/*
 * pki/xml/xmldsig_verify_local.h — state shared by xmldsig_verify.c and xmldsig_doc.c. Not public.
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
/* FORMAT when an element outside the covered node-sets and the verified signatures is neither covered
 * nor an ancestor of covered content. */
enum sb_reason sb_xdv_check_unsigned(const struct sb_xdv_doc *d, struct sb_err *err) SB_MUST_USE;

#endif
