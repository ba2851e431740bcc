/*
 * pki/xml/xmldsig_alg.c — XML-DSig algorithm tables, node-set canonicalization with libxml2's C14N and the
 * raw signature operations (pki/xml/xmldsig_local.h).
 *
 * A reference's node-set is always "a subtree minus at most one excluded subtree", so the libxml2
 * visibility callback only walks the ancestors of the node asked about. Namespace and attribute nodes
 * belong to the set exactly when their element does (XPath data model), which is what makes inclusive
 * C14N render the in-scope namespaces of a document subset's apex.
 */
#include "pki/xml/xmldsig_local.h"

#include <string.h>

#include <libxml/xmlIO.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

static const struct sb_xd_c14n c14n_algs[] = {
    { SB_XMLDSIG_C14N10, XML_C14N_1_0, 0, "C14N 1.0" },
    { SB_XMLDSIG_C14N10_WC, XML_C14N_1_0, 1, "C14N 1.0 with comments" },
    { SB_XMLDSIG_C14N11, XML_C14N_1_1, 0, "C14N 1.1" },
    { SB_XMLDSIG_C14N11_WC, XML_C14N_1_1, 1, "C14N 1.1 with comments" },
    { SB_XMLDSIG_EXC_C14N, XML_C14N_EXCLUSIVE_1_0, 0, "exclusive C14N" },
    { SB_XMLDSIG_EXC_C14N_WC, XML_C14N_EXCLUSIVE_1_0, 1, "exclusive C14N with comments" },
};

static const struct sb_xd_digest digest_algs[] = {
    { SB_XMLDSIG_SHA256, "SHA256", 32, 0 },
    { SB_XMLDSIG_SHA384, "SHA384", 48, 0 },
    { SB_XMLDSIG_SHA512, "SHA512", 64, 0 },
    { "http://www.w3.org/2000/09/xmldsig#sha1", "SHA1", 20, 1 },
};

