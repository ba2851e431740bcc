/*
 * tests/bench/gen_distinct.c — the inputs of the "distinct signers" and "one signer, distinct content" rows
 * of `make bench` (tests/bench/bench.py). Never a test.
 *
 * ALG picks the demo PKI's intermediate and a leaf template:
 *   rsa    hk/int.pem + int.key (RSA)  issues RSA-2048 leaves   template hk/leaf.pem     CMS OIDs, SHA-256
 *   ecdsa  mo/int.pem + int.key (RSA)  issues P-256 leaves      template mo/leaf-ec.pem  CMS OIDs, SHA-256
 *   sm2    cn/int.pem + int.key (SM2)  issues SM2 leaves        template cn/leaf.pem     GM/T 0010 OIDs, SM3
 * Signer i = 0..N-1 has its own new key and a certificate built from the template (version, issuer,
 * validity, extensions; subject CN "bench ALG signer i of N"; a fresh subjectKeyIdentifier), serial
 * SERIAL_BASE + ALG's slot + i (far above the fixtures', so no fixture CRL revokes it), signed by the
 * intermediate: sha256WithRSAEncryption, or SM2-with-SM3 under the GM/T default ID 1234567812345678.
 * Then N x K requests: request r is signed by signer r % N over its own content "bench doc signer i
 * request j <16 random bytes in hex>" (j = r / N): a detached SignedData made by sigbridge's own signer
 * (sb_cms_sign: signed attributes, certificates = leaf + intermediate).
 *
 * Output, in request order:
 *   BODIES  sbload's --bodies format (4-byte big-endian length + bytes, repeated); each body is the
 *           gateway's JSON envelope {"signature": base64(DER), "content": base64(content)}
 *   PAIRS   for bench_bare --pairs: per request a length-prefixed DER SignedData, then the length-prefixed
 *           content
 * Every object validates under the jurisdiction's demo policy (hk, mo, cn).
 *
 * THREADS threads (default: the online cores) make the signers (RSA-2048 key generation dominates:
 * ~50-100 ms each), then the requests in blocks; the blocks are kept in memory and written in order.
 *
 * Usage: gen_distinct [--threads T] ALG PKI_DIR N K BODIES PAIRS
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki/cms/cms.h"
#include "pki/crypto/sm2.h"

#define SIGNER_BLOCK 8
#define REQ_BLOCK 256
/* Above the demo PKI's serials (from 0x1000) and gen_signers' (0x10000000 + i): one slot of 2^24 serials
 * per algorithm, and a separate one for N = 1 files, so two generated files never share an issuer+serial. */
#define SERIAL_BASE 0x20000000L
#define SERIAL_SLOT 0x01000000L

struct alg_spec {
    const char *name;
    const char *jur;             /* directory under PKI_DIR: int.pem, int.key */
    const char *tmpl;            /* leaf template under PKI_DIR */
    enum sb_cms_format format;
    int slot;
};

static const struct alg_spec specs[] = {
    { "rsa", "hk", "hk/leaf.pem", SB_CMS_FORMAT_CMS, 0 },
    { "ecdsa", "mo", "mo/leaf-ec.pem", SB_CMS_FORMAT_CMS, 1 },
    { "sm2", "cn", "cn/leaf.pem", SB_CMS_FORMAT_GMT0010, 2 },
};

struct signer {
    EVP_PKEY *key;
    X509 *cert;
};

struct buf {
    unsigned char *p;
    size_t len, cap;
};

struct block {
    struct buf bodies, pairs;
};

