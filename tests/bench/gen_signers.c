/*
 * tests/bench/gen_signers.c — N distinct Macao ECDSA signers and one signed object each, for
 * `make bench-soak` (tests/bench/soak.py). Never a test.
 *
 * For i = 0..N-1: the demo Macao ECDSA leaf (PKI/mo/leaf-ec.pem) is the template: a certificate with its
 * version, issuer, validity and extensions, but a new P-256 key, serial SERIAL_BASE + i, subject CN
 * "bench signer i" (the other RDNs kept) and a fresh subjectKeyIdentifier, signed
 * (sha256WithRSAEncryption) by the Macao intermediate (PKI/mo/int.pem + int.key, RSA-2048).
 * Then a CMS SignedData over a fixed small document: content attached, SHA-256, signed attributes, the
 * leaf and the intermediate in certificates. Each object is written as a 4-byte big-endian length + DER
 * (the --bodies format of sbload). Every object validates under policies/mo.yaml.
 *
 * The RSA signature of each certificate dominates (~0.9 ms of ~1.3 ms per signer); THREADS threads
 * (default: the online cores) share the work in blocks of 256; blocks are written as they finish, so the
 * order in the file is not the index order. Progress goes to stderr.
 *
 * Speed: OpenSSL 3.0 is slow to move provider-native public keys into certificates (X509_dup and
 * X509_set_pubkey each go through the encoder/decoder, ~0.3 ms), so the certificate is built field by
 * field (no X509_dup) and the key is a legacy EC_KEY (deprecated API, hence OPENSSL_SUPPRESS_DEPRECATED),
 * whose SubjectPublicKeyInfo is encoded directly: ~0.05 ms instead of ~0.6 ms per signer.
 *
 * Usage: gen_signers [--threads T] PKI_DIR N OUTFILE
 */
#define OPENSSL_SUPPRESS_DEPRECATED   /* EC_KEY: see "Speed" above */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define BLOCK 256
/* Serial numbers of the bench signers: far above the demo PKI's (the intermediate issues from 0x2000, and
 * mo/int.crl revokes 0x2002), so no bench signer is ever "revoked" by a fixture's CRL entry. */
#define SERIAL_BASE 0x10000000

static const char doc[] = "sigbridge make bench-soak document\n";

