/*
 * pki/xml/xmldsig_doc.c — document-level XML-DSig checks (pki/xml/xmldsig_verify_local.h): the Id index (a value
 * used twice is FORMAT), finding the ds:Signature elements, resolving same-document reference URIs,
 * and the "no unsigned content" rule that closes signature wrapping.
 */
#include "pki/xml/xmldsig_verify_local.h"

#include <stdio.h>
#include <string.h>

#include "pki/xml/xml_safe.h"

/* The node after n's subtree in a document-order walk below top (NULL when done). */
static xmlNodePtr after_subtree(xmlNodePtr n, xmlNodePtr top)
{
    while (n != NULL && n != top) {
        if (n->next != NULL) {
            return n->next;
        }
        n = n->parent;
    }
    return NULL;
}

/* Next node of a document-order walk below top (NULL when done). */
static xmlNodePtr walk_next(xmlNodePtr n, xmlNodePtr top)
{
    if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
        return n->children;
    }
    return after_subtree(n, top);
}

/* 1 if attribute a is an Id, ID or xml:id attribute. */
static int is_id_attr(const xmlAttr *a)
{
    if (a->ns == NULL) {
        return xmlStrEqual(a->name, (const xmlChar *)"Id") || xmlStrEqual(a->name, (const xmlChar *)"ID");
    }
    return xmlStrEqual(a->name, (const xmlChar *)"id") && a->ns->href != NULL
           && xmlStrEqual(a->ns->href, (const xmlChar *)SB_XMLNS_XML);
}

enum sb_reason sb_xdv_index_ids(struct sb_xdv_doc *d, struct sb_err *err)
{
    xmlNodePtr root = xmlDocGetRootElement(d->doc), n, prev;
    xmlAttrPtr a;
    xmlChar *v;
    char p1[256], p2[256];
    enum sb_reason rc = SB_OK;

    if ((d->ids = xmlHashCreate(64)) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    for (n = root; n != NULL && rc == SB_OK; n = walk_next(n, root)) {
        if (n->type != XML_ELEMENT_NODE) {
            continue;
        }
        for (a = n->properties; a != NULL && rc == SB_OK; a = a->next) {
            if (!is_id_attr(a)) {
                continue;
            }
            if ((v = xmlNodeListGetString(d->doc, a->children, 1)) == NULL) {
                v = xmlStrdup((const xmlChar *)"");
            }
            if (v == NULL) {
                return sb_err_set(err, SB_R_INTERNAL, "out of memory");
            }
            prev = xmlHashLookup(d->ids, v);
            if (prev != NULL && prev != n) {
                sb_xml_path(prev, p1, sizeof(p1));
                sb_xml_path(n, p2, sizeof(p2));
                rc = sb_err_set(err, SB_R_FORMAT, "ID '%.100s' is used twice: by %s (line %ld) and by %s (line %ld); "
                                "duplicate IDs are refused (signature wrapping)", (const char *)v, p1,
                                xmlGetLineNo(prev), p2, xmlGetLineNo(n));
            } else if (prev == NULL && xmlHashAddEntry(d->ids, v, n) != 0) {
                rc = sb_err_set(err, SB_R_INTERNAL, "out of memory");
            }
            xmlFree(v);
        }
    }
    return rc;
}

enum sb_reason sb_xdv_find_signatures(struct sb_xdv_doc *d, struct sb_err *err)
{
    xmlNodePtr root = xmlDocGetRootElement(d->doc), n;