struct gen {
    const struct alg_spec *spec;
    X509 *tmpl, *ica;
    EVP_PKEY *ikey;
    EVP_MD *sha256, *sha1;       /* fetched once, not per call */
    STACK_OF(X509) *chain;       /* the intermediate, carried after each leaf */
    long n, k;
    struct signer *signers;      /* n entries */
    struct block *blocks;        /* ceil(n * k / REQ_BLOCK) entries */
    pthread_mutex_t mu;          /* guards phase, next, done and failed */
    int phase;                   /* 0: signers, 1: requests */
    long next, done;
    int failed;
    double t0;
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int buf_reserve(struct buf *b, size_t more)
{
    unsigned char *np;
    size_t nc;

    if (b->cap - b->len >= more) {
        return 1;
    }
    nc = (b->cap + more) * 2;
    if ((np = realloc(b->p, nc)) == NULL) {
        return 0;
    }
    b->p = np;
    b->cap = nc;
    return 1;
}

static int buf_add(struct buf *b, const void *p, size_t len)
{
    if (!buf_reserve(b, len)) {
        return 0;
    }
    memcpy(b->p + b->len, p, len);
    b->len += len;
    return 1;
}

static int buf_add_len(struct buf *b, size_t n)
{
    unsigned char be[4];

    be[0] = (unsigned char)(n >> 24);
    be[1] = (unsigned char)(n >> 16);
    be[2] = (unsigned char)(n >> 8);
    be[3] = (unsigned char)n;
    return buf_add(b, be, 4);
}

/* Appends base64(p[0..len)) without line breaks. */
static int buf_add_b64(struct buf *b, const unsigned char *p, size_t len)
{
    size_t out = 4 * ((len + 2) / 3);

    if (len > 0x3fffffff || !buf_reserve(b, out + 1)) {
        return 0;
    }
    if (EVP_EncodeBlock(b->p + b->len, p, (int)len) != (int)out) {
        return 0;
    }
    b->len += out;
    return 1;
}

/* Sets x's subject to the template's with the CN replaced (same position). */
static int set_subject(X509 *x, const X509 *tmpl, const char *cn)
{
    X509_NAME *nm = X509_NAME_dup(X509_get_subject_name(tmpl));
    int loc, ok = 0;

    if (nm == NULL) {
        return 0;
    }
    loc = X509_NAME_get_index_by_NID(nm, NID_commonName, -1);
    if (loc >= 0) {
        X509_NAME_ENTRY_free(X509_NAME_delete_entry(nm, loc));
    }
    if (X509_NAME_add_entry_by_NID(nm, NID_commonName, MBSTRING_UTF8, (const unsigned char *)cn, -1, loc, 0) == 1 &&
        X509_set_subject_name(x, nm) == 1) {
        ok = 1;
    }
    X509_NAME_free(nm);
    return ok;
}

/* The template's extensions in order, its subjectKeyIdentifier replaced by the SHA-1 of x's new
 * subjectPublicKey BIT STRING (RFC 5280 §4.2.1.2 method 1). */
static int set_extensions(X509 *x, const X509 *tmpl, const EVP_MD *sha1)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    const unsigned char *pk = NULL;
    int pklen = 0;
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ski = NULL;
    int k, ok = 0;

    if (os == NULL || X509_PUBKEY_get0_param(NULL, &pk, &pklen, NULL, X509_get_X509_PUBKEY(x)) != 1 ||
        EVP_Digest(pk, (size_t)pklen, md, &mdlen, sha1, NULL) != 1 || ASN1_OCTET_STRING_set(os, md, (int)mdlen) != 1 ||
        (ski = X509V3_EXT_i2d(NID_subject_key_identifier, 0, os)) == NULL) {
        goto out;
    }
    for (k = 0; k < X509_get_ext_count(tmpl); k++) {
        X509_EXTENSION *e = X509_get_ext(tmpl, k);

        if (OBJ_obj2nid(X509_EXTENSION_get_object(e)) == NID_subject_key_identifier) {
            e = ski;
        }
        if (X509_add_ext(x, e, -1) != 1) {       /* adds a copy */
            goto out;
        }
    }
    ok = 1;
out:
    X509_EXTENSION_free(ski);
    ASN1_OCTET_STRING_free(os);
    return ok;
}

