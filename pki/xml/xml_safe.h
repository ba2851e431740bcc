/*
 * pki/xml/xml_safe.h — hostile-input XML parsing on libxml2, and the small tree helpers the XML-DSig and
 * trusted-list code share.
 *
 * sb_xml_parse never loads anything: XML_PARSE_NONET, no DTD loading, no default attributes, no entity
 * substitution, no external subset. Any DOCTYPE (internal subset, external subset only, or both) stops
 * the parser at once with FORMAT: a DTD can add default attributes and ID types that change what is
 * canonicalised and signed (the XXE and "billion laughs" vectors go with it); an ENTITY declaration or a
 * reference to a non-predefined entity is FORMAT as well. While parsing, SAX hooks count elements,
 * attributes, comments, processing instructions and CDATA sections and track nesting depth, stopping at
 * the caps below (INPUT_TOO_LARGE), so a hostile document is refused in time linear in the bytes read
 * before the cap. Input that is not well-formed XML is INPUT_MALFORMED, with libxml2's message and line.
 *
 * The helpers never allocate unless they say so. No global mutable state of ours (libxml2 is initialised
 * with xmlInitParser, which is idempotent); thread-safe with distinct documents.
 */
#ifndef SB_XML_SAFE_H
#define SB_XML_SAFE_H

#include <stddef.h>
#include <libxml/tree.h>
#include "pki/base/err.h"

#define SB_XML_MAX_INPUT      (16u * 1024u * 1024u)  /* bytes of one document */
#define SB_XML_MAX_DEPTH      256                    /* element nesting */
#define SB_XML_MAX_NODES      500000                 /* elements + comments + PIs + CDATA sections */
#define SB_XML_MAX_ATTRS      1000000                /* attributes (namespace declarations included) */
#define SB_XML_MAX_ELEM_ATTRS 256                    /* attributes on one element */

#define SB_XMLNS_DSIG    "http://www.w3.org/2000/09/xmldsig#"
#define SB_XMLNS_DSIG11  "http://www.w3.org/2009/xmldsig11#"
#define SB_XMLNS_DSIGMORE "http://www.w3.org/2007/05/xmldsig-more#"
#define SB_XMLNS_XML     "http://www.w3.org/XML/1998/namespace"
#define SB_XMLNS_XADES   "http://uri.etsi.org/01903/v1.3.2#"
#define SB_XMLNS_XADES141 "http://uri.etsi.org/01903/v1.4.1#"

/*
 * Parse in[0..len) into *out (xmlFreeDoc) with the defences above. name labels messages. Returns
 * SB_OK, INPUT_TOO_LARGE (size / depth / count caps), FORMAT (a DOCTYPE, entity references),
 * INPUT_MALFORMED (not well-formed), or INTERNAL.
 */
enum sb_reason sb_xml_parse(const unsigned char *in, size_t len, const char *name, xmlDocPtr *out,
                            struct sb_err *err) SB_MUST_USE;

/* 1 if in starts, after an optional UTF-8 BOM, white space and an XML declaration, with '<'. */
int sb_xml_looks_like(const unsigned char *in, size_t len);

/* 1 if n is an element with local name `local` in namespace ns (NULL: no namespace). */
int sb_xml_is(const xmlNode *n, const char *ns, const char *local);
/* First element child of parent that sb_xml_is(ns, local); NULL when none. */
xmlNodePtr sb_xml_child(const xmlNode *parent, const char *ns, const char *local);
/* Next element sibling after n that sb_xml_is(ns, local); NULL when none. */
xmlNodePtr sb_xml_next(const xmlNode *n, const char *ns, const char *local);
/* First element child of parent (any name); NULL when none. */
xmlNodePtr sb_xml_first_elem(const xmlNode *parent);
/* Next element sibling (any name); NULL when none. */
xmlNodePtr sb_xml_next_elem(const xmlNode *n);
/* Value of attribute `name` without namespace, or NULL (xmlFree). */
xmlChar *sb_xml_attr(const xmlNode *n, const char *name);
/* Text content of n with leading and trailing XML white space trimmed (xmlFree); "" when empty. */
xmlChar *sb_xml_text(const xmlNode *n);
/* XPath-like location of n for messages and reports ("/doc/item[2]", prefixed names as written) into buf. */
void sb_xml_path(const xmlNode *n, char *buf, size_t len);

/* Base64 (XML Schema base64Binary: white space allowed anywhere) to bytes in *out (OPENSSL_free).
 * FORMAT naming what on bad input or more than max bytes. */
enum sb_reason sb_xml_b64_decode(const xmlChar *text, size_t max, unsigned char **out, size_t *out_len,
                                 const char *what, struct sb_err *err) SB_MUST_USE;
/* Base64 of in[0..len) without line breaks into *out (OPENSSL_free, NUL-terminated); INTERNAL on failure. */
enum sb_reason sb_xml_b64_encode(const unsigned char *in, size_t len, char **out, struct sb_err *err) SB_MUST_USE;

/* Parse xs:dateTime ("2024-01-01T00:00:00Z", offsets, fractions; no zone = UTC) into *out; 0 when bad. */
int sb_xml_datetime(const char *s, time_t *out);

#endif
