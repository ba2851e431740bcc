/*
 * gateway/daemon/rev_disk_cache.c — the revocation cache directory (rev_disk_cache.h): file names from keys,
 * the entry header, atomic writes (O_EXCL temporary + renameat), reads that judge the header, length and
 * checksum, and the scan that visits the newest entries and removes what is expired, damaged or surplus.
 *
 * Ownership: struct sbgw_rev_disk owns its directory descriptors and the copy of the path; read buffers are
 * malloc'd per call and either handed to the caller (get) or freed here.
 */
#include "gateway/daemon/rev_disk_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#define MAGIC "sigbridge-revocation-cache 1\n"
#define HEADER_MAX (SBGW_REV_DISK_KEY_MAX + 512)
#define NAME_MAX_LEN 128

struct sbgw_rev_disk {
    char *dir;                          /* owned: as given */
    int top;                            /* the directory */
    int dfd[SBGW_REV__KINDS];           /* crl/, ocsp/ */
    size_t max_bytes, max_entries;
    int fsync;
    pthread_mutex_t scan_mu;            /* one scan (or prune) at a time in this process */
    long files[SBGW_REV__KINDS];        /* atomic: entries believed present (for the prune on put) */
    unsigned long long seq;             /* atomic: temporary file names */
    struct sbgw_rev_disk_stats st;      /* atomic counters */
};

static const char *const kind_names[SBGW_REV__KINDS] = { "crl", "ocsp" };
static const char *const kind_ext[SBGW_REV__KINDS] = { ".crl", ".ocsp" };

const char *sbgw_rev_kind_name(enum sbgw_rev_kind k)
{
    return (unsigned)k < SBGW_REV__KINDS ? kind_names[k] : "?";
}