static const struct sb_xd_sigalg sig_algs[] = {
    { SB_XMLDSIG_RSA_SHA256, SB_XD_KEY_RSA, "SHA256", 0, 0 },
    { SB_XMLDSIG_RSA_SHA384, SB_XD_KEY_RSA, "SHA384", 0, 0 },
    { SB_XMLDSIG_RSA_SHA512, SB_XD_KEY_RSA, "SHA512", 0, 0 },
    { SB_XMLDSIG_RSA_PSS_SHA256, SB_XD_KEY_RSA_PSS, "SHA256", 0, 0 },
    { SB_XMLDSIG_RSA_PSS_SHA384, SB_XD_KEY_RSA_PSS, "SHA384", 0, 0 },
    { SB_XMLDSIG_RSA_PSS_SHA512, SB_XD_KEY_RSA_PSS, "SHA512", 0, 0 },
    { "http://www.w3.org/2007/05/xmldsig-more#rsa-pss", SB_XD_KEY_RSA_PSS, "SHA256", 0, 1 },
    { SB_XMLDSIG_ECDSA_SHA256, SB_XD_KEY_EC, "SHA256", 0, 0 },
    { SB_XMLDSIG_ECDSA_SHA384, SB_XD_KEY_EC, "SHA384", 0, 0 },
    { SB_XMLDSIG_ECDSA_SHA512, SB_XD_KEY_EC, "SHA512", 0, 0 },
    { "http://www.w3.org/2000/09/xmldsig#rsa-sha1", SB_XD_KEY_RSA, "SHA1", 1, 0 },
    { "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1", SB_XD_KEY_EC, "SHA1", 1, 0 },
    { "http://www.w3.org/2007/05/xmldsig-more#sha1-rsa-MGF1", SB_XD_KEY_RSA_PSS, "SHA1", 1, 0 },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The row of rows[0..n) (each size bytes, its first member the URI) whose URI is uri; NULL when none. */
static const void *row_by_uri(const void *rows, size_t n, size_t size, const char *uri)
{
    const unsigned char *row = rows;
    size_t i;

    for (i = 0; uri != NULL && i < n; i++, row += size) {
        if (strcmp(uri, *(const char *const *)(const void *)row) == 0) {
            return row;
        }
    }
    return NULL;
}

const struct sb_xd_c14n *sb_xd_c14n_by_uri(const char *uri)
{
    return row_by_uri(c14n_algs, COUNT(c14n_algs), sizeof(c14n_algs[0]), uri);
}

const struct sb_xd_digest *sb_xd_digest_by_uri(const char *uri)
{
    return row_by_uri(digest_algs, COUNT(digest_algs), sizeof(digest_algs[0]), uri);
}

const struct sb_xd_sigalg *sb_xd_sigalg_by_uri(const char *uri)
{
    return row_by_uri(sig_algs, COUNT(sig_algs), sizeof(sig_algs[0]), uri);
}

int sb_xd_is_hmac(const char *uri)
{
    return uri != NULL && strstr(uri, "hmac-") != NULL;
}

void sb_xd_prefixes_free(xmlChar **p)
{
    size_t i;

    for (i = 0; p != NULL && p[i] != NULL; i++) {
        xmlFree(p[i]);
    }
    OPENSSL_free(p);
}

enum sb_reason sb_xd_prefixes(const xmlChar *list, xmlChar ***out, struct sb_err *err)
{
    xmlChar **arr = NULL;
    const xmlChar *p = list, *q;
    size_t n = 0;

    *out = NULL;
    if (list == NULL) {
        return SB_OK;
    }
    if ((arr = OPENSSL_zalloc(sizeof(*arr) * (SB_XD_MAX_PREFIXES + 1))) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        for (q = p; *q != '\0' && *q != ' ' && *q != '\t' && *q != '\r' && *q != '\n'; q++) {
        }
        if (n == SB_XD_MAX_PREFIXES) {
            sb_xd_prefixes_free(arr);
            return sb_err_set(err, SB_R_FORMAT, "InclusiveNamespaces PrefixList has more than %d entries",
                              SB_XD_MAX_PREFIXES);
        }
        if ((arr[n++] = xmlStrndup(p, (int)(q - p))) == NULL) {
            sb_xd_prefixes_free(arr);
            return sb_err_set(err, SB_R_INTERNAL, "out of memory");
        }
        p = q;
    }
    *out = arr;
    return SB_OK;
}

/* libxml2 visibility callback: node (or, for attributes and namespaces, its element) lies under
 * set->root and not under set->exclude. */
static int visible(void *user, xmlNodePtr node, xmlNodePtr parent)
{
    const struct sb_xd_nodeset *set = user;
    xmlNodePtr n = node;
    int in_root;

    if (node == NULL) {
        return 0;
    }
    if (node->type == XML_NAMESPACE_DECL || node->type == XML_ATTRIBUTE_NODE) {
        n = parent;
    }
    in_root = set->root == NULL;
    for (; n != NULL; n = n->parent) {
        if (n == set->exclude) {
            return 0;
        }
        if (n == set->root) {
            in_root = 1;
            if (set->exclude == NULL) {
                break;
            }
        }
    }
    return in_root;
}

static int sink_write(void *ctx, const char *b, int len)
{
    struct sb_xd_sink *s = ctx;
    unsigned char *nb;
    size_t ncap;

    if (len < 0 || s->failed) {
        return -1;
    }
    if (len == 0) {
        return 0; /* libxml2 flushes empty buffers, e.g. after a canonicalisation error */
    }
    if (s->md != NULL) {
        if (s->max > 0 && s->len + (size_t)len > s->max) {
            s->failed = 2;
            return -1;
        }
        if (!EVP_DigestUpdate(s->md, b, (size_t)len)) {
            s->failed = 1;
            return -1;
        }
        s->len += (size_t)len;
        return len;
    }
    if (s->len + (size_t)len > s->max) {
        s->failed = 2;
        return -1;
    }
    if (s->len + (size_t)len > s->cap) {
        ncap = s->cap == 0 ? 4096 : s->cap;
        while (ncap < s->len + (size_t)len) {
            ncap *= 2;
        }
        if ((nb = OPENSSL_realloc(s->buf, ncap)) == NULL) {
            s->failed = 1;
            return -1;
        }
        s->buf = nb;
        s->cap = ncap;
    }
    memcpy(s->buf + s->len, b, (size_t)len);
    s->len += (size_t)len;
    return len;
}

enum sb_reason sb_xd_c14n(xmlDocPtr doc, const struct sb_xd_nodeset *set, const struct sb_xd_c14n *alg,
                          xmlChar **prefixes, struct sb_xd_sink *sink, const char *what, struct sb_err *err)
{
    struct sb_xd_nodeset vis = *set; /* the callback's user data (libxml2 wants a mutable pointer) */
    xmlOutputBufferPtr ob;
    int r, closed, whole = set->root == NULL && set->exclude == NULL;

    if ((ob = xmlOutputBufferCreateIO(sink_write, NULL, sink, NULL)) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "%s: cannot create the canonicalization buffer", what);
    }
    r = xmlC14NExecute(doc, whole ? NULL : visible, whole ? NULL : &vis, alg->mode,
                       alg->mode == XML_C14N_EXCLUSIVE_1_0 ? prefixes : NULL, alg->comments && set->comments, ob);
    closed = xmlOutputBufferClose(ob);
    if (sink->failed == 2) {
        return sb_err_set(err, SB_R_INPUT_TOO_LARGE, "%s: canonical form longer than %zu bytes", what, sink->max);
    }
    if (r < 0 || closed < 0 || sink->failed) {
        return sb_err_set(err, SB_R_FORMAT, "%s: %s canonicalization failed", what, alg->name);
    }
    return SB_OK;
}