/* The intermediate's signature on x: RSA with SHA-256, or SM2 with SM3 under the GM/T default ID. */
static int sign_cert(const struct gen *g, X509 *x)
{
    EVP_MD_CTX *mctx;
    EVP_PKEY_CTX *pctx = NULL;     /* owned by mctx */
    int ok;

    if (!sb_sm2_is_sm2_key(g->ikey)) {
        return X509_sign(x, g->ikey, g->sha256) > 0;
    }
    if ((mctx = EVP_MD_CTX_new()) == NULL) {
        return 0;
    }
    ok = EVP_DigestSignInit_ex(mctx, &pctx, "SM3", NULL, NULL, g->ikey, NULL) == 1 &&
         EVP_PKEY_CTX_set1_id(pctx, SB_SM2_DEFAULT_ID, (int)strlen(SB_SM2_DEFAULT_ID)) == 1 &&
         X509_sign_ctx(x, mctx) > 0;
    EVP_MD_CTX_free(mctx);
    return ok;
}

static EVP_PKEY *new_key(const struct alg_spec *spec)
{
    switch (spec->slot) {
    case 0:
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    case 1:
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    default:
        return EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    }
}

/* Key and certificate of signer i into g->signers[i]. */
static int make_signer(struct gen *g, long i)
{
    const X509 *t = g->tmpl;
    X509 *x = X509_new();
    EVP_PKEY *key = new_key(g->spec);
    long serial = SERIAL_BASE + (g->n == 1 ? 8 + g->spec->slot : g->spec->slot) * SERIAL_SLOT + i;
    char cn[96];

    snprintf(cn, sizeof(cn), "bench %s signer %ld of %ld", g->spec->name, i, g->n);
    if (x == NULL || key == NULL || X509_set_version(x, X509_get_version(t)) != 1 ||
        ASN1_INTEGER_set_int64(X509_get_serialNumber(x), (int64_t)serial) != 1 ||
        X509_set_issuer_name(x, X509_get_issuer_name(t)) != 1 || X509_set1_notBefore(x, X509_get0_notBefore(t)) != 1 ||
        X509_set1_notAfter(x, X509_get0_notAfter(t)) != 1 || !set_subject(x, t, cn) || X509_set_pubkey(x, key) != 1 ||
        !set_extensions(x, t, g->sha1) || !sign_cert(g, x)) {
        fprintf(stderr, "gen_distinct: signer %ld failed:\n", i);
        ERR_print_errors_fp(stderr);
        X509_free(x);
        EVP_PKEY_free(key);
        return 0;
    }
    g->signers[i].key = key;
    g->signers[i].cert = x;
    return 1;
}

/* Request r appended to block b: the JSON envelope to bodies, the (DER, content) pair to pairs. */
static int make_request(const struct gen *g, long r, struct block *b)
{
    const struct signer *s = &g->signers[r % g->n];
    unsigned char rnd[16], *der = NULL;
    char content[160];
    size_t dlen = 0, clen, at;
    struct sb_err err;
    int n, k, ok = 0;

    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        return 0;
    }
    n = snprintf(content, sizeof(content), "bench doc signer %ld request %ld ", r % g->n, r / g->n);
    for (k = 0; k < (int)sizeof(rnd); k++) {
        n += snprintf(content + n, sizeof(content) - (size_t)n, "%02x", rnd[k]);
    }
    clen = (size_t)n;
    if (sb_cms_sign(s->key, s->cert, g->chain, (const unsigned char *)content, clen, 1, g->spec->format, NULL, 0,
                    &der, &dlen, &err) != SB_OK) {
        fprintf(stderr, "gen_distinct: request %ld: %s\n", r, err.msg);
        return 0;
    }
    /* body: {"signature":"B64","content":"B64"} */
    if (!buf_add_len(&b->bodies, 0)) {
        goto out;
    }
    at = b->bodies.len;
    if (!buf_add(&b->bodies, "{\"signature\":\"", 14) || !buf_add_b64(&b->bodies, der, dlen) ||
        !buf_add(&b->bodies, "\",\"content\":\"", 13) ||
        !buf_add_b64(&b->bodies, (const unsigned char *)content, clen) || !buf_add(&b->bodies, "\"}", 2)) {
        goto out;
    }
    b->bodies.p[at - 4] = (unsigned char)((b->bodies.len - at) >> 24);
    b->bodies.p[at - 3] = (unsigned char)((b->bodies.len - at) >> 16);
    b->bodies.p[at - 2] = (unsigned char)((b->bodies.len - at) >> 8);
    b->bodies.p[at - 1] = (unsigned char)(b->bodies.len - at);
    ok = buf_add_len(&b->pairs, dlen) && buf_add(&b->pairs, der, dlen) && buf_add_len(&b->pairs, clen) &&
         buf_add(&b->pairs, content, clen);
