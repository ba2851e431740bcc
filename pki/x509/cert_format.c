/*
 * pki/x509/cert_format.c — names, serials and fingerprints as text (cert_format.h).
 */
#include "pki/x509/cert_format.h"

#include <stdio.h>

#include <openssl/evp.h>

#include "pki/base/digest.h"
#include "pki/base/err.h"
#include "pki/base/hex.h"
#include "pki/x509/cert_decode.h"

void sb_certfmt_name(const X509_NAME *name, char *buf, size_t len)
{
    BIO *b = BIO_new(BIO_s_mem());
    int n = 0;

    buf[0] = '\0';
    if (b == NULL) {
        return;
    }
    if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        n = BIO_read(b, buf, (int)len - 1);
    }
    buf[n > 0 ? n : 0] = '\0';
    sb_utf8_sanitize(buf);
    BIO_free(b);
}

const char *sb_certfmt_subject(const X509 *x, char *buf, size_t len)
{
    sb_certfmt_name(X509_get_subject_name(x), buf, len);
    if (buf[0] == '\0') {
        snprintf(buf, len, "empty subject");
    }
    return buf;
}

void sb_certfmt_integer(const ASN1_INTEGER *ai, char *buf, size_t len)
{
    if (ASN1_STRING_type(ai) == V_ASN1_NEG_INTEGER && len > 1) {
        buf[0] = '-';
        buf++;
        len--;
    }
    sb_hex_encode(ASN1_STRING_get0_data(ai), (size_t)ASN1_STRING_length(ai), buf, len);
}

void sb_certfmt_serial(const X509 *x, char *buf, size_t len)
{
    sb_certfmt_integer(X509_get0_serialNumber(x), buf, len);
}

void sb_certfmt_sha256(const X509 *x, char *buf, size_t len)
{
    unsigned char md[32];

    buf[0] = '\0';
    if (sb_cert_sha256(x, md)) {
        sb_hex_encode(md, sizeof(md), buf, len);
    }
}

json_t *sb_certfmt_json(X509 *x)
{
    char subj[1024], iss[1024], serial[128], fp[80];

    sb_certfmt_name(X509_get_subject_name(x), subj, sizeof(subj));
    sb_certfmt_name(X509_get_issuer_name(x), iss, sizeof(iss));
    sb_certfmt_serial(x, serial, sizeof(serial));
    sb_certfmt_sha256(x, fp, sizeof(fp));
    return json_pack("{s:s, s:s, s:s, s:s}", "subject", subj, "issuer", iss, "serial", serial, "sha256", fp);
}
