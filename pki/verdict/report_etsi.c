/*
 * pki/verdict/report_etsi.c — ETSI TS 119 102-2 validation report (pki/verdict/report_etsi.h).
 */
#include "pki/x509/cert_format.h"
#include "pki/verdict/report_etsi.h"

#include <stdio.h>
#include <string.h>

#include <libxml/xmlsave.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "pki/verdict/report.h"
#include "pki/base/hex.h"
#include "pki/base/rfc3339_time.h"
#include "pki/xml/xml_safe.h"
#include "pki/xml/xmldsig.h"

#define X (const xmlChar *)
#define SB_ETSI_CONSTRAINT "urn:sigbridge:constraint:"

struct rb {
    xmlDocPtr doc;
    xmlNsPtr vr, ds;
    xmlNodePtr root, objects;
    int failed;
};

static xmlNodePtr el(struct rb *b, xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
    xmlNodePtr n;

    if (b->failed || parent == NULL) {
        b->failed = 1;
        return NULL;
    }
    if ((n = xmlNewTextChild(parent, ns, X name, text != NULL ? X text : NULL)) == NULL) {
        b->failed = 1;
    }
    return n;
}

static void attr(struct rb *b, xmlNodePtr n, const char *name, const char *value)
{
    if (b->failed || n == NULL || xmlNewProp(n, X name, X value) == NULL) {
        b->failed = 1;
    }
}

/* <vr:DigestAlgAndValue> with SHA-256 of data. */
static void digest_alg_and_value(struct rb *b, xmlNodePtr parent, const unsigned char *data, size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char *b64 = NULL;
    xmlNodePtr d = el(b, parent, b->vr, "DigestAlgAndValue", NULL), m;

    if (!EVP_Digest(data != NULL ? data : (const unsigned char *)"", data != NULL ? len : 0, md, &mdlen, EVP_sha256(), NULL)
        || sb_xml_b64_encode(md, mdlen, &b64, NULL) != SB_OK) {
        b->failed = 1;
        return;
    }
    m = el(b, d, b->ds, "DigestMethod", NULL);
    attr(b, m, "Algorithm", "http://www.w3.org/2001/04/xmlenc#sha256");
    el(b, d, b->ds, "DigestValue", b64);
    OPENSSL_free(b64);
}

/* The ValidationObject with attribute id = id among b's objects, or NULL. */
static xmlNodePtr vo_find(struct rb *b, const char *id)
{
    xmlNodePtr c;
    xmlChar *have;

    for (c = b->objects != NULL ? b->objects->children : NULL; c != NULL; c = c->next) {
        if ((have = xmlGetNoNsProp(c, X "id")) != NULL) {
            int same = strcmp((const char *)have, id) == 0;

            xmlFree(have);
            if (same) {
                return c;
            }
        }
    }
    return NULL;
}

/* The id of the ValidationObject for x, adding the object on first use. */
static void vo_ref(struct rb *b, X509 *x, char *id, size_t idlen)
{
    char fp[80], *b64 = NULL;
    unsigned char *der = NULL;
    xmlNodePtr vo, c;
    int len;

    sb_certfmt_sha256(x, fp, sizeof(fp));
    snprintf(id, idlen, "vo-%.16s", fp);
    if (b->objects == NULL) {
        b->objects = el(b, b->root, b->vr, "SignatureValidationObjects", NULL);
    }
    if (vo_find(b, id) != NULL) {
        return;
    }
    if ((len = i2d_X509(x, &der)) <= 0 || sb_xml_b64_encode(der, (size_t)len, &b64, NULL) != SB_OK) {
        OPENSSL_free(der);
        b->failed = 1;
        return;
    }
    vo = el(b, b->objects, b->vr, "ValidationObject", NULL);
    attr(b, vo, "id", id);
    el(b, vo, b->vr, "ObjectType", "urn:etsi:019102:validationObject:certificate");
    c = el(b, vo, b->vr, "ValidationObjectRepresentation", NULL);
    el(b, c, b->vr, "base64", b64);
    OPENSSL_free(der);
    OPENSSL_free(b64);
}