out:
    OPENSSL_free(der);
    return ok;
}

static void *worker(void *arg)
{
    struct gen *g = arg;

    for (;;) {
        long first, end, i, total, step;
        int phase, ok = 1;

        pthread_mutex_lock(&g->mu);
        phase = g->phase;
        total = phase == 0 ? g->n : g->n * g->k;
        step = phase == 0 ? SIGNER_BLOCK : REQ_BLOCK;
        first = g->failed ? total : g->next;
        end = first + step < total ? first + step : total;
        g->next = end;
        pthread_mutex_unlock(&g->mu);
        if (first >= end) {
            break;
        }
        for (i = first; i < end && ok; i++) {
            ok = phase == 0 ? make_signer(g, i) : make_request(g, i, &g->blocks[first / REQ_BLOCK]);
        }
        pthread_mutex_lock(&g->mu);
        if (!ok) {
            g->failed = 1;
        } else {
            long before = g->done;

            g->done += end - first;
            if (g->done / 10000 != before / 10000 || g->done == total) {
                fprintf(stderr, "gen_distinct: %s %s %ld/%ld (%.1f s)\n", g->spec->name,
                        phase == 0 ? "signers" : "requests", g->done, total, now_s() - g->t0);
            }
        }
        pthread_mutex_unlock(&g->mu);
    }
    return NULL;
}

/* Runs the current phase on threads threads; 1 when all of it was made. */
static int run_phase(struct gen *g, int threads)
{
    pthread_t th[64];
    int t, started = 0;

    g->next = 0;
    g->done = 0;
    for (t = 0; t < threads; t++) {
        if (pthread_create(&th[t], NULL, worker, g) != 0) {
            break;
        }
        started++;
    }
    for (t = 0; t < started; t++) {
        pthread_join(th[t], NULL);
    }
    return started > 0 && !g->failed && g->done == (g->phase == 0 ? g->n : g->n * g->k);
}

static void *read_pem(const char *dir, const char *name, int key)
{
    char path[4096];
    FILE *f;
    void *obj;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((f = fopen(path, "r")) == NULL) {
        fprintf(stderr, "gen_distinct: cannot open %s\n", path);
        return NULL;
    }
    obj = key ? (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL) : (void *)PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (obj == NULL) {
        fprintf(stderr, "gen_distinct: cannot read %s\n", path);
        ERR_print_errors_fp(stderr);
    }
    return obj;
}

/* Writes the field (0: bodies, 1: pairs) of every block, in order, to path. */
static int write_blocks(const struct gen *g, long nblocks, int field, const char *path)
{
    FILE *f = fopen(path, "wb");
    long b;
    int ok = f != NULL;

    for (b = 0; ok && b < nblocks; b++) {
        const struct buf *x = field == 0 ? &g->blocks[b].bodies : &g->blocks[b].pairs;

        ok = fwrite(x->p, 1, x->len, f) == x->len;
    }
    if (f != NULL && fclose(f) != 0) {
        ok = 0;
    }
    if (!ok) {
        fprintf(stderr, "gen_distinct: cannot write %s\n", path);
        remove(path);
    }
    return ok;
}

static int parse_long(const char *s, long *out)
{
    char *end = NULL;

    *out = strtol(s, &end, 10);
    return *s != '\0' && *end == '\0' && *out >= 1 && *out <= 10000000;
}