int sb_xd_key_fits(EVP_PKEY *key, const struct sb_xd_sigalg *alg)
{
    switch (alg->key) {
    case SB_XD_KEY_RSA:
        return EVP_PKEY_is_a(key, "RSA");
    case SB_XD_KEY_RSA_PSS:
        return EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS");
    case SB_XD_KEY_EC:
        return EVP_PKEY_is_a(key, "EC");
    default:
        return 0;
    }
}

/* Bytes of one ECDSA coordinate for key (the group order's size). */
static size_t ec_coord_len(EVP_PKEY *key)
{
    int bits = EVP_PKEY_get_bits(key);

    return bits > 0 ? ((size_t)bits + 7) / 8 : 0;
}

/* Raw r||s to a DER ECDSA-Sig-Value in *der (OPENSSL_free). 0 when the length does not fit the key. */
static int ec_raw_to_der(EVP_PKEY *key, const unsigned char *sig, size_t len, unsigned char **der, size_t *der_len)
{
    size_t n = ec_coord_len(key);
    ECDSA_SIG *es = NULL;
    BIGNUM *r = NULL, *s = NULL;
    int dl, ok = 0;

    *der = NULL;
    if (n == 0 || len != 2 * n) {
        return 0;
    }
    if ((es = ECDSA_SIG_new()) == NULL || (r = BN_bin2bn(sig, (int)n, NULL)) == NULL
        || (s = BN_bin2bn(sig + n, (int)n, NULL)) == NULL || !ECDSA_SIG_set0(es, r, s)) {
        BN_free(r);
        BN_free(s);
        goto out;
    }
    if ((dl = i2d_ECDSA_SIG(es, der)) <= 0) {
        goto out;
    }
    *der_len = (size_t)dl;
    ok = 1;
out:
    ECDSA_SIG_free(es);
    return ok;
}

/* Set PSS padding, MGF1 digest and salt length on pctx. */
static int set_pss(EVP_PKEY_CTX *pctx, const struct sb_xd_pss *pss)
{
    const EVP_MD *mgf;

    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0
        || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, pss->saltlen) <= 0) {
        return 0;
    }
    if ((mgf = EVP_get_digestbyname(pss->mgf_md)) == NULL) {
        return 0;
    }
    return EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mgf) > 0;
}

enum sb_reason sb_xd_verify(EVP_PKEY *key, const struct sb_xd_sigalg *alg, const struct sb_xd_pss *pss,
                            const unsigned char *data, size_t n, const unsigned char *sig, size_t sig_len,
                            struct sb_err *err)
{
    EVP_MD_CTX *mctx = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *der = NULL;
    struct sb_xd_pss implied;
    const char *md = alg->md;
    size_t der_len = 0;
    enum sb_reason rc;
    int ok;