static void constraint(struct rb *b, xmlNodePtr parent, const char *id, const char *value)
{
    char uri[128];
    xmlNodePtr c = el(b, parent, b->vr, "ValidationConstraint", NULL), p, s;

    snprintf(uri, sizeof(uri), "%s%s", SB_ETSI_CONSTRAINT, id);
    el(b, c, b->vr, "ValidationConstraintIdentifier", uri);
    if (value != NULL) {
        p = el(b, c, b->vr, "ValidationConstraintParameter", NULL);
        el(b, p, b->vr, "Type", uri);
        el(b, p, b->vr, "Value", value);
    }
    s = el(b, c, b->vr, "ConstraintStatus", NULL);
    el(b, s, b->vr, "Status", "urn:etsi:019102:constraintStatus:applied");
}

static void constraints(struct rb *b, xmlNodePtr svr, const struct sb_path_opts *o)
{
    static const char *const rev[] = { "off", "prefer", "require" };
    static const struct { uint32_t bit; const char *name; } kus[] = {
        { KU_DIGITAL_SIGNATURE, "digitalSignature" }, { KU_NON_REPUDIATION, "nonRepudiation" },
        { KU_KEY_ENCIPHERMENT, "keyEncipherment" }, { KU_DATA_ENCIPHERMENT, "dataEncipherment" },
        { KU_KEY_AGREEMENT, "keyAgreement" }, { KU_KEY_CERT_SIGN, "keyCertSign" }, { KU_CRL_SIGN, "cRLSign" },
    };
    xmlNodePtr r;
    char buf[256];
    size_t i;
    int j;

    if (o == NULL) {
        return;
    }
    r = el(b, svr, b->vr, "ValidationConstraintsEvaluationReport", NULL);
    constraint(b, r, "certificate-path", "RFC 5280 section 6 path validation to a configured trust anchor");
    constraint(b, r, "profile", sb_profile_name(o->profile));
    constraint(b, r, "revocation", (unsigned)o->revocation < 3 ? rev[o->revocation] : "unknown");
    snprintf(buf, sizeof(buf), "%d", o->algs.min_rsa_bits);
    constraint(b, r, "min-rsa-bits", buf);
    constraint(b, r, "sha1-signatures", o->algs.allow_sha1 ? "allowed" : "refused");
    if (o->max_depth >= 0) {
        snprintf(buf, sizeof(buf), "%d", o->max_depth);
        constraint(b, r, "max-depth", buf);
    }
    for (j = 0; j < sk_ASN1_OBJECT_num(o->policies); j++) {
        OBJ_obj2txt(buf, sizeof(buf), sk_ASN1_OBJECT_value(o->policies, j), 1);
        constraint(b, r, "user-initial-policy", buf);
    }
    if (o->explicit_policy) {
        constraint(b, r, "explicit-policy", "true");
    }
    for (j = 0; j < sk_ASN1_OBJECT_num(o->ekus); j++) {
        OBJ_obj2txt(buf, sizeof(buf), sk_ASN1_OBJECT_value(o->ekus, j), 1);
        constraint(b, r, "extended-key-usage", buf);
    }
    for (i = 0; i < sizeof(kus) / sizeof(kus[0]); i++) {
        if ((o->key_usage & kus[i].bit) != 0) {
            constraint(b, r, "key-usage", kus[i].name);
        }
    }
    constraint(b, r, "signer-key-usage", "digitalSignature or nonRepudiation");
    if (o->hostname != NULL) {
        constraint(b, r, "hostname", o->hostname);
    }
    for (i = 0; i < o->n_emails; i++) {
        constraint(b, r, "email", o->emails[i]);
    }
}

/* <vr:DigestAlgAndValue> with the given SHA-256 value. */
static void digest_value(struct rb *b, xmlNodePtr parent, const unsigned char md[32])
{
    char *b64 = NULL;
    xmlNodePtr d = el(b, parent, b->vr, "DigestAlgAndValue", NULL), m;

    if (sb_xml_b64_encode(md, 32, &b64, NULL) != SB_OK) {
        b->failed = 1;
        return;
    }
    m = el(b, d, b->ds, "DigestMethod", NULL);
    attr(b, m, "Algorithm", "http://www.w3.org/2001/04/xmlenc#sha256");
    el(b, d, b->ds, "DigestValue", b64);
    OPENSSL_free(b64);
}

