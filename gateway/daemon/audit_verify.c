/*
 * gateway/daemon/audit_verify.c — checking a whole audit log (sbgw_audit_verify_file, audit.h).
 */
#include "gateway/daemon/audit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* ---- verifying ------------------------------------------------------------------------------ */

int sbgw_audit_verify_file(const char *path, struct sbgw_audit_verify *v)
{
    FILE *f;
    char *line = NULL, calc[65], prev[65];
    size_t cap = 0, lineno = 0;
    ssize_t len;
    long long last_seq = 0;
    json_t *rec, *h, *p, *seq;
    json_error_t je;
    int rc = 0;

    memset(v, 0, sizeof(*v));
    prev[0] = '\0';
    if ((f = fopen(path, "rb")) == NULL) {
        snprintf(v->why, sizeof(v->why), "cannot read: %s", strerror(errno));
        return 2;
    }
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (line[len - 1] != '\n') {
            v->line = lineno;
            v->torn_bytes = (size_t)len;
            snprintf(v->why, sizeof(v->why), "truncated tail: the last line (%zd bytes) has no newline", len);
            rc = 3;
            break;
        }
        rec = json_loadb(line, (size_t)len - 1, 0, &je);
        if (rec == NULL || !json_is_object(rec)) {
            snprintf(v->why, sizeof(v->why), "not a JSON record (%s)", rec == NULL ? je.text : "not an object");
            json_decref(rec);
            rc = 1;
        } else if ((h = json_object_get(rec, "hash")) == NULL || !json_is_string(h) ||
                   !sbgw_audit_is_hex64(json_string_value(h)) || (p = json_object_get(rec, "prev")) == NULL ||
                   !json_is_string(p) || !sbgw_audit_is_hex64(json_string_value(p)) ||
                   (seq = json_object_get(rec, "seq")) == NULL || !json_is_integer(seq)) {
            snprintf(v->why, sizeof(v->why), "missing or malformed seq, prev or hash");
            json_decref(rec);
            rc = 1;
        } else if (sbgw_audit_hash(rec, calc) != 0 || strcmp(calc, json_string_value(h)) != 0) {
            snprintf(v->why, sizeof(v->why), "record hash does not match its content (record edited)");
            json_decref(rec);
            rc = 1;
        } else if (lineno == 1 && (json_integer_value(seq) != 1 || strcmp(json_string_value(p), sbgw_audit_genesis) != 0)) {
            snprintf(v->why, sizeof(v->why), "the first record is seq %lld with a non-sbgw_audit_genesis prev: records were "
                                             "removed from the start of the log", (long long)json_integer_value(seq));
            json_decref(rec);
            rc = 1;
        } else if (lineno > 1 && strcmp(json_string_value(p), prev) != 0) {
            snprintf(v->why, sizeof(v->why), "prev does not match the hash of line %zu (record removed, inserted "
                                             "or reordered)", lineno - 1);
            json_decref(rec);
            rc = 1;
        } else if (lineno > 1 && json_integer_value(seq) != last_seq + 1) {
            snprintf(v->why, sizeof(v->why), "seq jumps from %lld to %lld", last_seq,
                     (long long)json_integer_value(seq));
            json_decref(rec);
            rc = 1;
        } else {
            memcpy(prev, calc, sizeof(calc));
            last_seq = (long long)json_integer_value(seq);
            json_decref(rec);
            v->records++;
            continue;
        }
        v->line = lineno;
        break;
    }
    if (rc == 0 && ferror(f)) {
        snprintf(v->why, sizeof(v->why), "read error: %s", strerror(errno));
        rc = 2;
    }
    memcpy(v->last_hash, prev, sizeof(prev));
    free(line);
    fclose(f);
    return rc;
}
