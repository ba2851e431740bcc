/*
 * pki/base/digest.c — message digests fetched once per process (digest.h). The table is written once under
 * pthread_once and only read afterwards.
 */
#include "pki/base/digest.h"

#include <pthread.h>
#include <strings.h>

#include <openssl/err.h>

static const char *const md_names[SB_MD__COUNT] = { "SHA1", "SHA256", "SHA384", "SHA512", "SM3", "MD5" };
static EVP_MD *md_table[SB_MD__COUNT];
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void md_fetch_all(void)
{
    size_t i;

    for (i = 0; i < SB_MD__COUNT; i++) {
        md_table[i] = EVP_MD_fetch(NULL, md_names[i], NULL);   /* NULL: not provided (e.g. MD5 in FIPS) */
    }
    ERR_clear_error();
}

const EVP_MD *sb_md(enum sb_md_id id)
{
    if ((unsigned)id >= SB_MD__COUNT || pthread_once(&md_once, md_fetch_all) != 0) {
        return NULL;
    }
    return md_table[id];
}

const EVP_MD *sb_md_by_name(const char *name)
{
    size_t i;

    for (i = 0; name != NULL && i < SB_MD__COUNT; i++) {
        if (strcasecmp(md_names[i], name) == 0) {
            return sb_md((enum sb_md_id)i);
        }
    }
    return NULL;
}