struct gen {
    X509 *tmpl, *ica;
    EVP_PKEY *ikey;
    EVP_MD *sha256, *sha1;       /* fetched once, not per call */
    long n;
    FILE *out;
    pthread_mutex_t mu;          /* guards next, done, failed and out */
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

/* Sets x's subject to the template's with the CN replaced by "bench signer i" (same position). */
static int set_subject(X509 *x, const X509 *tmpl, long i)
{
    X509_NAME *nm = X509_NAME_dup(X509_get_subject_name(tmpl));
    char cn[64];
    int loc, ok = 0;

    if (nm == NULL) {
        return 0;
    }
    snprintf(cn, sizeof(cn), "bench signer %ld", i);
    loc = X509_NAME_get_index_by_NID(nm, NID_commonName, -1);
    if (loc >= 0) {
        X509_NAME_ENTRY_free(X509_NAME_delete_entry(nm, loc));
    }
    if (X509_NAME_add_entry_by_NID(nm, NID_commonName, MBSTRING_UTF8, (const unsigned char *)cn, -1, loc, 0) ==
            1 &&
        X509_set_subject_name(x, nm) == 1) {
        ok = 1;
    }
    X509_NAME_free(nm);
    return ok;
}

/* The template's extensions in order, its subjectKeyIdentifier replaced by the SHA-1 of x's new
 * subjectPublicKey BIT STRING (RFC 5280 §4.2.1.2 method 1, as `openssl x509` does). */
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
        EVP_Digest(pk, (size_t)pklen, md, &mdlen, sha1, NULL) != 1 ||
        ASN1_OCTET_STRING_set(os, md, (int)mdlen) != 1 ||
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

/* A new P-256 key as a legacy EC_KEY (see "Speed"). */
static EVP_PKEY *new_key(void)
{
    EC_KEY *ec = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
    EVP_PKEY *key = EVP_PKEY_new();

    if (ec == NULL || key == NULL || EC_KEY_generate_key(ec) != 1 || EVP_PKEY_assign_EC_KEY(key, ec) != 1) {
        EC_KEY_free(ec);
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}

/* The signed object of signer i, length-prefixed, appended to *buf (grown as needed); 1 on success. */
static int make_one(const struct gen *g, long i, unsigned char **buf, size_t *len, size_t *cap)
{
    const X509 *t = g->tmpl;
    X509 *x = X509_new();
    EVP_PKEY *key = new_key();
    STACK_OF(X509) *certs = sk_X509_new_null();
    BIO *data = BIO_new_mem_buf(doc, (int)strlen(doc));
    CMS_ContentInfo *cms = NULL;
    unsigned char *der = NULL;
    int dlen, ok = 0;

    if (x == NULL || key == NULL || certs == NULL || data == NULL ||
        X509_set_version(x, X509_get_version(t)) != 1 ||
        ASN1_INTEGER_set_int64(X509_get_serialNumber(x), (int64_t)SERIAL_BASE + i) != 1 ||
        X509_set_issuer_name(x, X509_get_issuer_name(t)) != 1 || X509_set1_notBefore(x, X509_get0_notBefore(t)) != 1 ||
        X509_set1_notAfter(x, X509_get0_notAfter(t)) != 1 || !set_subject(x, t, i) || X509_set_pubkey(x, key) != 1 ||
        !set_extensions(x, t, g->sha1) || X509_sign(x, g->ikey, g->sha256) <= 0 || sk_X509_push(certs, g->ica) <= 0) {
        goto out;
    }
    cms = CMS_sign(NULL, NULL, certs, NULL, CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP);
    if (cms == NULL || CMS_add1_signer(cms, x, key, g->sha256, CMS_BINARY | CMS_NOSMIMECAP) == NULL ||
        CMS_final(cms, data, NULL, CMS_BINARY) != 1 || (dlen = i2d_CMS_ContentInfo(cms, &der)) <= 0) {
        goto out;
    }
    if (*cap - *len < (size_t)dlen + 4) {
        size_t nc = (*cap + (size_t)dlen + 4) * 2;
        unsigned char *nb = realloc(*buf, nc);

        if (nb == NULL) {
            goto out;
        }
        *buf = nb;
        *cap = nc;
    }
    (*buf)[*len] = (unsigned char)((unsigned)dlen >> 24);
    (*buf)[*len + 1] = (unsigned char)((unsigned)dlen >> 16);
    (*buf)[*len + 2] = (unsigned char)((unsigned)dlen >> 8);
    (*buf)[*len + 3] = (unsigned char)dlen;
    memcpy(*buf + *len + 4, der, (size_t)dlen);
    *len += (size_t)dlen + 4;
    ok = 1;
out:
    if (!ok) {
        fprintf(stderr, "gen_signers: signer %ld failed:\n", i);
        ERR_print_errors_fp(stderr);
    }
    OPENSSL_free(der);
    CMS_ContentInfo_free(cms);
    BIO_free(data);
    sk_X509_free(certs);           /* the intermediate stays owned by g */
    EVP_PKEY_free(key);
    X509_free(x);
    return ok;
}

static void *worker(void *arg)
{
    struct gen *g = arg;
    unsigned char *buf = NULL;
    size_t cap = 0;
    for (;;) {
        long first, i, end;
        size_t len = 0;
        int ok = 1;

        pthread_mutex_lock(&g->mu);
        first = g->failed ? g->n : g->next;
        g->next = first + BLOCK < g->n ? first + BLOCK : g->n;
        end = g->next;
        pthread_mutex_unlock(&g->mu);
        if (first >= end) {
            break;
        }
        for (i = first; i < end && ok; i++) {
            ok = make_one(g, i, &buf, &len, &cap);
        }
        pthread_mutex_lock(&g->mu);
        if (!ok || fwrite(buf, 1, len, g->out) != len) {
            g->failed = 1;
        } else {
            long before = g->done;

            g->done += end - first;
            if (g->done / 10000 != before / 10000 || g->done == g->n) {
                fprintf(stderr, "gen_signers: %ld/%ld (%.1f s)\n", g->done, g->n, now_s() - g->t0);
            }
        }
        pthread_mutex_unlock(&g->mu);
    }
    free(buf);
    return NULL;
}

static void *read_pem(const char *dir, const char *name, int key)
{
    char path[4096];
    FILE *f;
    void *obj;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((f = fopen(path, "r")) == NULL) {
        fprintf(stderr, "gen_signers: cannot open %s\n", path);
        return NULL;
    }
    obj = key ? (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL) : (void *)PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (obj == NULL) {
        fprintf(stderr, "gen_signers: cannot read %s\n", path);
        ERR_print_errors_fp(stderr);
    }
    return obj;
}

int main(int argc, char **argv)
{
    struct gen g;
    pthread_t th[64];
    int threads = (int)sysconf(_SC_NPROCESSORS_ONLN), argi = 1, started = 0, created = 0, t, rc = 1;
    char *end = NULL;

    memset(&g, 0, sizeof(g));
    if (argc > 2 && strcmp(argv[1], "--threads") == 0) {
        threads = atoi(argv[2]);
        argi = 3;
    }
    if (argc - argi != 3 || (g.n = strtol(argv[argi + 1], &end, 10)) < 1 || *end != '\0') {
        fprintf(stderr, "usage: gen_signers [--threads T] PKI_DIR N OUTFILE\n");
        return 2;
    }
    if (threads < 1) {
        threads = 1;
    }
    if (threads > 64) {
        threads = 64;
    }
    pthread_mutex_init(&g.mu, NULL);
    g.tmpl = read_pem(argv[argi], "mo/leaf-ec.pem", 0);
    g.ica = read_pem(argv[argi], "mo/int.pem", 0);
    g.ikey = read_pem(argv[argi], "mo/int.key", 1);
    g.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    g.sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    if (g.tmpl == NULL || g.ica == NULL || g.ikey == NULL || g.sha256 == NULL || g.sha1 == NULL) {
        goto out;
    }
    if (X509_check_private_key(g.ica, g.ikey) != 1) {
        fprintf(stderr, "gen_signers: %s/mo/int.key is not the key of mo/int.pem\n", argv[argi]);
        goto out;
    }
    if ((g.out = fopen(argv[argi + 2], "wb")) == NULL) {
        fprintf(stderr, "gen_signers: cannot create %s\n", argv[argi + 2]);
        goto out;
    }
    created = 1;
    g.t0 = now_s();
    for (t = 0; t < threads; t++) {
        if (pthread_create(&th[t], NULL, worker, &g) != 0) {
            break;
        }
        started++;
    }
    for (t = 0; t < started; t++) {
        pthread_join(th[t], NULL);
    }
    if (started == 0 || g.failed || g.done != g.n) {
        fprintf(stderr, "gen_signers: failed after %ld of %ld signers\n", g.done, g.n);
        goto out;
    }
    if (fclose(g.out) != 0) {
        g.out = NULL;
        fprintf(stderr, "gen_signers: cannot write %s\n", argv[argi + 2]);
        goto out;
    }
    g.out = NULL;
    fprintf(stderr, "gen_signers: %ld signers in %.1f s with %d threads -> %s\n", g.n, now_s() - g.t0, started,
            argv[argi + 2]);
    rc = 0;
out:
    if (g.out != NULL) {
        fclose(g.out);
    }
    if (rc != 0 && created) {
        remove(argv[argi + 2]);
    }
    X509_free(g.tmpl);
    X509_free(g.ica);
    EVP_PKEY_free(g.ikey);
    EVP_MD_free(g.sha256);
    EVP_MD_free(g.sha1);
    pthread_mutex_destroy(&g.mu);
    return rc;
}