    d->n_sigs = 0;
    for (n = root; n != NULL; n = walk_next(n, root)) {
        if (!sb_xml_is(n, SB_XMLNS_DSIG, "Signature")) {
            continue;
        }
        if (d->n_sigs == SB_XMLDSIG_MAX_SIGNATURES) {
            return sb_err_set(err, SB_R_FORMAT, "more than %d ds:Signature elements", SB_XMLDSIG_MAX_SIGNATURES);
        }
        d->sigs[d->n_sigs++] = n;
    }
    if (d->n_sigs == 0) {
        return sb_err_set(err, SB_R_FORMAT, "no ds:Signature element (namespace %s) in the document", SB_XMLNS_DSIG);
    }
    return SB_OK;
}

/* The id inside "xpointer(id('X'))" / xpointer(id("X")) into buf; 0 when frag is not of that form. */
static int xpointer_id(const char *frag, char *buf, size_t len)
{
    size_t n = strlen(frag), idl;
    char q;

    if (n < 16 || strncmp(frag, "xpointer(id(", 12) != 0 || strcmp(frag + n - 2, "))") != 0) {
        return 0;
    }
    q = frag[12];
    if ((q != '\'' && q != '"') || frag[n - 3] != q || n - 16 == 0) {
        return 0;
    }
    idl = n - 16;
    if (idl >= len) {
        return 0;
    }
    memcpy(buf, frag + 13, idl);
    buf[idl] = '\0';
    return strchr(buf, q) == NULL;
}

enum sb_reason sb_xdv_resolve(const struct sb_xdv_doc *d, const char *uri, struct sb_xd_nodeset *set,
                              xmlNodePtr *target, struct sb_err *err)
{
    char id[256];
    const char *frag;
    size_t i;

    memset(set, 0, sizeof(*set));
    *target = NULL;
    if (uri == NULL) {
        return sb_err_set(err, SB_R_FORMAT, "ds:Reference without URI (data outside the document) is refused");
    }
    if (uri[0] == '\0') {
        *target = xmlDocGetRootElement(d->doc);
        return SB_OK;
    }
    if (uri[0] != '#') {
        return sb_err_set(err, SB_R_FORMAT, "reference URI '%.200s' does not point into this document (external "
                          "references are refused)", uri);
    }
    frag = uri + 1;
    if (strcmp(frag, "xpointer(/)") == 0) {
        set->comments = 1;
        *target = xmlDocGetRootElement(d->doc);
        return SB_OK;
    }
    if (xpointer_id(frag, id, sizeof(id))) {
        set->comments = 1;
        frag = id;
    } else {
        for (i = 0; frag[i] != '\0'; i++) {
            if (frag[i] == '(' || frag[i] == ')' || frag[i] == ' ' || frag[i] == '/' || frag[i] == '#') {
                return sb_err_set(err, SB_R_FORMAT, "reference URI '%.200s' is not a same-document ID reference "
                                  "(only \"\", \"#id\", \"#xpointer(/)\" and \"#xpointer(id('id'))\")", uri);
            }
        }
    }
    if (frag[0] == '\0' || (*target = xmlHashLookup(d->ids, (const xmlChar *)frag)) == NULL) {
        return sb_err_set(err, SB_R_FORMAT, "reference URI '%.200s' names no element of this document (no Id, ID "
                          "or xml:id attribute with that value)", uri);
    }
    set->root = *target;
    return SB_OK;
}

/* ---- unsigned content ------------------------------------------------------------------------- */

/* Mark every element and text node of set with marker (skipping the excluded subtree). */
static void mark_set(xmlDocPtr doc, const struct sb_xd_nodeset *set, void *marker)
{
    xmlNodePtr top = set->root != NULL ? set->root : xmlDocGetRootElement(doc), n;

    for (n = top; n != NULL; n = n->parent) {
        if (n == set->exclude) {
            return; /* the whole set lies inside the excluded subtree */
        }
    }
    n = top;
    while (n != NULL) {
        if (n == set->exclude) {
            n = after_subtree(n, top);
            continue;
        }
        n->_private = marker;
        n = walk_next(n, top);
    }
}

static int is_verified_sig(const struct sb_xdv_doc *d, const xmlNode *n)
{
    size_t i;

    for (i = 0; i < d->n_sigs; i++) {
        if (d->sigs[i] == n) {
            return 1;
        }
    }
    return 0;
}

static int ignorable(const xmlNode *n)
{
    return sb_xml_is(n, SB_XMLNS_XADES, "UnsignedProperties") || sb_xml_is(n, SB_XMLNS_XADES141, "UnsignedProperties");
}

static int blank(const xmlChar *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') {
            return 0;
        }
    }
    return 1;
}

struct scan {
    const struct sb_xdv_doc *d;
    void *marker;
    xmlNodePtr bad;          /* first unsigned element (or parent of unsigned text) */
    int bad_text;
    int depth;
};

/* 1 if n is covered, a verified signature, or an ancestor of such content; records violations. */
static int scan(struct scan *s, xmlNodePtr n)
{
    xmlNodePtr c, first_unsigned = NULL;
    int any = 0, text = 0;

    if (n->_private == s->marker) {
        return 1;
    }
    if (is_verified_sig(s->d, n)) {
        return 1;
    }
    if (++s->depth > SB_XML_MAX_DEPTH + 2) {
        return 0;
    }
    for (c = n->children; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            if (ignorable(c)) {
                continue;
            }
            if (scan(s, c)) {
                any = 1;
            } else if (first_unsigned == NULL) {
                first_unsigned = c;
            }
        } else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->_private != s->marker
                   && !blank(c->content)) {
            text = 1;
        }
    }
    s->depth--;
    if (!any) {
        return 0;
    }
    if (s->bad == NULL && first_unsigned != NULL) {
        s->bad = first_unsigned;
    } else if (s->bad == NULL && text) {
        s->bad = n;
        s->bad_text = 1;
    }
    return 1;
}

/* Reset every _private of the document's element and text nodes. */
static void unmark(xmlDocPtr doc)
{
    xmlNodePtr root = xmlDocGetRootElement(doc), n;

    for (n = root; n != NULL; n = walk_next(n, root)) {
        n->_private = NULL;
    }
}

enum sb_reason sb_xdv_check_unsigned(const struct sb_xdv_doc *d, struct sb_err *err)
{
    struct scan s;
    xmlNodePtr root = xmlDocGetRootElement(d->doc), obj, c;
    char where[256];
    size_t i;
    enum sb_reason rc = SB_OK;

    memset(&s, 0, sizeof(s));
    s.d = d;
    s.marker = (void *)&s;
    for (i = 0; i < d->n_cover; i++) {
        mark_set(d->doc, &d->cover[i], s.marker);
    }
    if (!scan(&s, root) && s.bad == NULL) {
        s.bad = root;
    }
    /* the content of the verified signatures' ds:Object elements must be signed too */
    for (i = 0; i < d->n_sigs && s.bad == NULL; i++) {
        for (obj = sb_xml_child(d->sigs[i], SB_XMLNS_DSIG, "Object"); obj != NULL && s.bad == NULL;
             obj = sb_xml_next(obj, SB_XMLNS_DSIG, "Object")) {
            if (obj->_private == s.marker) {
                continue;
            }
            for (c = sb_xml_first_elem(obj); c != NULL && s.bad == NULL; c = sb_xml_next_elem(c)) {
                if (!ignorable(c) && !scan(&s, c) && s.bad == NULL) {
                    s.bad = c;
                }
            }
        }
    }
    if (s.bad != NULL) {
        sb_xml_path(s.bad, where, sizeof(where));
        rc = sb_err_set(err, SB_R_FORMAT, "unsigned content: %s%s (line %ld) is not covered by any signature "
                        "reference (possible signature wrapping)", s.bad_text ? "text in " : "", where,
                        xmlGetLineNo(s.bad));
    }
    unmark(d->doc);
    return rc;
}