/* The id of the ValidationObject (CRL or OCSPResponse, by its SHA-256) of ev, added on first use. */
static void rev_vo_ref(struct rb *b, const struct sb_rev_evidence *ev, char *id, size_t idlen)
{
    char hex[65];
    xmlNodePtr vo, c;

    sb_hex_encode(ev->sha256, sizeof(ev->sha256), hex, sizeof(hex));
    snprintf(id, idlen, "vo-%s-%.16s", ev->is_ocsp ? "ocsp" : "crl", hex);
    if (vo_find(b, id) != NULL) {
        return;
    }
    vo = el(b, b->objects, b->vr, "ValidationObject", NULL);
    attr(b, vo, "id", id);
    el(b, vo, b->vr, "ObjectType", ev->is_ocsp ? "urn:etsi:019102:validationObject:OCSPResponse"
                                              : "urn:etsi:019102:validationObject:CRL");
    c = el(b, vo, b->vr, "ValidationObjectRepresentation", NULL);
    digest_value(b, c, ev->sha256);
}

static void report_item(struct rb *b, xmlNodePtr avrd, const char *type, const char *value)
{
    xmlNodePtr c = el(b, avrd, b->vr, "ReportData", NULL);

    el(b, c, b->vr, "Type", type);
    el(b, c, b->vr, "Value", value);
}

/*
 * The revocation evidence of the certificate whose ValidationObject is cert_vo (once per object): a
 * vr:ValidationReport in it whose status is the certificate's (passed; failed when revoked), with the CRL or
 * OCSP response that decided as a RelatedValidationObject (a ValidationObject of its own, by SHA-256), a
 * RevocationStatusInformation when it is listed as revoked, and urn:sigbridge:revocation-* report data
 * (source, URL, thisUpdate / producedAt, nextUpdate, note).
 */
static void cert_revocation(struct rb *b, xmlNodePtr cert_vo, const char *cert_id, const struct sb_rev_evidence *ev,
                            enum sb_reason rc)
{
    xmlNodePtr c, vr, st, a, ri, add;
    char rid[64], when[40], uri[96];
    const char *reason;
    int revoked = ev->revocation_time != 0 && !ev->revoked_after;

    for (c = cert_vo != NULL ? cert_vo->children : NULL; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "ValidationReport") == 0) {
            return;
        }
    }
    rid[0] = '\0';
    if (ev->source != SB_REV_SRC_NONE) {
        rev_vo_ref(b, ev, rid, sizeof(rid));
    }
    vr = el(b, cert_vo, b->vr, "ValidationReport", NULL);
    st = el(b, vr, b->vr, "SignatureValidationStatus", NULL);
    el(b, st, b->vr, "MainIndication", revoked ? "urn:etsi:019102:mainindication:failed"
                                               : "urn:etsi:019102:mainindication:passed");
    if (revoked && rc == SB_R_REVOKED) {
        snprintf(uri, sizeof(uri), "%s%s", SB_ETSI_SUB, sb_reason_subindication(SB_R_REVOKED));
        el(b, st, b->vr, "SubIndication", uri);
    }
    a = el(b, st, b->vr, "AssociatedValidationReportData", NULL);
    if (rid[0] != '\0') {
        attr(b, el(b, a, b->vr, "RelatedValidationObject", NULL), "VOReference", rid);
    }
    if (ev->revocation_time != 0) {
        ri = el(b, a, b->vr, "RevocationStatusInformation", NULL);
        attr(b, el(b, ri, b->vr, "ValidationObjectId", NULL), "VOReference", cert_id);
        sb_time_format(ev->revocation_time, when, sizeof(when));
        el(b, ri, b->vr, "RevocationTime", when);
        if ((reason = sb_rev_reason_name(ev->revocation_reason)) != NULL) {
            snprintf(uri, sizeof(uri), "urn:etsi:019102:revocationReason:%s", reason);
            el(b, ri, b->vr, "RevocationReason", uri);
        }
        if (rid[0] != '\0') {
            attr(b, el(b, ri, b->vr, "RevocationObject", NULL), "VOReference", rid);
        }
    }
    add = el(b, a, b->vr, "AdditionalValidationReportData", NULL);
    report_item(b, add, "urn:sigbridge:revocation-source", sb_rev_source_name(ev->source));
    if (ev->url[0] != '\0') {
        report_item(b, add, "urn:sigbridge:revocation-url", ev->url);
    }
    if (ev->is_ocsp && ev->produced_at != 0) {
        sb_time_format(ev->produced_at, when, sizeof(when));
        report_item(b, add, "urn:sigbridge:revocation-produced-at", when);
    }
    if (ev->this_update != 0) {
        sb_time_format(ev->this_update, when, sizeof(when));
        report_item(b, add, "urn:sigbridge:revocation-this-update", when);
    }
    if (ev->next_update != 0) {
        sb_time_format(ev->next_update, when, sizeof(when));
        report_item(b, add, "urn:sigbridge:revocation-next-update", when);
    }
    if (ev->revoked_after) {
        report_item(b, add, "urn:sigbridge:revocation-revoked-after", "true");
    }
    if (ev->note[0] != '\0') {
        report_item(b, add, "urn:sigbridge:revocation-note", ev->note);
    }
}