static void count(unsigned long long *c)
{
    __atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

static int is_lhex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int sbgw_rev_disk_key_ok(enum sbgw_rev_kind kind, const char *key)
{
    size_t i, n;

    if (key == NULL || (n = strlen(key)) == 0) {
        return 0;
    }
    if (kind == SBGW_REV_CRL) {
        if (n > SBGW_REV_DISK_KEY_MAX) {
            return 0;
        }
        for (i = 0; i < n; i++) {
            if (key[i] <= 0x20 || key[i] >= 0x7f) {
                return 0;
            }
        }
        return 1;
    }
    if (kind != SBGW_REV_OCSP || n < 42 || n > 40 + 1 + 64 || key[40] != '-') {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (i != 40 && !is_lhex(key[i])) {
            return 0;
        }
    }
    return 1;
}

int sbgw_rev_disk_ocsp_key(const unsigned char *ikh, size_t ikh_len, const unsigned char *serial,
                           size_t serial_len, char *out, size_t len)
{
    static const char hx[] = "0123456789abcdef";
    size_t i, o = 0;

    while (serial_len > 0 && serial[0] == 0) {          /* leading zero octets: one spelling per number */
        serial++;
        serial_len--;
    }
    if (ikh == NULL || ikh_len != 20 || serial_len > 32 || (serial_len > 0 && serial == NULL) || out == NULL ||
        len < SBGW_REV_DISK_OCSP_KEY_MAX) {
        return -1;
    }
    for (i = 0; i < ikh_len; i++) {
        out[o++] = hx[ikh[i] >> 4];
        out[o++] = hx[ikh[i] & 15];
    }
    out[o++] = '-';
    if (serial_len == 0) {
        out[o++] = '0';
        out[o++] = '0';
    }
    for (i = 0; i < serial_len; i++) {
        out[o++] = hx[serial[i] >> 4];
        out[o++] = hx[serial[i] & 15];
    }
    out[o] = '\0';
    return 0;
}

static void sha256_hex(const unsigned char *d, size_t n, char out[65])
{
    static const char hx[] = "0123456789abcdef";
    unsigned char md[32];
    unsigned int mdlen = 0;
    size_t i;

    if (EVP_Digest(d, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
        memset(md, 0, sizeof(md));          /* cannot happen; a zero hash matches no file */
    }
    for (i = 0; i < 32; i++) {
        out[2 * i] = hx[md[i] >> 4];
        out[2 * i + 1] = hx[md[i] & 15];
    }
    out[64] = '\0';
}

/* The file name of (kind, key) into out[NAME_MAX_LEN]; the key must be ok. */
static void file_name(enum sbgw_rev_kind kind, const char *key, char *out)
{
    char h[65];

    if (kind == SBGW_REV_CRL) {
        sha256_hex((const unsigned char *)key, strlen(key), h);
        snprintf(out, NAME_MAX_LEN, "%s%s", h, kind_ext[kind]);
    } else {
        snprintf(out, NAME_MAX_LEN, "%s%s", key, kind_ext[kind]);
    }
}

/* 1 if name looks like an entry of kind (not whether its content agrees). */
static int entry_name_ok(enum sbgw_rev_kind kind, const char *name)
{
    size_t n = strlen(name), e = strlen(kind_ext[kind]), i;
    char stem[NAME_MAX_LEN];

    if (n <= e || n - e >= sizeof(stem) || strcmp(name + n - e, kind_ext[kind]) != 0) {
        return 0;
    }
    memcpy(stem, name, n - e);
    stem[n - e] = '\0';
    if (kind == SBGW_REV_OCSP) {
        return sbgw_rev_disk_key_ok(SBGW_REV_OCSP, stem);
    }
    if (n - e != 64) {
        return 0;
    }
    for (i = 0; i < 64; i++) {
        if (!is_lhex(stem[i])) {
            return 0;
        }
    }
    return 1;
}

/* ---- open / close ---------------------------------------------------------------------------------- */

/* mkdir -p with mode 0700 for what is created. */
static int mkdir_p(const char *path, char *err, size_t errlen)
{
    char *p = strdup(path), *s;

    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (s = p + 1; *s != '\0'; s++) {
        if (*s != '/') {
            continue;
        }
        *s = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create %s: %s", p, strerror(errno));
            free(p);
            return -1;
        }
        *s = '/';
    }
    if (mkdir(p, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", p, strerror(errno));
        free(p);
        return -1;
    }
    free(p);
    return 0;
}

/* The directory fd is a directory nobody else may write into; 0, or -1 with err. */
static int dir_check(int fd, const char *what, char *err, size_t errlen)
{
    struct stat st;

    if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is not a directory", what);
        return -1;
    }
    if ((st.st_mode & 022) != 0) {
        snprintf(err, errlen, "%s is writable by group or others (chmod 700 it)", what);
        return -1;
    }
    return 0;
}

/* Entries in the subdirectory of kind, by name. */
static long count_files(struct sbgw_rev_disk *d, enum sbgw_rev_kind kind)
{
    struct dirent *de;
    DIR *dp;
    long n = 0;
    int fd = openat(d->dfd[kind], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0 || (dp = fdopendir(fd)) == NULL) {
        if (fd >= 0) {
            close(fd);
        }
        return 0;
    }
    while ((de = readdir(dp)) != NULL) {
        n += entry_name_ok(kind, de->d_name);
    }
    closedir(dp);
    return n;
}

struct sbgw_rev_disk *sbgw_rev_disk_open(const struct sbgw_rev_disk_opts *o, char *err, size_t errlen)
{
    struct sbgw_rev_disk *d;
    char what[600];
    int k;

    if (o == NULL || o->dir == NULL || o->dir[0] == '\0') {
        snprintf(err, errlen, "no cache directory given");
        return NULL;
    }
    if ((d = calloc(1, sizeof(*d))) == NULL || (d->dir = strdup(o->dir)) == NULL) {
        snprintf(err, errlen, "out of memory");
        free(d);
        return NULL;
    }
    d->top = d->dfd[0] = d->dfd[1] = -1;
    d->max_bytes = o->max_bytes > 0 ? o->max_bytes : SBGW_REV_DISK_MAX_BYTES_DEFAULT;
    d->max_entries = o->max_entries > 0 ? o->max_entries : SBGW_REV_DISK_MAX_ENTRIES_DEFAULT;
    d->fsync = o->fsync;
    if (pthread_mutex_init(&d->scan_mu, NULL) != 0) {
        snprintf(err, errlen, "out of memory");
        free(d->dir);
        free(d);
        return NULL;
    }
    if (mkdir_p(o->dir, err, errlen) != 0) {
        goto fail;
    }
    if ((d->top = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        snprintf(err, errlen, "cannot open %s: %s", o->dir, strerror(errno));
        goto fail;
    }
    if (dir_check(d->top, o->dir, err, errlen) != 0) {
        goto fail;
    }
    for (k = 0; k < SBGW_REV__KINDS; k++) {
        snprintf(what, sizeof(what), "%s/%s", o->dir, kind_names[k]);
        if (mkdirat(d->top, kind_names[k], 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create %s: %s", what, strerror(errno));
            goto fail;
        }
        if ((d->dfd[k] = openat(d->top, kind_names[k], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
            snprintf(err, errlen, "cannot open %s: %s", what,
                     errno == ELOOP || errno == ENOTDIR ? "a symbolic link or not a directory" : strerror(errno));
            goto fail;
        }
        if (dir_check(d->dfd[k], what, err, errlen) != 0) {
            goto fail;
        }
        d->files[k] = count_files(d, (enum sbgw_rev_kind)k);
    }
    return d;
fail:
    sbgw_rev_disk_close(d);
    return NULL;
}

void sbgw_rev_disk_close(struct sbgw_rev_disk *d)
{
    int k;

    if (d == NULL) {
        return;
    }
    for (k = 0; k < SBGW_REV__KINDS; k++) {
        if (d->dfd[k] >= 0) {
            close(d->dfd[k]);
        }
    }
    if (d->top >= 0) {
        close(d->top);
    }
    pthread_mutex_destroy(&d->scan_mu);
    free(d->dir);
    free(d);
}

const char *sbgw_rev_disk_dir(const struct sbgw_rev_disk *d)
{
    return d->dir;
}

void sbgw_rev_disk_stats(const struct sbgw_rev_disk *d, struct sbgw_rev_disk_stats *out)
{
    int k;

    for (k = 0; k < SBGW_REV__KINDS; k++) {
        out->loads[k] = __atomic_load_n(&d->st.loads[k], __ATOMIC_RELAXED);
        out->writes[k] = __atomic_load_n(&d->st.writes[k], __ATOMIC_RELAXED);
        out->removed[k] = __atomic_load_n(&d->st.removed[k], __ATOMIC_RELAXED);
        out->errors[k] = __atomic_load_n(&d->st.errors[k], __ATOMIC_RELAXED);
    }
}

/* ---- reading one entry ------------------------------------------------------------------------------ */

enum rd { RD_OK = 0, RD_MISSING, RD_EXPIRED, RD_DAMAGED, RD_ERROR };

struct entry {
    char key[SBGW_REV_DISK_KEY_MAX + 1];
    time_t expires, stored;
    unsigned char *buf;                 /* owned: the whole file (or its head) */
    const unsigned char *data;          /* into buf */
    size_t len;
    ino_t ino;                          /* of the file read: removal only removes that file */
};

/* "NAME VALUE\n" at *p (before end): VALUE into out[outlen] and *p past the line; 0 when it is not there. */
static int field(const unsigned char **p, const unsigned char *end, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name), i;
    const unsigned char *s = *p;

    if ((size_t)(end - s) < nl + 1 || memcmp(s, name, nl) != 0 || s[nl] != ' ') {
        return 0;
    }
    s += nl + 1;
    for (i = 0; s + i < end && s[i] != '\n'; i++) {
        if (i + 1 >= outlen || s[i] < 0x20 || s[i] >= 0x7f) {
            return 0;
        }
        out[i] = (char)s[i];
    }
    if (s + i >= end || i == 0) {
        return 0;
    }
    out[i] = '\0';
    *p = s + i + 1;
    return 1;
}

static int num_field(const unsigned char **p, const unsigned char *end, const char *name, long long *v)
{
    char t[24], *e;

    if (!field(p, end, name, t, sizeof(t)) || t[0] < '0' || t[0] > '9') {
        return 0;
    }
    errno = 0;
    *v = strtoll(t, &e, 10);
    return *e == '\0' && errno == 0 && *v >= 0;
}

/* Read kind's file name (expected key: want_key, or NULL = any that names the file) into e. want_data 0:
 * only the header is read and the length checked against the file size (no checksum). */
static enum rd read_entry(struct sbgw_rev_disk *d, enum sbgw_rev_kind kind, const char *name, const char *want_key,
                          time_t now, int want_data, struct entry *e)
{
    const unsigned char *p, *end;
    char kind_s[16], sha[72], h[65], expect[NAME_MAX_LEN];
    long long expires, stored, length;
    struct stat st;
    size_t size, got = 0;
    ssize_t r;
    int fd;

    memset(e, 0, sizeof(*e));
    if ((fd = openat(d->dfd[kind], name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0) {
        if (errno == ELOOP && fstatat(d->dfd[kind], name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            e->ino = st.st_ino;             /* a symbolic link: damaged, removed, never followed */
            return RD_DAMAGED;
        }
        return errno == ENOENT ? RD_MISSING : RD_ERROR;
    }
    if (fstat(fd, &st) != 0) {
        close(fd);
        return RD_ERROR;
    }
    e->ino = st.st_ino;
    if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(MAGIC) ||
        (unsigned long long)st.st_size > (unsigned long long)HEADER_MAX + d->max_bytes) {
        close(fd);
        return RD_DAMAGED;
    }
    size = want_data ? (size_t)st.st_size : ((size_t)st.st_size < HEADER_MAX ? (size_t)st.st_size : HEADER_MAX);
    if ((e->buf = malloc(size)) == NULL) {
        close(fd);
        return RD_ERROR;
    }
    while (got < size && ((r = read(fd, e->buf + got, size - got)) > 0 || (r < 0 && errno == EINTR))) {
        got += r > 0 ? (size_t)r : 0;
    }
    close(fd);
    if (got != size) {
        goto damaged;
    }
    p = e->buf;
    end = e->buf + size;
    if (memcmp(p, MAGIC, sizeof(MAGIC) - 1) != 0) {
        goto damaged;
    }
    p += sizeof(MAGIC) - 1;
    if (!field(&p, end, "kind", kind_s, sizeof(kind_s)) || strcmp(kind_s, kind_names[kind]) != 0 ||
        !field(&p, end, "key", e->key, sizeof(e->key)) || !sbgw_rev_disk_key_ok(kind, e->key) ||
        !num_field(&p, end, "expires", &expires) || !num_field(&p, end, "stored", &stored) ||
        !num_field(&p, end, "length", &length) || !field(&p, end, "sha256", sha, sizeof(sha)) || strlen(sha) != 64 ||
        p >= end || *p != '\n') {
        goto damaged;
    }
    p++;
    file_name(kind, e->key, expect);
    if (strcmp(expect, name) != 0 || (want_key != NULL && strcmp(want_key, e->key) != 0) || length <= 0 ||
        (unsigned long long)length > d->max_bytes ||
        (unsigned long long)st.st_size != (unsigned long long)(p - e->buf) + (unsigned long long)length) {
        goto damaged;
    }
    e->expires = (time_t)expires;
    e->stored = (time_t)stored;
    e->len = (size_t)length;
    if (want_data) {
        e->data = p;
        sha256_hex(e->data, e->len, h);
        if (strcmp(h, sha) != 0) {
            goto damaged;
        }
    }
    return e->expires <= now ? RD_EXPIRED : RD_OK;
damaged:
    free(e->buf);
    e->buf = NULL;
    return RD_DAMAGED;
}

/* Remove kind's file name if it is still the file e read (a writer may have renamed a new one into place). */
static void remove_entry(struct sbgw_rev_disk *d, enum sbgw_rev_kind kind, const char *name, ino_t ino)
{
    struct stat st;

    if (fstatat(d->dfd[kind], name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_ino == ino &&
        !S_ISDIR(st.st_mode) && unlinkat(d->dfd[kind], name, 0) == 0) {
        count(&d->st.removed[kind]);
        if (entry_name_ok(kind, name)) {
            __atomic_sub_fetch(&d->files[kind], 1, __ATOMIC_RELAXED);
        }
    }
}

int sbgw_rev_disk_get(struct sbgw_rev_disk *d, enum sbgw_rev_kind kind, const char *key, time_t now,
                      unsigned char **data, size_t *len, time_t *expires_at)
{
    char name[NAME_MAX_LEN];
    struct entry e;
    enum rd rc;

    *data = NULL;
    if (d == NULL || (unsigned)kind >= SBGW_REV__KINDS || !sbgw_rev_disk_key_ok(kind, key)) {
        return 0;
    }
    file_name(kind, key, name);
    rc = read_entry(d, kind, name, key, now, 1, &e);
    if (rc == RD_EXPIRED || rc == RD_DAMAGED) {
        remove_entry(d, kind, name, e.ino);
    }
    if (rc == RD_ERROR) {
        count(&d->st.errors[kind]);
    }
    if (rc != RD_OK) {
        free(e.buf);
        return 0;
    }
    memmove(e.buf, e.data, e.len);      /* the caller gets the bytes alone */
    *data = e.buf;
    if (len != NULL) {
        *len = e.len;
    }
    if (expires_at != NULL) {
        *expires_at = e.expires;
    }
    count(&d->st.loads[kind]);
    return 1;
}

int sbgw_rev_disk_del(struct sbgw_rev_disk *d, enum sbgw_rev_kind kind, const char *key)
{
    char name[NAME_MAX_LEN];

    if (d == NULL || (unsigned)kind >= SBGW_REV__KINDS || !sbgw_rev_disk_key_ok(kind, key)) {
        return -1;
    }
    file_name(kind, key, name);
    if (unlinkat(d->dfd[kind], name, 0) != 0) {
        return errno == ENOENT ? 0 : -1;
    }
    count(&d->st.removed[kind]);
    __atomic_sub_fetch(&d->files[kind], 1, __ATOMIC_RELAXED);
    return 0;
}

/* ---- writing ---------------------------------------------------------------------------------------- */

static int write_all(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    ssize_t w;

    while (n > 0) {
        if ((w = write(fd, p, n)) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int sbgw_rev_disk_put(struct sbgw_rev_disk *d, enum sbgw_rev_kind kind, const char *key, const unsigned char *data,
                      size_t len, time_t expires_at, time_t now)
{
    char name[NAME_MAX_LEN], tmp[64], sha[65];
    char *head = NULL;
    struct stat st;
    int fd = -1, hl, existed;

    if (d == NULL || (unsigned)kind >= SBGW_REV__KINDS || !sbgw_rev_disk_key_ok(kind, key) || data == NULL ||
        len == 0 || len > d->max_bytes || expires_at <= now) {
        return -1;
    }
    file_name(kind, key, name);
    sha256_hex(data, len, sha);
    if ((head = malloc(HEADER_MAX)) == NULL) {
        goto fail;
    }
    hl = snprintf(head, HEADER_MAX, MAGIC "kind %s\nkey %s\nexpires %lld\nstored %lld\nlength %zu\nsha256 %s\n\n",
                  kind_names[kind], key, (long long)expires_at, (long long)now, len, sha);
    if (hl <= 0 || hl >= HEADER_MAX) {
        goto fail;
    }
    snprintf(tmp, sizeof(tmp), ".tmp-%ld-%llu", (long)getpid(), __atomic_add_fetch(&d->seq, 1, __ATOMIC_RELAXED));
    if ((fd = openat(d->dfd[kind], tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
        goto fail;
    }
    if (write_all(fd, head, (size_t)hl) != 0 || write_all(fd, data, len) != 0 || (d->fsync && fsync(fd) != 0)) {
        goto fail_unlink;
    }
    if (close(fd) != 0) {
        fd = -1;
        goto fail_unlink;
    }
    fd = -1;
    existed = fstatat(d->dfd[kind], name, &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (renameat(d->dfd[kind], tmp, d->dfd[kind], name) != 0) {
        goto fail_unlink;
    }
    if (d->fsync) {
        (void)fsync(d->dfd[kind]);
    }
    free(head);
    count(&d->st.writes[kind]);
    if (!existed && (size_t)__atomic_add_fetch(&d->files[kind], 1, __ATOMIC_RELAXED) > d->max_entries) {
        (void)sbgw_rev_disk_scan(d, kind, now, NULL, NULL);        /* the least recently written go */
    }
    return 0;
fail_unlink:
    if (fd >= 0) {
        close(fd);
    }
    (void)unlinkat(d->dfd[kind], tmp, 0);
fail:
    free(head);
    count(&d->st.errors[kind]);
    return -1;
}

/* ---- scan ------------------------------------------------------------------------------------------- */

struct cand {
    char name[NAME_MAX_LEN];
    time_t mtime;
    long mtime_ns;
};

static int newer(const struct cand *a, const struct cand *b)
{
    return a->mtime != b->mtime ? a->mtime > b->mtime : a->mtime_ns > b->mtime_ns;
}

static int cmp_newest(const void *x, const void *y)
{
    const struct cand *a = x, *b = y;

    return newer(a, b) ? -1 : newer(b, a) ? 1 : strcmp(a->name, b->name);
}

/* Keep the newest max entries in v (n of them so far); what falls out is removed as surplus. */
static void keep_newest(struct sbgw_rev_disk *d, enum sbgw_rev_kind kind, struct cand *v, size_t *n,
                        size_t *oldest, const struct cand *c, ino_t ino)
{
    size_t i;

    if (*n < d->max_entries) {
        v[(*n)++] = *c;
        if (*n == 1 || newer(&v[*oldest], c)) {
            *oldest = *n - 1;
        }
        return;
    }
    if (!newer(c, &v[*oldest])) {
        remove_entry(d, kind, c->name, ino);
        return;
    }
    {
        struct stat st;

        if (fstatat(d->dfd[kind], v[*oldest].name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            remove_entry(d, kind, v[*oldest].name, st.st_ino);
        }
    }
    v[*oldest] = *c;
    for (i = 0; i < *n; i++) {
        if (newer(&v[*oldest], &v[i])) {
            *oldest = i;
        }
    }
}

long sbgw_rev_disk_scan(struct sbgw_rev_disk *d, enum sbgw_rev_kind kind, time_t now, sbgw_rev_disk_scan_fn fn,
                        void *arg)
{
    struct cand *v = NULL, c;
    struct dirent *de;
    struct stat st;
    struct entry e;
    size_t n = 0, oldest = 0, i;
    long visited = 0, kept = 0;
    DIR *dp = NULL;
    int fd, stop = 0;

    if (d == NULL || (unsigned)kind >= SBGW_REV__KINDS) {
        return -1;
    }
    pthread_mutex_lock(&d->scan_mu);
    if ((v = calloc(d->max_entries, sizeof(*v))) == NULL ||
        (fd = openat(d->dfd[kind], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        goto fail;
    }
    if ((dp = fdopendir(fd)) == NULL) {
        close(fd);
        goto fail;
    }
    while ((de = readdir(dp)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            fstatat(d->dfd[kind], de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            continue;
        }
        if (S_ISLNK(st.st_mode)) {                  /* never followed: removed */
            remove_entry(d, kind, de->d_name, st.st_ino);
            continue;
        }
        if (strncmp(de->d_name, ".tmp-", 5) == 0) {  /* a write that never finished */
            if (S_ISREG(st.st_mode) && st.st_mtime + SBGW_REV_DISK_TMP_AGE_S < now) {
                remove_entry(d, kind, de->d_name, st.st_ino);
            }
            continue;
        }
        if (!entry_name_ok(kind, de->d_name)) {
            continue;                               /* not ours: left alone */
        }
        if (!S_ISREG(st.st_mode)) {
            remove_entry(d, kind, de->d_name, st.st_ino);      /* (a directory stays: never removed) */
            continue;
        }
        memset(&c, 0, sizeof(c));
        memcpy(c.name, de->d_name, strlen(de->d_name) + 1);    /* entry_name_ok: shorter than NAME_MAX_LEN */
        c.mtime = st.st_mtim.tv_sec;
        c.mtime_ns = st.st_mtim.tv_nsec;
        keep_newest(d, kind, v, &n, &oldest, &c, st.st_ino);
    }
    closedir(dp);
    qsort(v, n, sizeof(*v), cmp_newest);
    for (i = 0; i < n; i++) {
        enum rd rc = read_entry(d, kind, v[i].name, NULL, now, fn != NULL && !stop, &e);

        if (rc == RD_EXPIRED || rc == RD_DAMAGED) {
            remove_entry(d, kind, v[i].name, e.ino);
        } else if (rc == RD_ERROR) {
            count(&d->st.errors[kind]);
        } else if (rc == RD_OK) {
            kept++;
            if (fn != NULL && !stop) {
                count(&d->st.loads[kind]);
                visited++;
                stop = fn(arg, e.key, e.data, e.len, e.expires, e.stored) != 0;
            } else if (fn == NULL) {
                visited++;
            }
        }
        free(e.buf);
    }
    __atomic_store_n(&d->files[kind], kept, __ATOMIC_RELAXED);
    free(v);
    pthread_mutex_unlock(&d->scan_mu);
    return visited;
fail:
    free(v);
    count(&d->st.errors[kind]);
    pthread_mutex_unlock(&d->scan_mu);
    return -1;
}
