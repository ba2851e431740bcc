#include "pki/base/load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>

enum sb_reason sb_load_file(const char *path, size_t max, unsigned char **data, size_t *len, struct sb_err *err)
{
    FILE *f = NULL;
    struct stat st;
    unsigned char *buf = NULL;
    size_t n;
    enum sb_reason rc;

    *data = NULL;
    *len = 0;
    if ((f = fopen(path, "rb")) == NULL) {
        return sb_err_set(err, SB_R_INPUT_UNREADABLE, "%s: cannot open: %s", path, strerror(errno));
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = sb_err_set(err, SB_R_INPUT_UNREADABLE, "%s: not a regular file", path);
        goto err;
    }
    if ((size_t)st.st_size > max) {
        rc = sb_err_set(err, SB_R_INPUT_TOO_LARGE, "%s: %lld bytes is over the limit of %zu bytes", path,
                        (long long)st.st_size, max);
        goto err;
    }
    if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
        rc = sb_err_set(err, SB_R_INTERNAL, "%s: out of memory", path);
        goto err;
    }
    n = fread(buf, 1, (size_t)st.st_size, f);
    if (n != (size_t)st.st_size || ferror(f)) {
        rc = sb_err_set(err, SB_R_INPUT_UNREADABLE, "%s: read error", path);
        goto err;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    buf = NULL;
    rc = SB_OK;
err:
    free(buf);
    fclose(f);
    return rc;
}

static int looks_pem(const unsigned char *data, size_t len)
{
    const char *marker = "-----BEGIN ";
    size_t mlen = strlen(marker), i;

    for (i = 0; i + mlen <= len && i < 65536; i++) {
        if (memcmp(data + i, marker, mlen) == 0) {
            return 1;
        }
        if (data[i] == 0x30 && i == 0) {
            return 0; /* DER SEQUENCE */
        }
    }
    return 0;
}

enum obj_kind { KIND_CERT, KIND_CRL };

static const char *kind_name(enum obj_kind k)
{
    return k == KIND_CERT ? "certificate" : "CRL";
}

static int label_matches(enum obj_kind k, const char *label)
{
    if (k == KIND_CERT) {
        return strcmp(label, PEM_STRING_X509) == 0 || strcmp(label, PEM_STRING_X509_OLD) == 0 ||
               strcmp(label, PEM_STRING_X509_TRUSTED) == 0;
    }
    return strcmp(label, PEM_STRING_X509_CRL) == 0;
}

/* Decode one DER object of kind k from *p (advanced); NULL on failure. */
static void *d2i_kind(enum obj_kind k, const char *label, const unsigned char **p, long len)
{
    if (k == KIND_CERT) {
        if (label != NULL && strcmp(label, PEM_STRING_X509_TRUSTED) == 0) {
            return d2i_X509_AUX(NULL, p, len);
        }
        return d2i_X509(NULL, p, len);
    }
    return d2i_X509_CRL(NULL, p, len);
}

static int push_kind(enum obj_kind k, void *stack, void *obj)
{
    if (k == KIND_CERT) {
        return sk_X509_push((STACK_OF(X509) *)stack, (X509 *)obj) > 0;
    }
    return sk_X509_CRL_push((STACK_OF(X509_CRL) *)stack, (X509_CRL *)obj) > 0;
}

static void free_kind(enum obj_kind k, void *obj)
{
    if (k == KIND_CERT) {
        X509_free(obj);
    } else {
        X509_CRL_free(obj);
    }
}

static enum sb_reason parse_pem(enum obj_kind k, const unsigned char *data, size_t len, const char *name,
                                void *stack, struct sb_err *err)
{
    BIO *bio = NULL;
    char *label = NULL, *header = NULL;
    unsigned char *der = NULL;
    const unsigned char *p;
    long dlen = 0;
    int count = 0, skipped = 0;
    void *obj = NULL;
    enum sb_reason rc;
    unsigned long e;

    if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL) {
        return sb_err_openssl(err, SB_R_INTERNAL, "%s: out of memory", name);
    }
    for (;;) {
        ERR_clear_error();
        if (!PEM_read_bio(bio, &label, &header, &der, &dlen)) {
            e = ERR_peek_last_error();
            if (ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
                ERR_clear_error();
                break;
            }
            rc = sb_err_openssl(err, SB_R_INPUT_MALFORMED, "%s: PEM block %d is damaged (bad base64 or truncated)",
                                name, count + skipped + 1);
            goto err;
        }
        if (!label_matches(k, label)) {
            skipped++;
        } else {
            if (count >= SB_LOAD_MAX_OBJECTS) {
                rc = sb_err_set(err, SB_R_INPUT_TOO_LARGE, "%s: more than %d objects", name, SB_LOAD_MAX_OBJECTS);
                goto err;
            }
            p = der;
            obj = d2i_kind(k, label, &p, dlen);
            if (obj == NULL || p != der + dlen) {
                rc = sb_err_openssl(err, SB_R_INPUT_MALFORMED, "%s: PEM block %d (%s) does not hold a valid DER %s",
                                    name, count + skipped + 1, label, kind_name(k));
                goto err;
            }
            if (!push_kind(k, stack, obj)) {
                rc = sb_err_set(err, SB_R_INTERNAL, "%s: out of memory", name);
                goto err;
            }
            obj = NULL;
            count++;
        }
        OPENSSL_free(label);
        OPENSSL_free(header);
        OPENSSL_free(der);
        label = header = NULL;
        der = NULL;
    }
    if (count == 0) {
        rc = sb_err_set(err, SB_R_INPUT_MALFORMED, "%s: PEM input holds no %s", name, kind_name(k));
        goto err;
    }
    rc = SB_OK;