/* <vr:AdditionalValidationReportData><vr:ReportData><vr:Type>type</vr:Type><vr:Value>value</vr:Value>. */
static void report_data(struct rb *b, xmlNodePtr a, const char *type, const char *value)
{
    xmlNodePtr c = el(b, a, b->vr, "AdditionalValidationReportData", NULL);

    c = el(b, c, b->vr, "ReportData", NULL);
    el(b, c, b->vr, "Type", type);
    el(b, c, b->vr, "Value", value);
}

static void status(struct rb *b, xmlNodePtr svr, enum sb_reason rc, const char *message, STACK_OF(X509) *chain,
                   const struct sb_etsi_signer *s, const struct sb_etsi_input *in)
{
    static const char *const main_ind[] = { "indeterminate", "total-passed", "total-failed", "indeterminate" };
    enum sb_indication ind = sb_reason_indication(rc);
    const char *sub = sb_reason_subindication(rc);
    xmlNodePtr st = el(b, svr, b->vr, "SignatureValidationStatus", NULL), a, cc, c;
    char buf[128], id[40];
    int i, n = sk_X509_num(chain);

    snprintf(buf, sizeof(buf), "%s%s", SB_ETSI_MAIN, (unsigned)ind < 4 ? main_ind[ind] : "indeterminate");
    el(b, st, b->vr, "MainIndication", buf);
    if (rc != SB_OK && sub != NULL) {
        snprintf(buf, sizeof(buf), "%s%s", SB_ETSI_SUB, sub);
        el(b, st, b->vr, "SubIndication", buf);
    }
    a = el(b, st, b->vr, "AssociatedValidationReportData", NULL);
    if (n > 0) {
        cc = el(b, a, b->vr, "CertificateChain", NULL);
        for (i = 0; i < n; i++) {
            vo_ref(b, sk_X509_value(chain, i), id, sizeof(id));
            c = el(b, cc, b->vr, i == 0 ? "SigningCertificate" : (i == n - 1 ? "TrustAnchor" : "IntermediateCertificate"),
                   NULL);
            attr(b, c, "VOReference", id);
            if (s != NULL && s->revocation != NULL && (size_t)i < s->n_revocation &&
                sb_rev_evidence_present(&s->revocation[i])) {
                cert_revocation(b, vo_find(b, id), id, &s->revocation[i], rc);
            }
        }
    }
    snprintf(buf, sizeof(buf), "%s", sb_reason_name(rc));
    report_data(b, a, "urn:sigbridge:reason", buf);
    report_data(b, a, "urn:sigbridge:message", message != NULL && message[0] != '\0' ? message : sb_reason_message(rc));
    for (i = 0; (size_t)i < in->n_unsigned; i++) {
        report_data(b, a, "urn:sigbridge:unsigned-content", in->unsigned_content[i].location);
    }
}