int main(int argc, char **argv)
{
    struct gen g;
    int threads = (int)sysconf(_SC_NPROCESSORS_ONLN), argi = 1, rc = 1;
    long i, nblocks = 0;
    char path[4096];
    size_t s;

    memset(&g, 0, sizeof(g));
    if (argc > 2 && strcmp(argv[1], "--threads") == 0) {
        threads = atoi(argv[2]);
        argi = 3;
    }
    for (s = 0; s < sizeof(specs) / sizeof(specs[0]) && argc - argi == 6; s++) {
        if (strcmp(argv[argi], specs[s].name) == 0) {
            g.spec = &specs[s];
        }
    }
    if (g.spec == NULL || !parse_long(argv[argi + 2], &g.n) || !parse_long(argv[argi + 3], &g.k) ||
        g.n * g.k > 10000000) {
        fprintf(stderr, "usage: gen_distinct [--threads T] rsa|ecdsa|sm2 PKI_DIR N K BODIES PAIRS\n");
        return 2;
    }
    threads = threads < 1 ? 1 : threads > 64 ? 64 : threads;
    pthread_mutex_init(&g.mu, NULL);
    g.tmpl = read_pem(argv[argi + 1], g.spec->tmpl, 0);
    snprintf(path, sizeof(path), "%s/int.pem", g.spec->jur);
    g.ica = read_pem(argv[argi + 1], path, 0);
    snprintf(path, sizeof(path), "%s/int.key", g.spec->jur);
    g.ikey = read_pem(argv[argi + 1], path, 1);
    g.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    g.sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    g.chain = sk_X509_new_null();
    nblocks = (g.n * g.k + REQ_BLOCK - 1) / REQ_BLOCK;
    g.signers = calloc((size_t)g.n, sizeof(*g.signers));
    g.blocks = calloc((size_t)nblocks, sizeof(*g.blocks));
    if (g.tmpl == NULL || g.ica == NULL || g.ikey == NULL || g.sha256 == NULL || g.sha1 == NULL || g.chain == NULL ||
        g.signers == NULL || g.blocks == NULL || sk_X509_push(g.chain, g.ica) <= 0) {
        goto out;
    }
    if (X509_check_private_key(g.ica, g.ikey) != 1) {
        fprintf(stderr, "gen_distinct: %s/int.key is not the key of int.pem\n", g.spec->jur);
        goto out;
    }
    g.t0 = now_s();
    if (!run_phase(&g, threads)) {
        fprintf(stderr, "gen_distinct: failed after %ld of %ld signers\n", g.done, g.n);
        goto out;
    }
    g.phase = 1;
    if (!run_phase(&g, threads)) {
        fprintf(stderr, "gen_distinct: failed after %ld of %ld requests\n", g.done, g.n * g.k);
        goto out;
    }
    if (!write_blocks(&g, nblocks, 0, argv[argi + 4]) || !write_blocks(&g, nblocks, 1, argv[argi + 5])) {
        goto out;
    }
    fprintf(stderr, "gen_distinct: %s: %ld signers x %ld requests in %.1f s with %d threads -> %s, %s\n",
            g.spec->name, g.n, g.k, now_s() - g.t0, threads, argv[argi + 4], argv[argi + 5]);
    rc = 0;
out:
    for (i = 0; g.signers != NULL && i < g.n; i++) {
        EVP_PKEY_free(g.signers[i].key);
        X509_free(g.signers[i].cert);
    }
    for (i = 0; g.blocks != NULL && i < nblocks; i++) {
        free(g.blocks[i].bodies.p);
        free(g.blocks[i].pairs.p);
    }
    free(g.signers);
    free(g.blocks);
    sk_X509_free(g.chain);     /* the intermediate stays owned by g.ica */
    X509_free(g.tmpl);
    X509_free(g.ica);
    EVP_PKEY_free(g.ikey);
    EVP_MD_free(g.sha256);
    EVP_MD_free(g.sha1);
    pthread_mutex_destroy(&g.mu);
    return rc;
}
