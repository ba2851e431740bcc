/*
 * pki/x509/names_local.h — what the name modules share (private to pki/x509).
 *
 * names_text.c: byte-string helpers and names as text for messages; names_syntax.c: syntax of names
 * and of NameConstraints; names_constraints.c: checking names against constraints; names_match.c: matching
 * an expected peer name and the web PKI leaf profile. All names are raw bytes with explicit lengths
 * (IA5String may hold NULs). Pure functions; thread-safe.
 */
#ifndef SB_NAMES_LOCAL_H
#define SB_NAMES_LOCAL_H

#include <stddef.h>

#include <openssl/x509v3.h>

#include "pki/x509/names.h"

#define SB_NAME_STR_MAX 160
#define SB_CERT_STR_MAX 160

#define SB_DNS_WILDCARD 0x1u /* "*" allowed as the whole leftmost label (presented identifiers) */
#define SB_DNS_EMPTY 0x2u    /* the empty string is allowed (a constraint covering every name) */

/* One name of a certificate, from its SAN or its subject, as checked against constraints. */
struct sb_nm {
    int type;                  /* GEN_* */
    const unsigned char *data; /* GEN_DNS, GEN_EMAIL, GEN_URI, GEN_IPADD; NULL if absent */
    size_t len;
    const X509_NAME *dn;       /* GEN_DIRNAME */
    const char *origin;        /* "subjectAltName", "subject emailAddress", ... */
};

/* 1 for an ASCII letter or digit. */
int sb_names_is_alnum(int c);
/* 1 if a and b are equal ignoring ASCII case. */
int sb_names_ieq(const unsigned char *a, size_t an, const unsigned char *b, size_t bn);
/* 1 if s ends with suf (ASCII case-insensitive). */
int sb_names_iends(const unsigned char *s, size_t n, const unsigned char *suf, size_t sn);
/* Index of the last c in s[0..n), or n if none. */
size_t sb_names_last(const unsigned char *s, size_t n, int c);
/* Printable copy of bytes for messages (non-printables become '?'). */
void sb_names_printable(const unsigned char *s, size_t n, char *buf, size_t sz);
/* The ASN.1 name of a GeneralName type ("dNSName"), "unknown" for others. */
const char *sb_names_gen_type(int type);
/* nm as text for messages: the name itself when printable, else "<type>". */
void sb_names_nm_str(const struct sb_nm *nm, char *buf, size_t sz);
/* Fill nm from a GeneralName (data stays borrowed from gen). */
void sb_names_nm_from_gen(const GENERAL_NAME *gen, const char *origin, struct sb_nm *nm);
/* A GeneralName as sb_names_nm_str writes it. */
void sb_names_gen_str(const GENERAL_NAME *gen, char *buf, size_t sz);
/* Host name syntax: labels of 1-63 letters, digits, hyphens, not starting or ending with '-', joined by
 * single dots, at most 253 octets; no trailing dot. Flags: SB_DNS_WILDCARD, SB_DNS_EMPTY. */
int sb_names_dns_syntax(const unsigned char *s, size_t n, unsigned flags);
/* 1 if s starts with the label "*." (a wildcard presented identifier). */
int sb_names_is_wildcard(const unsigned char *s, size_t n);
/* Number of dot-separated labels of s. */
size_t sb_names_label_count(const unsigned char *s, size_t n);
/* RFC 5321 Mailbox; *at receives the index of the '@' separating local part and domain. */
int sb_names_mailbox_split(const unsigned char *s, size_t n, size_t *at);
/* Host of a URI with an authority: 1 = DNS-style host at s[*off..*off+*len), 2 = IP-literal host,
 * 0 = no authority or no usable host. */
int sb_names_uri_host(const unsigned char *s, size_t n, size_t *off, size_t *len);
/* RFC 5280 §4.2.1.6 URI: absolute, printable ASCII, and a FQDN or IP host when it has an authority. */
int sb_names_uri_syntax(const unsigned char *s, size_t n);

#endif