    ERR_clear_error();
    if (!sb_xd_key_fits(key, alg)) {
        return sb_err_set(err, SB_R_SIG_CRYPTO, "key type does not fit %s", alg->uri);
    }
    if (alg->key == SB_XD_KEY_RSA_PSS) {
        if (pss == NULL) {
            implied.md = alg->md;
            implied.mgf_md = alg->md;
            implied.saltlen = EVP_MD_get_size(EVP_get_digestbyname(alg->md));
            pss = &implied;
        }
        md = pss->md;
    }
    if (alg->key == SB_XD_KEY_EC) {
        if (!ec_raw_to_der(key, sig, sig_len, &der, &der_len)) {
            return sb_err_set(err, SB_R_SIG_CRYPTO, "ECDSA SignatureValue of %zu bytes does not fit a %d-bit key "
                              "(raw r||s expected)", sig_len, EVP_PKEY_get_bits(key));
        }
        sig = der;
        sig_len = der_len;
    }
    if ((mctx = EVP_MD_CTX_new()) == NULL
        || EVP_DigestVerifyInit_ex(mctx, &pctx, md, NULL, NULL, key, NULL) != 1
        || (alg->key == SB_XD_KEY_RSA && EVP_PKEY_is_a(key, "RSA")
            && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0)
        || (alg->key == SB_XD_KEY_RSA_PSS && !set_pss(pctx, pss))) {
        rc = sb_err_openssl(err, SB_R_SIG_CRYPTO, "cannot set up %s verification", alg->uri);
        goto out;
    }
    ok = EVP_DigestVerify(mctx, sig, sig_len, data, n);
    ERR_clear_error();
    rc = ok == 1 ? SB_OK : sb_err_set(err, SB_R_SIG_CRYPTO, "SignatureValue does not verify");
out:
    EVP_MD_CTX_free(mctx);
    OPENSSL_free(der);
    return rc;
}

enum sb_reason sb_xd_sign(EVP_PKEY *key, const struct sb_xd_sigalg *alg, const unsigned char *data, size_t n,
                          unsigned char **sig, size_t *sig_len, struct sb_err *err)
{
    EVP_MD_CTX *mctx = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *der = NULL, *raw = NULL;
    const unsigned char *p;
    ECDSA_SIG *es = NULL;
    struct sb_xd_pss pss;
    size_t len = 0, cl;
    enum sb_reason rc;

    *sig = NULL;
    *sig_len = 0;
    ERR_clear_error();
    pss.md = alg->md;
    pss.mgf_md = alg->md;
    pss.saltlen = EVP_MD_get_size(EVP_get_digestbyname(alg->md));
    if ((mctx = EVP_MD_CTX_new()) == NULL || EVP_DigestSignInit_ex(mctx, &pctx, alg->md, NULL, NULL, key, NULL) != 1
        || (alg->key == SB_XD_KEY_RSA_PSS && !set_pss(pctx, &pss))
        || EVP_DigestSign(mctx, NULL, &len, data, n) != 1 || (der = OPENSSL_malloc(len)) == NULL
        || EVP_DigestSign(mctx, der, &len, data, n) != 1) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "signing with %s failed", alg->uri);
        goto out;
    }
    if (alg->key == SB_XD_KEY_EC) {
        cl = ec_coord_len(key);
        p = der;
        if (cl == 0 || (es = d2i_ECDSA_SIG(NULL, &p, (long)len)) == NULL || (raw = OPENSSL_malloc(2 * cl)) == NULL
            || BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, (int)cl) < 0
            || BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + cl, (int)cl) < 0) {
            rc = sb_err_openssl(err, SB_R_INTERNAL, "cannot convert the ECDSA signature to r||s");
            goto out;
        }
        *sig = raw;
        *sig_len = 2 * cl;
        raw = NULL;
    } else {
        *sig = der;
        *sig_len = len;
        der = NULL;
    }
    rc = SB_OK;
out:
    ECDSA_SIG_free(es);
    EVP_MD_CTX_free(mctx);
    OPENSSL_free(der);
    OPENSSL_free(raw);
    return rc;
}
