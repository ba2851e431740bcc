/*
 * gateway/daemon/rev_disk_cache.h — the revocation cache directory: CRLs and OCSP responses kept on disk so
 * that a restart of the daemon does not refetch everything, and so that `sigbridge revocation fetch` (cron)
 * can fill the cache the daemon reads. Pure file I/O: it stores opaque bytes under a key with an expiry the
 * caller gives (nextUpdate, or thisUpdate + the policy's maximum age) and never parses or trusts them —
 * every reader re-judges what it loads (pki/x509/revocation.h, ocsp.h), so a planted or damaged file is at
 * worst unusable.
 *
 * Layout (the directory and its two subdirectories are created mode 0700):
 *   DIR/crl/<SHA-256 hex of the key>.crl        key: the normalised CRL URL (fetch.h sbgw_fetch_allow_check)
 *   DIR/ocsp/<issuerKeyHash hex>-<serial hex>.ocsp   key: sbgw_rev_disk_ocsp_key()
 * Each file is a short text header followed by the DER bytes:
 *   "sigbridge-revocation-cache 1\nkind crl\nkey URL\nexpires UNIX\nstored UNIX\nlength N\nsha256 HEX\n\n" DER
 * (expires: when the entry stops being served; stored: when it was written; sha256 over the DER). A file
 * whose header, length, checksum, kind or name do not agree is damaged; damaged and expired files are
 * removed when met (get, scan), as are temporary files older than SBGW_REV_DISK_TMP_AGE_S.
 *
 * Writes go to a temporary file in the same subdirectory (named with the pid and a counter, created with
 * O_EXCL) and are renamed into place, so a reader (another process too: the daemon and the cron command
 * share the directory) sees the old entry or the new one, never a half-written file; fsync of the file and
 * the directory is optional. Files are opened with O_NOFOLLOW relative to the subdirectories' descriptors
 * (opened O_DIRECTORY | O_NOFOLLOW at open): a symbolic link in the cache is never followed (scan removes it),
 * and nothing is ever written outside the directory. Sizes are bounded: an entry's bytes by max_bytes
 * (refused on put, removed on read), the entries of each kind by max_entries (a put that takes a kind over
 * it prunes the least recently written entries; a scan keeps the newest max_entries).
 *
 * Threads: an opened cache is shared by any number of threads (the descriptors are read-only after open;
 * counters are atomic; the prune runs under a mutex). Ownership: sbgw_rev_disk_open returns a new object
 * (sbgw_rev_disk_close); get returns malloc'd bytes the caller frees; scan lends the bytes to the callback.
 * No global state.
 */
#ifndef SBGW_REV_DISK_CACHE_H
#define SBGW_REV_DISK_CACHE_H

#include <stddef.h>
#include <time.h>

#define SBGW_REV_DISK_KEY_MAX 2048                    /* bytes of a key (a CRL URL: SBGW_FETCH_URL_MAX) */
#define SBGW_REV_DISK_MAX_BYTES_DEFAULT (64u << 20)   /* largest entry (CRLs of big CAs run to megabytes) */
#define SBGW_REV_DISK_MAX_ENTRIES_DEFAULT 1024        /* entries per kind */
#define SBGW_REV_DISK_TMP_AGE_S 600                   /* temporary files older than this are leftovers */
#define SBGW_REV_DISK_OCSP_KEY_MAX (40 + 1 + 64 + 1)  /* "<40 hex>-<up to 64 hex>" and its NUL */

enum sbgw_rev_kind {
    SBGW_REV_CRL = 0,                   /* DIR/crl, key = normalised URL */
    SBGW_REV_OCSP,                      /* DIR/ocsp, key = sbgw_rev_disk_ocsp_key() */
    SBGW_REV__KINDS
};

/* "crl" / "ocsp" (metrics labels, file headers). */
const char *sbgw_rev_kind_name(enum sbgw_rev_kind k);

struct sbgw_rev_disk_opts {
    const char *dir;                    /* the cache directory (created 0700 with missing parents) */
    size_t max_bytes;                   /* largest entry; 0 = SBGW_REV_DISK_MAX_BYTES_DEFAULT */
    size_t max_entries;                 /* entries per kind; 0 = SBGW_REV_DISK_MAX_ENTRIES_DEFAULT */
    int fsync;                          /* 1: fsync each written file and its directory before and after the
                                         * rename (a power cut then keeps it); 0: the page cache decides */
};

