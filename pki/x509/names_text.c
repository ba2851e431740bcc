/*
 * pki/x509/names_text.c — byte-string helpers of the name modules and names as text for messages.
 */
#include "pki/x509/names_local.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "pki/base/name_table.h"
#include "pki/x509/cert_format.h"

static int sb_lc(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

int sb_names_is_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int sb_names_ieq(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    size_t i;

    if (an != bn) {
        return 0;
    }
    for (i = 0; i < an; i++) {
        if (sb_lc(a[i]) != sb_lc(b[i])) {
            return 0;
        }
    }
    return 1;
}

/* 1 if s ends with suf (ASCII case-insensitive). */
int sb_names_iends(const unsigned char *s, size_t n, const unsigned char *suf, size_t sn)
{
    if (sn > n) {
        return 0;
    }
    return sb_names_ieq(s + n - sn, sn, suf, sn);
}

/* Index of the last c in s[0..n), or n if none. */
size_t sb_names_last(const unsigned char *s, size_t n, int c)
{
    size_t i;

    for (i = n; i > 0; i--) {
        if (s[i - 1] == c) {
            return i - 1;
        }
    }
    return n;
}

/* Printable copy of bytes for messages (non-printables become '?'). */
void sb_names_printable(const unsigned char *s, size_t n, char *buf, size_t sz)
{
    size_t i;

    if (sz == 0) {
        return;
    }
    for (i = 0; i < n && i + 1 < sz; i++) {
        buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
    }
    buf[i] = '\0';
}

static void sb_ip_str(const unsigned char *ip, size_t n, char *buf, size_t sz)
{
    char a[INET6_ADDRSTRLEN];
    char m[INET6_ADDRSTRLEN];

    if ((n == 4 || n == 16) && inet_ntop(n == 4 ? AF_INET : AF_INET6, ip, a, sizeof(a)) != NULL) {
        snprintf(buf, sz, "%s", a);
    } else if ((n == 8 || n == 32) && inet_ntop(n == 8 ? AF_INET : AF_INET6, ip, a, sizeof(a)) != NULL
               && inet_ntop(n == 8 ? AF_INET : AF_INET6, ip + n / 2, m, sizeof(m)) != NULL) {
        snprintf(buf, sz, "%s/%s", a, m);
    } else {
        snprintf(buf, sz, "<%zu-byte address>", n);
    }
}

const char *sb_names_gen_type(int type)
{
    static const struct sb_name_row names[] = {
        { GEN_OTHERNAME, "otherName" }, { GEN_EMAIL, "rfc822Name" }, { GEN_DNS, "dNSName" },
        { GEN_X400, "x400Address" }, { GEN_DIRNAME, "directoryName" }, { GEN_EDIPARTY, "ediPartyName" },
        { GEN_URI, "uniformResourceIdentifier" }, { GEN_IPADD, "iPAddress" }, { GEN_RID, "registeredID" },
    };

    return sb_name_of(SB_NAME_ROWS(names), type, "unknown");
}

void sb_names_nm_str(const struct sb_nm *nm, char *buf, size_t sz)
{
    switch (nm->type) {
    case GEN_DNS:
    case GEN_EMAIL:
    case GEN_URI:
        if (nm->data != NULL) {
            sb_names_printable(nm->data, nm->len, buf, sz);
            return;
        }
        break;
    case GEN_IPADD:
        if (nm->data != NULL) {
            sb_ip_str(nm->data, nm->len, buf, sz);
            return;
        }
        break;
    case GEN_DIRNAME:
        if (nm->dn != NULL) {
            sb_certfmt_name(nm->dn, buf, sz);
            if (buf[0] != '\0') {
                return;
            }
        }
        break;
    default:
        break;
    }
    snprintf(buf, sz, "<%s>", sb_names_gen_type(nm->type));
}

/* Fill nm from a GeneralName (data stays borrowed from gen). */
void sb_names_nm_from_gen(const GENERAL_NAME *gen, const char *origin, struct sb_nm *nm)
{
    const ASN1_STRING *s = NULL;

    memset(nm, 0, sizeof(*nm));
    nm->type = gen->type;
    nm->origin = origin;
    switch (gen->type) {
    case GEN_DNS:
        s = gen->d.dNSName;
        break;
    case GEN_EMAIL:
        s = gen->d.rfc822Name;
        break;
    case GEN_URI:
        s = gen->d.uniformResourceIdentifier;
        break;
    case GEN_IPADD:
        s = gen->d.iPAddress;
        break;
    case GEN_DIRNAME:
        nm->dn = gen->d.directoryName;
        break;
    default:
        break;
    }
    if (s != NULL) {
        nm->data = ASN1_STRING_get0_data(s);
        nm->len = (size_t)ASN1_STRING_length(s);
    }
}

void sb_names_gen_str(const GENERAL_NAME *gen, char *buf, size_t sz)
{
    struct sb_nm nm;

    sb_names_nm_from_gen(gen, "", &nm);
    sb_names_nm_str(&nm, buf, sz);
}