err:
    if (obj != NULL) {
        free_kind(k, obj);
    }
    OPENSSL_free(label);
    OPENSSL_free(header);
    OPENSSL_free(der);
    BIO_free(bio);
    return rc;
}

static enum sb_reason parse_der(enum obj_kind k, const unsigned char *data, size_t len, const char *name,
                                void *stack, struct sb_err *err)
{
    const unsigned char *p = data, *end = data + len;
    void *obj;
    int count = 0;

    if (len == 0) {
        return sb_err_set(err, SB_R_INPUT_MALFORMED, "%s: empty input", name);
    }
    while (p < end) {
        if (count >= SB_LOAD_MAX_OBJECTS) {
            return sb_err_set(err, SB_R_INPUT_TOO_LARGE, "%s: more than %d objects", name, SB_LOAD_MAX_OBJECTS);
        }
        ERR_clear_error();
        if (*p != 0x30) {
            return sb_err_set(err, SB_R_INPUT_MALFORMED, "%s: not PEM or DER (byte %ld is 0x%02x, not a SEQUENCE)",
                              name, (long)(p - data), *p);
        }
        obj = d2i_kind(k, NULL, &p, (long)(end - p));
        if (obj == NULL) {
            return sb_err_openssl(err, SB_R_INPUT_MALFORMED, "%s: DER %s %d is truncated or malformed", name,
                                  kind_name(k), count + 1);
        }
        if (!push_kind(k, stack, obj)) {
            free_kind(k, obj);
            return sb_err_set(err, SB_R_INTERNAL, "%s: out of memory", name);
        }
        count++;
    }
    return SB_OK;
}

static enum sb_reason load_kind(enum obj_kind k, const unsigned char *data, size_t len, const char *name,
                                void *stack, struct sb_err *err)
{
    if (looks_pem(data, len)) {
        return parse_pem(k, data, len, name, stack, err);
    }
    return parse_der(k, data, len, name, stack, err);
}

enum sb_reason sb_load_certs_mem(const unsigned char *data, size_t len, const char *name, STACK_OF(X509) **out,
                                 struct sb_err *err)
{
    if (*out == NULL && (*out = sk_X509_new_null()) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    return load_kind(KIND_CERT, data, len, name, *out, err);
}

enum sb_reason sb_load_certs(const char *path, STACK_OF(X509) **out, struct sb_err *err)
{
    unsigned char *data = NULL;
    size_t len = 0;
    enum sb_reason rc;

    if ((rc = sb_load_file(path, SB_LOAD_MAX_FILE, &data, &len, err)) != SB_OK) {
        return rc;
    }
    rc = sb_load_certs_mem(data, len, path, out, err);
    free(data);
    return rc;
}

enum sb_reason sb_load_crls(const char *path, STACK_OF(X509_CRL) **out, struct sb_err *err)
{
    unsigned char *data = NULL;
    size_t len = 0;
    enum sb_reason rc;

    if ((rc = sb_load_file(path, SB_LOAD_MAX_FILE, &data, &len, err)) != SB_OK) {
        return rc;
    }
    if (*out == NULL && (*out = sk_X509_CRL_new_null()) == NULL) {
        free(data);
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    rc = load_kind(KIND_CRL, data, len, path, *out, err);
    free(data);
    return rc;
}

enum sb_reason sb_load_key(const char *path, EVP_PKEY **out, struct sb_err *err)
{
    unsigned char *data = NULL;
    const unsigned char *p;
    size_t len = 0;
    BIO *bio = NULL;
    EVP_PKEY *key = NULL;
    enum sb_reason rc;

    *out = NULL;
    if ((rc = sb_load_file(path, 1u << 20, &data, &len, err)) != SB_OK) {
        return rc;
    }
    ERR_clear_error();
    if (looks_pem(data, len)) {
        if ((bio = BIO_new_mem_buf(data, (int)len)) != NULL) {
            key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
        }
    } else {
        p = data;
        key = d2i_AutoPrivateKey(NULL, &p, (long)len);
    }
    if (key == NULL) {
        rc = sb_err_openssl(err, SB_R_INPUT_MALFORMED, "%s: not a PEM or DER private key", path);
        goto err;
    }
    *out = key;
    rc = SB_OK;
err:
    BIO_free(bio);
    OPENSSL_cleanse(data, len);
    free(data);
    return rc;
}