struct sbgw_rev_disk_stats {
    unsigned long long loads[SBGW_REV__KINDS];     /* entries read and handed out (get hits, scan visits) */
    unsigned long long writes[SBGW_REV__KINDS];    /* entries written (renamed into place) */
    unsigned long long removed[SBGW_REV__KINDS];   /* expired, damaged, surplus or stray files removed */
    unsigned long long errors[SBGW_REV__KINDS];    /* failed writes and unreadable files */
};

struct sbgw_rev_disk;

/* Open (creating what is missing) the cache directory o->dir. Refused: a path that is not a directory, a
 * directory writable by group or others (someone else could fill it), a crl/ or ocsp/ that is a symbolic
 * link or not a directory. NULL with a message in err naming the path. */
struct sbgw_rev_disk *sbgw_rev_disk_open(const struct sbgw_rev_disk_opts *o, char *err, size_t errlen);
/* Close the descriptors and free d (the files stay). NULL is a no-op. */
void sbgw_rev_disk_close(struct sbgw_rev_disk *d);
/* The directory as given to open (borrowed). */
const char *sbgw_rev_disk_dir(const struct sbgw_rev_disk *d);

/* 1 if key is acceptable for kind: CRL keys are 1..SBGW_REV_DISK_KEY_MAX printable ASCII characters without
 * spaces; OCSP keys are 40 lower-case hex digits, '-', 1..64 lower-case hex digits. */
int sbgw_rev_disk_key_ok(enum sbgw_rev_kind kind, const char *key);
/* The OCSP key of (issuer key hash, serial) into out[len] (len >= SBGW_REV_DISK_OCSP_KEY_MAX): the SHA-1
 * issuerKeyHash (ikh_len 20) and the serial number's magnitude bytes as OpenSSL holds them
 * (ASN1_STRING_get0_data of X509_get0_serialNumber: big-endian, no sign byte), each in lower-case hex, leading
 * zero octets of the serial dropped ("00" for zero). 0, or -1 when ikh_len is not 20, the serial is longer
 * than 32 octets or out is too small. */
int sbgw_rev_disk_ocsp_key(const unsigned char *ikh, size_t ikh_len, const unsigned char *serial,
                           size_t serial_len, char *out, size_t len);

/* Store data[len] under (kind, key) until expires_at, replacing what was there (atomically: temp + rename).
 * 0 stored; -1 refused (bad key, empty or over max_bytes, expires_at <= now) or failed (the error counted;
 * the old entry, if any, is still whole). Blocks on file I/O: call it from a worker, the fetcher's callback
 * or the CLI, never from an event loop. */
int sbgw_rev_disk_put(struct sbgw_rev_disk *d, enum sbgw_rev_kind kind, const char *key, const unsigned char *data,
                      size_t len, time_t expires_at, time_t now);
/* 1 with a copy of (kind, key)'s bytes in *data (malloc'd, the caller frees it), *len and *expires_at (either
 * may be NULL) when a whole entry that has not expired at now is there; else 0 (*data NULL). An expired or
 * damaged file is removed. */
int sbgw_rev_disk_get(struct sbgw_rev_disk *d, enum sbgw_rev_kind kind, const char *key, time_t now,
                      unsigned char **data, size_t *len, time_t *expires_at);
/* Remove (kind, key)'s file; 0 removed or absent, -1 on another error. */
int sbgw_rev_disk_del(struct sbgw_rev_disk *d, enum sbgw_rev_kind kind, const char *key);

/* Called by scan for each whole, unexpired entry; the bytes are lent for the call. Return 0 to go on, non-0 to
 * stop the scan. */
typedef int (*sbgw_rev_disk_scan_fn)(void *arg, const char *key, const unsigned char *data, size_t len,
                                     time_t expires_at, time_t stored_at);
/* Visit the entries of kind, most recently written first, at most max_entries of them; remove expired,
 * damaged, surplus, stray (wrong name, symbolic links, not regular files) and leftover temporary files on
 * the way. fn may be NULL (a cleanup). Returns the number of entries passed to fn (or that would have
 * been), -1 when the subdirectory cannot be read. */
long sbgw_rev_disk_scan(struct sbgw_rev_disk *d, enum sbgw_rev_kind kind, time_t now, sbgw_rev_disk_scan_fn fn,
                        void *arg);

void sbgw_rev_disk_stats(const struct sbgw_rev_disk *d, struct sbgw_rev_disk_stats *out);

#endif
