/*
 * pki/xml/xmldsig_local.h — internals shared by xmldsig_alg.c, the verification files and xmldsig_sign.c:
 * the algorithm tables, canonicalization of a node-set, and the raw signature operations.
 * Not a public interface.
 */
#ifndef SB_XMLDSIG_LOCAL_H
#define SB_XMLDSIG_LOCAL_H

#include <stddef.h>
#include <libxml/c14n.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include "pki/base/err.h"
#include "pki/xml/xmldsig.h"

#define SB_XD_NS_EXC "http://www.w3.org/2001/10/xml-exc-c14n#"
#define SB_XD_SIGNEDINFO_MAX (1024u * 1024u)   /* canonical SignedInfo bytes */
#define SB_XD_MAX_PREFIXES 64                  /* InclusiveNamespaces PrefixList entries */

/* A canonicalization algorithm. */
struct sb_xd_c14n {
    const char *uri;
    int mode;            /* XML_C14N_1_0, XML_C14N_1_1, XML_C14N_EXCLUSIVE_1_0 */
    int comments;        /* the #WithComments variant */
    const char *name;    /* short name for messages */
};

/* A digest algorithm. */
struct sb_xd_digest {
    const char *uri;
    const char *md;      /* OpenSSL name */
    size_t len;
    int weak;            /* SHA-1: refused as WEAK_ALGORITHM */
};

enum sb_xd_keytype { SB_XD_KEY_RSA, SB_XD_KEY_RSA_PSS, SB_XD_KEY_EC };

/* A signature algorithm. */
struct sb_xd_sigalg {
    const char *uri;
    enum sb_xd_keytype key;
    const char *md;      /* OpenSSL digest name */
    int weak;            /* SHA-1 based: WEAK_ALGORITHM */
    int params;          /* RFC 9231 rsa-pss: parameters in an RSAPSSParams child */
};

/* RSASSA-PSS parameters (for the generic rsa-pss URI; the RFC 6931 URIs imply md/md/len(md)). */
struct sb_xd_pss {
    const char *md;      /* OpenSSL digest name of the message digest */
    const char *mgf_md;  /* digest of MGF1 */
    int saltlen;         /* bytes */
};

/* Look-ups by URI; NULL when unknown. */
const struct sb_xd_c14n *sb_xd_c14n_by_uri(const char *uri);
const struct sb_xd_digest *sb_xd_digest_by_uri(const char *uri);
const struct sb_xd_sigalg *sb_xd_sigalg_by_uri(const char *uri);
/* 1 if uri names an HMAC SignatureMethod (refused on purpose). */
int sb_xd_is_hmac(const char *uri);

/* A node-set given as a subtree minus an excluded subtree. */
struct sb_xd_nodeset {
    xmlNodePtr root;     /* NULL: the whole document */
    xmlNodePtr exclude;  /* NULL: nothing excluded (else the enveloped ds:Signature) */
    int comments;        /* 1: comment nodes are part of the set (XPointer references, SignedInfo) */
};

/* Where canonical bytes go: a running digest, or a bounded memory buffer. */
struct sb_xd_sink {
    EVP_MD_CTX *md;      /* borrowed: when not NULL, bytes are hashed */
    unsigned char *buf;  /* owned (OPENSSL_free) when md is NULL */
    size_t len, cap, max;  /* max: buffer cap; with md, a byte budget (0 = none) */
    int failed;
};

/* Split an InclusiveNamespaces PrefixList into a NULL-terminated array (sb_xd_prefixes_free); NULL
 * list gives NULL. FORMAT when it has more than SB_XD_MAX_PREFIXES entries. */
enum sb_reason sb_xd_prefixes(const xmlChar *list, xmlChar ***out, struct sb_err *err) SB_MUST_USE;
void sb_xd_prefixes_free(xmlChar **p);

/* Canonicalize set of doc with alg (comments only when alg and set both allow them) into sink. FORMAT
 * (naming what) when libxml2 refuses the node-set, INPUT_TOO_LARGE when the buffer cap is hit. */
enum sb_reason sb_xd_c14n(xmlDocPtr doc, const struct sb_xd_nodeset *set, const struct sb_xd_c14n *alg,
                          xmlChar **prefixes, struct sb_xd_sink *sink, const char *what,
                          struct sb_err *err) SB_MUST_USE;

/* 1 if key's type suits alg (RSA or RSA-PSS keys for RSA methods, EC keys for ECDSA). */
int sb_xd_key_fits(EVP_PKEY *key, const struct sb_xd_sigalg *alg);
/* Verify sig (XML-DSig encoding: ECDSA raw r||s) over data with key. pss: parameters for PSS (NULL =
 * those implied by alg). SIG_CRYPTO when it does not verify. */
enum sb_reason sb_xd_verify(EVP_PKEY *key, const struct sb_xd_sigalg *alg, const struct sb_xd_pss *pss,
                            const unsigned char *data, size_t n, const unsigned char *sig, size_t sig_len,
                            struct sb_err *err) SB_MUST_USE;
/* Sign data with key under alg into *sig (OPENSSL_free), ECDSA as raw r||s. INTERNAL on failure. */
enum sb_reason sb_xd_sign(EVP_PKEY *key, const struct sb_xd_sigalg *alg, const unsigned char *data, size_t n,
                          unsigned char **sig, size_t *sig_len, struct sb_err *err) SB_MUST_USE;

#endif
