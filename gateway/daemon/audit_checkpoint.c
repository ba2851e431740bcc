/*
 * gateway/daemon/audit_checkpoint.c — building, signing and keeping audit checkpoints (audit_checkpoint.h).
 */
#include "gateway/daemon/audit_checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/daemon/audit.h"


json_t *sbgw_audit_ckpt_new(long long seq, const char *time, const char *node, const char *event)
{
    return json_pack("{s:I,s:s,s:s,s:s,s:s}", "seq", (json_int_t)seq, "time", time, "node", node, "type",
                     "checkpoint", "event", event);
}

int sbgw_audit_is_checkpoint(const json_t *rec)
{
    const char *t = json_string_value(json_object_get(rec, "type"));

    return t != NULL && strcmp(t, "checkpoint") == 0;
}

char *sbgw_audit_ckpt_signed_text(const json_t *rec)
{
    json_t *copy = json_copy((json_t *)(uintptr_t)rec);
    char *text;

    if (copy == NULL) {
        return NULL;
    }
    json_object_del(copy, "sig");
    json_object_del(copy, "hash");
    text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    json_decref(copy);
    return text;
}

int sbgw_audit_ckpt_finish(json_t *rec, int every_records, int every_s, const struct sbgw_audit_signer *s,
                           const char *prev, char hash[65], char **line, size_t *len)
{
    char *text = NULL, *sig = NULL, *dump;
    int rc = -1;

    *line = NULL;
    if (json_object_set_new(rec, "every_records", json_integer(every_records)) != 0 ||
        json_object_set_new(rec, "every_s", json_integer(every_s)) != 0) {
        return -1;
    }
    if (s != NULL) {
        if (json_object_set_new(rec, "cert_sha256", json_string(s->cert_sha256)) != 0 ||
            json_object_set_new(rec, "sig_alg", json_string(s->alg)) != 0 ||
            json_object_set_new(rec, "prev", json_string(prev)) != 0 ||
            (text = sbgw_audit_ckpt_signed_text(rec)) == NULL ||
            sbgw_audit_sign(s, (const unsigned char *)text, strlen(text), &sig) != 0) {
            goto out;
        }
        /* sig goes before prev in the line: take prev out and put it back after sig */
        json_object_del(rec, "prev");
        if (json_object_set_new(rec, "sig", json_string(sig)) != 0) {
            goto out;
        }
    }
    if (json_object_set_new(rec, "prev", json_string(prev)) != 0 || sbgw_audit_hash(rec, hash) != 0 ||
        json_object_set_new(rec, "hash", json_string(hash)) != 0 ||
        (dump = json_dumps(rec, JSON_COMPACT | JSON_ENSURE_ASCII)) == NULL) {
        goto out;
    }
    *len = strlen(dump);
    if ((*line = malloc(*len + 2)) == NULL) {
        free(dump);
        goto out;
    }
    memcpy(*line, dump, *len);
    (*line)[(*len)++] = '\n';
    (*line)[*len] = '\0';
    free(dump);
    rc = 0;
out:
    free(text);
    free(sig);
    return rc;
}

/* ---- the side file ------------------------------------------------------------------------------ */

static int write_all(int fd, const char *p, size_t n)
{
    ssize_t w;

    while (n > 0) {
        if ((w = write(fd, p, n)) < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int sbgw_audit_side_stage(const char *tmp, const char *log_path, off_t offset, const char *line, size_t len,
                          char *err, size_t errlen)
{
    char *logj = NULL, head[4300];
    json_t *lj = json_string(log_path);
    int fd = -1, n, e;

    while (len > 0 && line[len - 1] == '\n') {
        len--;
    }
    if (lj == NULL || (logj = json_dumps(lj, JSON_ENCODE_ANY | JSON_ENSURE_ASCII)) == NULL) {
        json_decref(lj);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    json_decref(lj);
    n = snprintf(head, sizeof(head), "{\"log\":%s,\"offset\":%lld,\"checkpoint\":", logj, (long long)offset);
    free(logj);
    if (n < 0 || (size_t)n >= sizeof(head)) {
        snprintf(err, errlen, "path too long");
        return -1;
    }
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
        snprintf(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
        return -1;
    }
    if (write_all(fd, head, (size_t)n) != 0 || write_all(fd, line, len) != 0 || write_all(fd, "}\n", 2) != 0 ||
        fsync(fd) != 0) {
        e = errno;
        close(fd);
        unlink(tmp);
        snprintf(err, errlen, "%s: cannot write: %s", tmp, strerror(e));
        return -1;
    }
    close(fd);
    return 0;
}

int sbgw_audit_side_write(const char *path, const char *log_path, off_t offset, const char *line, size_t len,
                          char *err, size_t errlen)
{
    char tmp[4200];
    int e;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        snprintf(err, errlen, "path too long");
        return -1;
    }
    if (sbgw_audit_side_stage(tmp, log_path, offset, line, len, err, errlen) != 0) {
        return -1;
    }
    if (rename(tmp, path) != 0) {
        e = errno;
        unlink(tmp);
        snprintf(err, errlen, "%s: cannot replace: %s", path, strerror(e));
        return -1;
    }
    return 0;
}

int sbgw_audit_side_read(const char *path, json_t **ckpt, long long *offset, char *err, size_t errlen)
{
    json_error_t je;
    json_t *o, *c, *off;
    FILE *f;

    *ckpt = NULL;
    if ((f = fopen(path, "rb")) == NULL) {
        if (errno == ENOENT) {
            return 0;
        }
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    o = json_loadf(f, JSON_DISABLE_EOF_CHECK, &je);
    fclose(f);
    if (o == NULL || (c = json_object_get(o, "checkpoint")) == NULL || !json_is_object(c) ||
        !sbgw_audit_is_checkpoint(c) || (off = json_object_get(o, "offset")) == NULL || !json_is_integer(off) ||
        json_integer_value(off) < 0) {
        snprintf(err, errlen, "%s: not a sigbridge checkpoint file%s%s", path, o == NULL ? ": " : "",
                 o == NULL ? je.text : "");
        json_decref(o);
        return -1;
    }
    *offset = (long long)json_integer_value(off);
    *ckpt = json_incref(c);
    json_decref(o);
    return 1;
}