static void one_report(struct rb *b, const struct sb_etsi_input *in, const struct sb_etsi_signer *s, size_t idx)
{
    xmlNodePtr svr = el(b, b->root, b->vr, "SignatureValidationReport", NULL), si, n;
    char id[40], when[40], subj[1024], *b64 = NULL;
    enum sb_reason rc = s != NULL ? s->reason : in->reason;

    si = el(b, svr, b->vr, "SignatureIdentifier", NULL);
    snprintf(id, sizeof(id), "sig-%zu", idx + 1);
    attr(b, si, "id", id);
    digest_alg_and_value(b, si, in->object, in->object_len);
    if (s != NULL && s->sig_value != NULL && s->sig_len > 0) {
        if (sb_xml_b64_encode(s->sig_value, s->sig_len, &b64, NULL) != SB_OK) {
            b->failed = 1;
        }
        el(b, si, b->ds, "SignatureValue", b64);
        OPENSSL_free(b64);
    }
    el(b, si, b->vr, "HashOnly", in->hash_only ? "true" : "false");
    el(b, si, b->vr, "DocHashOnly", in->hash_only ? "true" : "false");
    constraints(b, svr, in->path);
    n = el(b, svr, b->vr, "ValidationTimeInfo", NULL);
    sb_time_format(in->validation_time, when, sizeof(when));
    el(b, n, b->vr, "ValidationTime", when);
    if (in->content != NULL) {
        n = el(b, svr, b->vr, "SignersDocument", NULL);
        digest_alg_and_value(b, n, in->content, in->content_len);
    }
    if (s != NULL && s->signing_time != NULL && s->signing_time[0] != '\0') {
        n = el(b, svr, b->vr, "SignatureAttributes", NULL);
        n = el(b, n, b->vr, "SigningTime", NULL);
        attr(b, n, "Signed", "true");
        el(b, n, b->vr, "Time", s->signing_time);
    }
    if (s != NULL && s->cert != NULL) {
        n = el(b, svr, b->vr, "SignerInformation", NULL);
        vo_ref(b, s->cert, id, sizeof(id));
        attr(b, el(b, n, b->vr, "SignerCertificate", NULL), "VOReference", id);
        sb_certfmt_name(X509_get_subject_name(s->cert), subj, sizeof(subj));
        el(b, n, b->vr, "Signer", subj);
    }
    n = el(b, svr, b->vr, "SignatureValidationProcess", NULL);
    el(b, n, b->vr, "SignatureValidationProcessID", "urn:etsi:019102:validationprocess:Basic");
    status(b, svr, rc, s != NULL ? s->message : in->message, s != NULL ? s->chain : NULL, s, in);
}

enum sb_reason sb_report_etsi_doc(const struct sb_etsi_input *in, xmlDocPtr *out, struct sb_err *err)
{
    struct rb b;
    size_t i;

    *out = NULL;
    memset(&b, 0, sizeof(b));
    if (in == NULL) {
        return sb_err_set(err, SB_R_USAGE, "no report input");
    }
    if ((b.doc = xmlNewDoc(X "1.0")) == NULL || (b.root = xmlNewDocNode(b.doc, NULL, X "ValidationReport", NULL)) == NULL) {
        xmlFreeDoc(b.doc);
        return sb_err_set(err, SB_R_INTERNAL, "out of memory building the ETSI report");
    }
    xmlDocSetRootElement(b.doc, b.root);
    if ((b.vr = xmlNewNs(b.root, X SB_ETSI_NS, X "vr")) == NULL || (b.ds = xmlNewNs(b.root, X SB_XMLNS_DSIG, X "ds")) == NULL) {
        xmlFreeDoc(b.doc);
        return sb_err_set(err, SB_R_INTERNAL, "out of memory building the ETSI report");
    }
    xmlSetNs(b.root, b.vr);
    if (in->n_signers == 0) {
        one_report(&b, in, NULL, 0);
    }
    for (i = 0; i < in->n_signers; i++) {
        one_report(&b, in, &in->signers[i], i);
    }
    if (b.objects != NULL) {
        /* the schema wants SignatureValidationObjects after every SignatureValidationReport */
        xmlUnlinkNode(b.objects);
        if (xmlAddChild(b.root, b.objects) == NULL) {
            xmlFreeNode(b.objects);
            b.failed = 1;
        }
    }
    if (b.failed) {
        xmlFreeDoc(b.doc);
        return sb_err_set(err, SB_R_INTERNAL, "out of memory building the ETSI report");
    }
    *out = b.doc;
    return SB_OK;
}

enum sb_reason sb_report_etsi(const struct sb_etsi_input *in, unsigned char **xml, size_t *len, struct sb_err *err)
{
    xmlDocPtr doc = NULL;
    xmlChar *mem = NULL;
    int n = 0;
    enum sb_reason rc;

    *xml = NULL;
    *len = 0;
    if ((rc = sb_report_etsi_doc(in, &doc, err)) != SB_OK) {
        return rc;
    }
    xmlDocDumpFormatMemoryEnc(doc, &mem, &n, "UTF-8", 1);
    xmlFreeDoc(doc);
    if (mem == NULL || n <= 0 || (*xml = OPENSSL_malloc((size_t)n)) == NULL) {
        xmlFree(mem);
        return sb_err_set(err, SB_R_INTERNAL, "cannot serialize the ETSI report");
    }
    memcpy(*xml, mem, (size_t)n);
    *len = (size_t)n;
    xmlFree(mem);
    return SB_OK;
}
