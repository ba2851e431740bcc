/*
 * tests/bench/bench_decode.c — what decoding one new certificate costs (`make bench-crypto`), never a test.
 *
 * For each certificate given, one thread, a fixed duration per row: OpenSSL's d2i_X509 (whose public-key
 * decoding in OpenSSL 3.0 builds a provider decoder chain for every key), sigbridge's sb_cert_d2i (the
 * certificate decoded without providers and the key built from its SubjectPublicKeyInfo:
 * pki/x509/cert_decode.h), and d2i_PUBKEY of the certificate's SubjectPublicKeyInfo alone (the key
 * decoder's share). Each decode is checked (a certificate with a usable key), and the decoded object freed.
 *
 * Usage: bench_decode [--seconds S] CERT.pem...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "pki/x509/cert_decode.h"

enum way { WAY_OPENSSL, WAY_SB, WAY_SPKI };

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One decode the given way; 0 when it did not give a certificate (or key) with a key. */
static int decode_once(enum way w, const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x;
    EVP_PKEY *k;
    int ok;

    if (w == WAY_SPKI) {
        k = d2i_PUBKEY(NULL, &p, (long)len);
        ok = k != NULL;
        EVP_PKEY_free(k);
        return ok;
    }
    x = w == WAY_SB ? sb_cert_d2i(der, len) : d2i_X509(NULL, &p, (long)len);
    ok = x != NULL && sb_cert_pubkey(x) != NULL;
    X509_free(x);
    return ok;
}

/* Decodes per second over secs; -1 on a failed decode. */
static double rate(enum way w, const unsigned char *der, size_t len, double secs)
{
    double t0 = now_s(), t;
    long n = 0;
    int i;

    do {
        for (i = 0; i < 64; i++, n++) {
            if (!decode_once(w, der, len)) {
                return -1.0;
            }
        }
        t = now_s() - t0;
    } while (t < secs);
    return (double)n / t;
}

int main(int argc, char **argv)
{
    double secs = 1.0, r[3];
    unsigned char *der = NULL, *spki = NULL;
    const char *key;
    int argi = 1, len, slen, w;
    FILE *f;
    X509 *x;

    if (argc > 2 && strcmp(argv[1], "--seconds") == 0) {
        secs = atof(argv[2]);
        argi = 3;
    }
    if (argi >= argc || !(secs > 0.0 && secs <= 60.0)) {
        fprintf(stderr, "usage: bench_decode [--seconds S] CERT.pem...\n");
        return 2;
    }
    printf("certificate decoding, 1 thread, %g s per row (%s)\n", secs, OpenSSL_version(OPENSSL_VERSION));
    printf("%-40s %-10s %12s %12s %12s %9s\n", "certificate", "key", "d2i_X509 us", "sb_cert us", "SPKI us",
           "speed-up");
    for (; argi < argc; argi++) {
        if ((f = fopen(argv[argi], "r")) == NULL || (x = PEM_read_X509(f, NULL, NULL, NULL)) == NULL) {
            fprintf(stderr, "bench_decode: cannot read %s\n", argv[argi]);
            if (f != NULL) {
                fclose(f);
            }
            return 1;
        }
        fclose(f);
        len = i2d_X509(x, &der);
        slen = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
        key = EVP_PKEY_get0_type_name(X509_get0_pubkey(x));
        for (w = 0; w < 3 && len > 0 && slen > 0; w++) {
            r[w] = w == WAY_SPKI ? rate(WAY_SPKI, spki, (size_t)slen, secs) : rate((enum way)w, der, (size_t)len, secs);
            if (r[w] <= 0.0) {
                fprintf(stderr, "bench_decode: %s: decode failed\n", argv[argi]);
                return 1;
            }
        }
        printf("%-40s %-10s %12.1f %12.1f %12.1f %8.1fx\n", argv[argi], key != NULL ? key : "?", 1e6 / r[0],
               1e6 / r[1], 1e6 / r[2], r[1] / r[0]);
        OPENSSL_free(der);
        OPENSSL_free(spki);
        der = spki = NULL;
        X509_free(x);
    }
    return 0;
}
