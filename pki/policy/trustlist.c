/*
 * pki/policy/trustlist.c — ETSI TS 119 612 trusted lists (pki/policy/trustlist.h).
 */
#include "pki/policy/trustlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <openssl/evp.h>

#include "pki/base/hex.h"
#include "pki/base/load.h"
#include "pki/x509/path.h"
#include "pki/base/rfc3339_time.h"
#include "pki/xml/xml_safe.h"

#define TSL SB_TL_NS

/* Strings of granted-like statuses (the last path segment of …/Svcstatus/<x>). */
static const char *const granted_statuses[] = {
    "granted", "recognisedatnationallevel", "undersupervision", "accredited", "supervisionincessation",
    "setbynationallaw",
};

int sb_tl_status_granted(const char *status)
{
    static const char prefix[] = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/";
    static const char prefix_old[] = "http://uri.etsi.org/TrstSvc/Svcstatus/";
    const char *tail;
    size_t i;

    if (status == NULL) {
        return 0;
    }
    if (strncmp(status, prefix, sizeof(prefix) - 1) == 0) {
        tail = status + sizeof(prefix) - 1;
    } else if (strncmp(status, prefix_old, sizeof(prefix_old) - 1) == 0) {
        tail = status + sizeof(prefix_old) - 1;
    } else {
        return 0;
    }
    for (i = 0; i < sizeof(granted_statuses) / sizeof(granted_statuses[0]); i++) {
        if (strcmp(tail, granted_statuses[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

int sb_tl_service_granted_at(const struct sb_tl_service *s, time_t at)
{
    size_t i;

    for (i = 0; s != NULL && i < s->n_granted; i++) {
        if (s->granted[i].from <= at && (s->granted[i].to == 0 || at < s->granted[i].to)) {
            return 1;
        }
    }
    return 0;
}

int sb_tl_service_is_ca(const struct sb_tl_service *s)
{
    return s != NULL && s->type != NULL
           && (strcmp(s->type, SB_TL_TYPE_CA_QC) == 0 || strcmp(s->type, SB_TL_TYPE_CA_PKC) == 0
               || strcmp(s->type, "http://uri.etsi.org/TrstSvc/Svctype/NationalRootCA-QC") == 0);
}

static void service_clear(struct sb_tl_service *s)
{
    size_t i;

    free(s->tsp);
    free(s->name);
    free(s->type);
    free(s->status);
    sk_X509_pop_free(s->certs, X509_free);
    free(s->sha256);
    for (i = 0; i < s->n_history; i++) {
        free(s->history[i].status);
    }
    free(s->history);
    free(s->granted);
    memset(s, 0, sizeof(*s));
}

/* Free what sb_tl_read filled and reset those fields (the document and signature outcome stay). */
static void content_clear(struct sb_tl *tl)
{
    size_t i;

    for (i = 0; i < tl->n_services; i++) {
        service_clear(&tl->services[i]);
    }
    free(tl->services);
    for (i = 0; i < tl->n_pointers; i++) {
        free(tl->pointers[i].territory);
        free(tl->pointers[i].location);
        free(tl->pointers[i].mime_type);
    }
    free(tl->pointers);
    tl->services = NULL;
    tl->n_services = 0;
    tl->pointers = NULL;
    tl->n_pointers = 0;
    tl->territory[0] = '\0';
    tl->sequence_number = 0;
    tl->issue_date = 0;
    tl->next_update = 0;
    tl->has_next_update = 0;
    tl->content_read = 0;
}

void sb_tl_free(struct sb_tl *tl)
{
    if (tl == NULL) {
        return;
    }
    content_clear(tl);
    X509_free(tl->signer);
    xmlFreeDoc(tl->doc);
    free(tl);
}

/* Trimmed text of n as a malloc'ed string (NULL when n is NULL or on failure). */
static char *text_of(const xmlNode *n)
{
    xmlChar *t;
    char *s;

    if (n == NULL || (t = sb_xml_text(n)) == NULL) {
        return NULL;
    }
    s = strdup((const char *)t);
    xmlFree(t);
    if (s != NULL) {
        sb_utf8_sanitize(s);
    }
    return s;
}

/* The tsl:Name children of parent: the one with xml:lang="en", else the first. */
static char *pick_name(const xmlNode *parent)
{
    xmlNodePtr n, first = NULL;
    xmlChar *lang;
    int en;

    for (n = sb_xml_child(parent, TSL, "Name"); n != NULL; n = sb_xml_next(n, TSL, "Name")) {
        if (first == NULL) {
            first = n;
        }
        lang = xmlGetNsProp(n, (const xmlChar *)"lang", XML_XML_NAMESPACE);
        en = lang != NULL && (xmlStrcasecmp(lang, (const xmlChar *)"en") == 0
                              || xmlStrncasecmp(lang, (const xmlChar *)"en-", 3) == 0);
        xmlFree(lang);
        if (en) {
            return text_of(n);
        }
    }
    return text_of(first);
}

/* First descendant element (depth-first) with the local name `local`, any namespace. */
static xmlNodePtr find_local(xmlNodePtr top, const char *local, int depth)
{
    xmlNodePtr c, r;

    for (c = sb_xml_first_elem(top); c != NULL && depth > 0; c = sb_xml_next_elem(c)) {
        if (xmlStrEqual(c->name, (const xmlChar *)local)) {
            return c;
        }
        if ((r = find_local(c, local, depth - 1)) != NULL) {
            return r;
        }
    }
    return NULL;
}

static enum sb_reason oom(struct sb_err *err)
{
    return sb_err_set(err, SB_R_INTERNAL, "out of memory reading the trusted list");
}

/* Strip a PEM armour some lists leave inside X509Certificate; returns a new string (xmlFree). */
static xmlChar *strip_pem(const xmlChar *t)
{
    const char *b = strstr((const char *)t, "-----BEGIN CERTIFICATE-----"), *e;

    if (b == NULL || (e = strstr(b, "-----END CERTIFICATE-----")) == NULL) {
        return xmlStrdup(t);
    }
    b += strlen("-----BEGIN CERTIFICATE-----");
    return xmlStrndup((const xmlChar *)b, (int)(e - b));
}

/* The X509Certificate digital identities of a ServiceDigitalIdentity. Undecodable values are skipped. */
static enum sb_reason read_identities(struct sb_tl_service *s, const xmlNode *sdi, struct sb_err *err)
{
    xmlNodePtr di, xc;
    xmlChar *t, *clean;
    unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
    const unsigned char *p;
    unsigned int mdlen;
    size_t der_len;
    struct sb_err e;
    X509 *x;
    void *grown;

    if ((s->certs = sk_X509_new_null()) == NULL) {
        return oom(err);
    }
    for (di = sb_xml_child(sdi, TSL, "DigitalId"); di != NULL; di = sb_xml_next(di, TSL, "DigitalId")) {
        if ((xc = sb_xml_child(di, TSL, "X509Certificate")) == NULL || s->n_sha256 >= SB_TL_MAX_CERTS) {
            continue;
        }
        t = sb_xml_text(xc);
        clean = t != NULL ? strip_pem(t) : NULL;
        xmlFree(t);
        if (clean == NULL || sb_xml_b64_decode(clean, 64u * 1024u, &der, &der_len, "X509Certificate", &e) != SB_OK) {
            xmlFree(clean);
            continue;
        }
        xmlFree(clean);
        if ((grown = realloc(s->sha256, sizeof(*s->sha256) * (s->n_sha256 + 1))) == NULL) {
            OPENSSL_free(der);
            return oom(err);
        }
        s->sha256 = grown;
        if (!EVP_Digest(der, der_len, md, &mdlen, EVP_sha256(), NULL)) {
            OPENSSL_free(der);
            return oom(err);
        }
        sb_hex_encode(md, mdlen, s->sha256[s->n_sha256], sizeof(s->sha256[s->n_sha256]));
        s->n_sha256++;
        p = der;
        if ((x = d2i_X509(NULL, &p, (long)der_len)) != NULL && p == der + der_len) {
            if (!sk_X509_push(s->certs, x)) {
                X509_free(x);
                OPENSSL_free(der);
                return oom(err);
            }
        } else {
            X509_free(x);
        }
        OPENSSL_free(der);
        der = NULL;
    }
    return SB_OK;
}

static int cmp_status_desc(const void *a, const void *b)
{
    const struct sb_tl_status *x = a, *y = b;

    if (x->start != y->start) {
        return x->start < y->start ? 1 : -1;
    }
    return x->order < y->order ? -1 : (x->order > y->order ? 1 : 0); /* the current status wins a tie */
}

/* Granted intervals from the status periods (history sorted newest first). */
static enum sb_reason build_intervals(struct sb_tl_service *s, struct sb_err *err)
{
    size_t i;

    qsort(s->history, s->n_history, sizeof(*s->history), cmp_status_desc);
    if (s->n_history > 0 && (s->granted = calloc(s->n_history, sizeof(*s->granted))) == NULL) {
        return oom(err);
    }
    for (i = 0; i < s->n_history; i++) {
        if (!sb_tl_status_granted(s->history[i].status)) {
            continue;
        }
        if (i > 0 && s->history[i - 1].start == s->history[i].start) {
            continue; /* a newer entry with the same start time overrides this one */
        }
        s->granted[s->n_granted].from = s->history[i].start;
        s->granted[s->n_granted].to = i == 0 ? 0 : s->history[i - 1].start;
        s->n_granted++;
    }
    return SB_OK;
}

/* Append (status, start) of a ServiceInformation or ServiceHistoryInstance element. */
static enum sb_reason add_status(struct sb_tl_service *s, const xmlNode *el, const char *what, struct sb_err *err)
{
    char *status = text_of(sb_xml_child(el, TSL, "ServiceStatus"));
    char *start = text_of(sb_xml_child(el, TSL, "StatusStartingTime"));
    time_t t;
    void *grown;
    enum sb_reason rc = SB_OK;

    if (status == NULL || status[0] == '\0' || start == NULL || !sb_xml_datetime(start, &t)) {
        rc = sb_err_set(err, SB_R_INPUT_MALFORMED, "%s: ServiceStatus or StatusStartingTime missing or malformed "
                        "(service '%.100s')", what, s->name != NULL ? s->name : "?");
    } else if (s->n_history >= SB_TL_MAX_HISTORY) {
        rc = sb_err_set(err, SB_R_INPUT_TOO_LARGE, "more than %d history entries for service '%.100s'",
                        SB_TL_MAX_HISTORY, s->name != NULL ? s->name : "?");
    } else if ((grown = realloc(s->history, sizeof(*s->history) * (s->n_history + 1))) == NULL) {
        rc = oom(err);
    } else {
        s->history = grown;
        s->history[s->n_history].status = status;
        s->history[s->n_history].start = t;
        s->history[s->n_history].order = (unsigned)s->n_history;
        s->n_history++;
        status = NULL;
    }
    free(status);
    free(start);
    return rc;
}

static enum sb_reason read_service(struct sb_tl_service *s, const char *tsp, const xmlNode *svc, struct sb_err *err)
{
    xmlNodePtr info = sb_xml_child(svc, TSL, "ServiceInformation"), hist, h;
    enum sb_reason rc;

    if (info == NULL) {
        return sb_err_set(err, SB_R_INPUT_MALFORMED, "TSPService without ServiceInformation (TSP '%.100s')", tsp);
    }
    if ((s->tsp = strdup(tsp)) == NULL) {
        return oom(err);
    }
    s->type = text_of(sb_xml_child(info, TSL, "ServiceTypeIdentifier"));
    s->name = pick_name(sb_xml_child(info, TSL, "ServiceName"));
    s->status = text_of(sb_xml_child(info, TSL, "ServiceStatus"));
    if (s->type == NULL || s->name == NULL || s->status == NULL) {
        return sb_err_set(err, SB_R_INPUT_MALFORMED, "service of TSP '%.100s' lacks ServiceTypeIdentifier, ServiceName "
                          "or ServiceStatus", tsp);
    }
    if ((rc = add_status(s, info, "ServiceInformation", err)) != SB_OK) {
        return rc;
    }
    s->status_start = s->history[0].start;
    if ((rc = read_identities(s, sb_xml_child(info, TSL, "ServiceDigitalIdentity"), err)) != SB_OK) {
        return rc;
    }
    if ((hist = sb_xml_child(svc, TSL, "ServiceHistory")) != NULL) {
        for (h = sb_xml_child(hist, TSL, "ServiceHistoryInstance"); h != NULL; h = sb_xml_next(h, TSL, "ServiceHistoryInstance")) {
            if ((rc = add_status(s, h, "ServiceHistoryInstance", err)) != SB_OK) {
                return rc;
            }
        }
    }
    return build_intervals(s, err);
}

static enum sb_reason read_providers(struct sb_tl *tl, const xmlNode *list, struct sb_err *err)
{
    xmlNodePtr tsp, svcs, svc;
    char *name;
    void *grown;
    enum sb_reason rc = SB_OK;

    for (tsp = sb_xml_child(list, TSL, "TrustServiceProvider"); tsp != NULL && rc == SB_OK;
         tsp = sb_xml_next(tsp, TSL, "TrustServiceProvider")) {
        name = pick_name(sb_xml_child(sb_xml_child(tsp, TSL, "TSPInformation"), TSL, "TSPName"));
        if (name == NULL) {
            return sb_err_set(err, SB_R_INPUT_MALFORMED, "TrustServiceProvider without TSPInformation/TSPName");
        }
        svcs = sb_xml_child(tsp, TSL, "TSPServices");
        for (svc = sb_xml_child(svcs, TSL, "TSPService"); svc != NULL && rc == SB_OK; svc = sb_xml_next(svc, TSL, "TSPService")) {
            if (tl->n_services >= SB_TL_MAX_SERVICES) {
                rc = sb_err_set(err, SB_R_INPUT_TOO_LARGE, "more than %d services", SB_TL_MAX_SERVICES);
                break;
            }
            if ((grown = realloc(tl->services, sizeof(*tl->services) * (tl->n_services + 1))) == NULL) {
                rc = oom(err);
                break;
            }
            tl->services = grown;
            memset(&tl->services[tl->n_services], 0, sizeof(tl->services[0]));
            tl->n_services++;
            rc = read_service(&tl->services[tl->n_services - 1], name, svc, err);
        }
        free(name);
    }
    return rc;
}

static enum sb_reason read_pointers(struct sb_tl *tl, const xmlNode *ptrs, struct sb_err *err)
{
    xmlNodePtr p, add, oi;
    struct sb_tl_pointer *q;
    void *grown;

    for (p = sb_xml_child(ptrs, TSL, "OtherTSLPointer"); p != NULL; p = sb_xml_next(p, TSL, "OtherTSLPointer")) {
        if (tl->n_pointers >= SB_TL_MAX_POINTERS) {
            return sb_err_set(err, SB_R_INPUT_TOO_LARGE, "more than %d OtherTSLPointer entries", SB_TL_MAX_POINTERS);
        }
        if ((grown = realloc(tl->pointers, sizeof(*tl->pointers) * (tl->n_pointers + 1))) == NULL) {
            return oom(err);
        }
        tl->pointers = grown;
        q = &tl->pointers[tl->n_pointers++];
        memset(q, 0, sizeof(*q));
        if ((q->location = text_of(sb_xml_child(p, TSL, "TSLLocation"))) == NULL) {
            return sb_err_set(err, SB_R_INPUT_MALFORMED, "OtherTSLPointer %zu without TSLLocation", tl->n_pointers);
        }
        add = sb_xml_child(p, TSL, "AdditionalInformation");
        for (oi = sb_xml_child(add, TSL, "OtherInformation"); oi != NULL; oi = sb_xml_next(oi, TSL, "OtherInformation")) {
            if (q->territory == NULL && sb_xml_child(oi, TSL, "SchemeTerritory") != NULL) {
                q->territory = text_of(sb_xml_child(oi, TSL, "SchemeTerritory"));
            }
            if (q->mime_type == NULL && find_local(oi, "MimeType", 2) != NULL) {
                q->mime_type = text_of(find_local(oi, "MimeType", 2));
            }
        }
    }
    return SB_OK;
}

static enum sb_reason read_scheme(struct sb_tl *tl, const xmlNode *si, struct sb_err *err)
{
    char *terr = text_of(sb_xml_child(si, TSL, "SchemeTerritory"));
    char *seq = text_of(sb_xml_child(si, TSL, "TSLSequenceNumber"));
    char *issue = text_of(sb_xml_child(si, TSL, "ListIssueDateTime"));
    char *next = text_of(sb_xml_child(sb_xml_child(si, TSL, "NextUpdate"), TSL, "dateTime"));
    char *end = NULL;
    enum sb_reason rc;

    if (terr == NULL || terr[0] == '\0' || strlen(terr) >= sizeof(tl->territory)) {
        rc = sb_err_set(err, SB_R_INPUT_MALFORMED, "SchemeInformation/SchemeTerritory missing or malformed");
        goto out;
    }
    snprintf(tl->territory, sizeof(tl->territory), "%s", terr);
    if (seq == NULL || seq[0] == '\0' || (tl->sequence_number = strtoll(seq, &end, 10)) < 0 || end == NULL || *end != '\0') {
        rc = sb_err_set(err, SB_R_INPUT_MALFORMED, "SchemeInformation/TSLSequenceNumber missing or not a number");
        goto out;
    }
    if (issue == NULL || !sb_xml_datetime(issue, &tl->issue_date)) {
        rc = sb_err_set(err, SB_R_INPUT_MALFORMED, "SchemeInformation/ListIssueDateTime missing or malformed");
        goto out;
    }
    if (next != NULL && next[0] != '\0') {
        if (!sb_xml_datetime(next, &tl->next_update)) {
            rc = sb_err_set(err, SB_R_INPUT_MALFORMED, "SchemeInformation/NextUpdate/dateTime '%.60s' is malformed", next);
            goto out;
        }
        tl->has_next_update = 1;
    }
    rc = read_pointers(tl, sb_xml_child(si, TSL, "PointersToOtherTSL"), err);
out:
    free(terr);
    free(seq);
    free(issue);
    free(next);
    return rc;
}

enum sb_reason sb_tl_open(const unsigned char *in, size_t len, const char *name, struct sb_tl **out,
                          struct sb_err *err)
{
    struct sb_tl *tl;
    xmlDocPtr doc = NULL;
    xmlNodePtr root;
    enum sb_reason rc;

    *out = NULL;
    if (name == NULL) {
        name = "trusted list";
    }
    if ((rc = sb_xml_parse(in, len, name, &doc, err)) != SB_OK) {
        return rc;
    }
    root = xmlDocGetRootElement(doc);
    if (!sb_xml_is(root, TSL, "TrustServiceStatusList")) {
        rc = sb_err_set(err, SB_R_INPUT_MALFORMED, "%s: not an ETSI TS 119 612 trusted list (document element <%s> "
                        "in namespace %s, expected TrustServiceStatusList in %s)", name, (const char *)root->name,
                        root->ns != NULL && root->ns->href != NULL ? (const char *)root->ns->href : "(none)", TSL);
        xmlFreeDoc(doc);
        return rc;
    }
    if ((tl = calloc(1, sizeof(*tl))) == NULL) {
        xmlFreeDoc(doc);
        return oom(err);
    }
    tl->sig_reason = SB_R_FORMAT;
    snprintf(tl->sig_message, sizeof(tl->sig_message), "signature not checked");
    tl->doc = doc;
    *out = tl;
    return SB_OK;
}

enum sb_reason sb_tl_read(struct sb_tl *tl, const char *name, struct sb_err *err)
{
    xmlNodePtr root, si;
    enum sb_reason rc;

    if (tl == NULL || tl->doc == NULL) {
        return sb_err_set(err, SB_R_USAGE, "sb_tl_read: no opened list");
    }
    if (name == NULL) {
        name = "trusted list";
    }
    content_clear(tl);
    root = xmlDocGetRootElement(tl->doc);
    if ((si = sb_xml_child(root, TSL, "SchemeInformation")) == NULL) {
        rc = sb_err_set(err, SB_R_INPUT_MALFORMED, "%s: no SchemeInformation", name);
    } else if ((rc = read_scheme(tl, si, err)) == SB_OK) {
        rc = read_providers(tl, sb_xml_child(root, TSL, "TrustServiceProviderList"), err);
    }
    if (rc != SB_OK) {
        content_clear(tl);
        return rc;
    }
    tl->content_read = 1;
    return SB_OK;
}

enum sb_reason sb_tl_parse(const unsigned char *in, size_t len, const char *name, struct sb_tl **out,
                           struct sb_err *err)
{
    struct sb_tl *tl = NULL;
    enum sb_reason rc;

    *out = NULL;
    if ((rc = sb_tl_open(in, len, name, &tl, err)) != SB_OK) {
        return rc;
    }
    if ((rc = sb_tl_read(tl, name, err)) != SB_OK) {
        sb_tl_free(tl);
        return rc;
    }
    *out = tl;
    return SB_OK;
}

enum sb_reason sb_tl_verify(struct sb_tl *tl, STACK_OF(X509) *signers, struct sb_err *err)
{
    struct sb_xmldsig_verify_opts xo;
    struct sb_xmldsig_result res;
    struct sb_path_opts po;
    struct sb_err e;
    enum sb_reason rc;

    if (tl == NULL || tl->doc == NULL) {
        return sb_err_set(err, SB_R_USAGE, "sb_tl_verify: no parsed list");
    }
    X509_free(tl->signer);
    tl->signer = NULL;
    tl->sig_source = SB_XMLDSIG_SRC_NONE;
    sb_path_opts_init(&po);
    memset(&xo, 0, sizeof(xo));
    xo.path = &po;
    xo.signers = sk_X509_num(signers) > 0 ? signers : NULL;
    xo.keyinfo_trusted = xo.signers == NULL;
    rc = sb_xmldsig_verify_doc(tl->doc, &xo, &res, &e);
    if (res.n_signers > 0 && res.signers[res.worst].cert != NULL && X509_up_ref(res.signers[res.worst].cert)) {
        tl->signer = res.signers[res.worst].cert;
        tl->sig_source = res.signers[res.worst].source;
    }
    tl->sig_reason = rc;
    snprintf(tl->sig_message, sizeof(tl->sig_message), "%s", e.msg);
    sb_xmldsig_result_clear(&res);
    if (err != NULL) {
        *err = e;
        err->reason = rc;
    }
    return rc;
}

enum sb_reason sb_tl_check_fresh(const struct sb_tl *tl, time_t at, struct sb_err *err)
{
    char next[40], when[40];

    if (tl->has_next_update && at > tl->next_update) {
        sb_time_format(tl->next_update, next, sizeof(next));
        sb_time_format(at, when, sizeof(when));
        return sb_err_set(err, SB_R_REVOCATION_UNAVAILABLE, "trusted list %s #%lld expired: NextUpdate %s is before the "
                          "validation time %s", tl->territory, tl->sequence_number, next, when);
    }
    return SB_OK;
}

void sb_tl_anchors_free(struct sb_tl_anchor *a, size_t n)
{
    size_t i;

    for (i = 0; a != NULL && i < n; i++) {
        X509_free(a[i].cert);
        free(a[i].granted);
        free(a[i].service);
    }
    free(a);
}

enum sb_reason sb_tl_anchors(const struct sb_tl *tl, int ca_only, struct sb_tl_anchor **out, size_t *n,
                             struct sb_err *err)
{
    struct sb_tl_anchor *a = NULL, *q;
    const struct sb_tl_service *s;
    size_t i, cap = 0, cnt = 0, len;
    void *grown;
    int j;

    *out = NULL;
    *n = 0;
    if (tl == NULL || tl->sig_reason != SB_OK) {
        return sb_err_set(err, SB_R_USAGE, "trusted list signature not verified: its anchors cannot be used");
    }
    if (!tl->content_read) {
        return sb_err_set(err, SB_R_USAGE, "trusted list content not read: its anchors cannot be used");
    }
    for (i = 0; i < tl->n_services; i++) {
        s = &tl->services[i];
        if ((ca_only && !sb_tl_service_is_ca(s)) || s->n_granted == 0) {
            continue;
        }
        for (j = 0; j < sk_X509_num(s->certs); j++) {
            if (cnt == cap) {
                cap = cap == 0 ? 16 : cap * 2;
                if ((grown = realloc(a, sizeof(*a) * cap)) == NULL) {
                    sb_tl_anchors_free(a, cnt);
                    return oom(err);
                }
                a = grown;
            }
            q = &a[cnt];
            memset(q, 0, sizeof(*q));
            len = strlen(s->tsp) + strlen(s->name) + 4;
            if (!X509_up_ref(sk_X509_value(s->certs, j))) {
                sb_tl_anchors_free(a, cnt);
                return oom(err);
            }
            q->cert = sk_X509_value(s->certs, j);
            cnt++;
            if ((q->granted = malloc(sizeof(*q->granted) * s->n_granted)) == NULL || (q->service = malloc(len)) == NULL) {
                sb_tl_anchors_free(a, cnt);
                return oom(err);
            }
            memcpy(q->granted, s->granted, sizeof(*q->granted) * s->n_granted);
            q->n_granted = s->n_granted;
            snprintf(q->service, len, "%s / %s", s->tsp, s->name);
        }
    }
    *out = a;
    *n = cnt;
    return SB_OK;
}

STACK_OF(X509) *sb_tl_anchors_at(const struct sb_tl_anchor *a, size_t n, time_t at)
{
    STACK_OF(X509) *st = sk_X509_new_null();
    size_t i, k;

    for (i = 0; st != NULL && i < n; i++) {
        for (k = 0; k < a[i].n_granted; k++) {
            if (a[i].granted[k].from <= at && (a[i].granted[k].to == 0 || at < a[i].granted[k].to)) {
                if (!X509_up_ref(a[i].cert) || !sk_X509_push(st, a[i].cert)) {
                    sk_X509_pop_free(st, X509_free);
                    return NULL;
                }
                break;
            }
        }
    }
    return st;
}

enum sb_reason sb_tl_load_anchors(const char *path, STACK_OF(X509) *signers, time_t at, int allow_expired,
                                  struct sb_tl_anchor **out, size_t *n, struct sb_err *err)
{
    unsigned char *data = NULL;
    size_t len = 0;
    struct sb_tl *tl = NULL;
    enum sb_reason rc;

    *out = NULL;
    *n = 0;
    if (sk_X509_num(signers) <= 0) {
        return sb_err_set(err, SB_R_USAGE, "%s: a trusted list needs its signer certificate", path);
    }
    if ((rc = sb_load_file(path, SB_XML_MAX_INPUT, &data, &len, err)) != SB_OK
        || (rc = sb_tl_open(data, len, path, &tl, err)) != SB_OK || (rc = sb_tl_verify(tl, signers, err)) != SB_OK
        || (rc = sb_tl_read(tl, path, err)) != SB_OK || (!allow_expired && (rc = sb_tl_check_fresh(tl, at, err)) != SB_OK)) {
        goto out;
    }
    rc = sb_tl_anchors(tl, 1, out, n, err);
out:
    free(data);
    sb_tl_free(tl);
    return rc;
}
