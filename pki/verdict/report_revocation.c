/*
 * pki/verdict/report_revocation.c — revocation evidence as JSON (report_revocation.h). Both forms are written
 * from one list of members, so the tree and the text cannot drift apart.
 */
#include "pki/verdict/report_revocation.h"

#include <stdio.h>
#include <string.h>

#include "pki/base/err.h"
#include "pki/base/hex.h"
#include "pki/base/rfc3339_time.h"

enum mkind { M_STR, M_NULL, M_TRUE };

struct member {
    const char *key;
    enum mkind kind;
    char val[SB_REV_NOTE_MAX];
};

#define MAX_MEMBERS 12

static void add(struct member *m, int *n, const char *key, enum mkind kind, const char *val)
{
    m[*n].key = key;
    m[*n].kind = kind;
    snprintf(m[*n].val, sizeof(m[*n].val), "%s", val != NULL ? val : "");
    sb_utf8_sanitize(m[*n].val);
    (*n)++;
}

static void add_time(struct member *m, int *n, const char *key, time_t t)
{
    char when[40];

    if (t == 0) {
        add(m, n, key, M_NULL, NULL);
        return;
    }
    sb_time_format(t, when, sizeof(when));
    add(m, n, key, M_STR, when);
}

/* The members of ev's object, in order; 0 when ev says nothing. */
static int members(const struct sb_rev_evidence *ev, struct member *m)
{
    char hex[65];
    const char *reason;
    int n = 0;

    if (!sb_rev_evidence_present(ev)) {
        return 0;
    }
    add(m, &n, "source", M_STR, sb_rev_source_name(ev->source));
    if (ev->source == SB_REV_SRC_NONE) {
        add(m, &n, "note", M_STR, ev->note);
        return n;
    }
    add(m, &n, "type", M_STR, ev->is_ocsp ? "ocsp" : "crl");
    add(m, &n, "url", ev->url[0] != '\0' ? M_STR : M_NULL, ev->url);
    if (ev->is_ocsp) {
        add_time(m, &n, "produced_at", ev->produced_at);
    }
    add_time(m, &n, "this_update", ev->this_update);
    add_time(m, &n, "next_update", ev->next_update);
    add(m, &n, "sha256", M_STR, sb_hex_encode(ev->sha256, sizeof(ev->sha256), hex, sizeof(hex)));
    if (ev->has_delta) {
        add(m, &n, "delta_sha256", M_STR, sb_hex_encode(ev->delta_sha256, sizeof(ev->delta_sha256), hex, sizeof(hex)));
    }
    if (ev->revoked_after) {
        add(m, &n, "revoked_after", M_TRUE, NULL);
    }
    if (ev->revocation_time != 0) {
        add_time(m, &n, "revocation_time", ev->revocation_time);
        reason = sb_rev_reason_name(ev->revocation_reason);
        add(m, &n, "revocation_reason", reason != NULL ? M_STR : M_NULL, reason);
    }
    if (ev->note[0] != '\0') {
        add(m, &n, "note", M_STR, ev->note);
    }
    return n;
}

json_t *sb_report_rev_evidence(const struct sb_rev_evidence *ev)
{
    struct member m[MAX_MEMBERS];
    json_t *o, *v;
    int i, n = members(ev, m);

    if (n == 0 || (o = json_object()) == NULL) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        /* values were made valid UTF-8 (sb_utf8_sanitize) and keys are ASCII: jansson need not check again */
        v = m[i].kind == M_STR ? json_string_nocheck(m[i].val) : m[i].kind == M_TRUE ? json_true() : json_null();
        if (json_object_set_new_nocheck(o, m[i].key, v) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

int sb_report_chain_revocation(json_t *chain, const struct sb_rev_evidence *ev, size_t n)
{
    json_t *r;
    size_t i;

    for (i = 0; ev != NULL && i < n && i < json_array_size(chain); i++) {
        if (!sb_rev_evidence_present(&ev[i])) {
            continue;
        }
        if (ev[i].source == SB_REV_SRC_NONE) {         /* no evidence: only why (DESIGN's sources stay 4) */
            struct member m[MAX_MEMBERS];

            (void)members(&ev[i], m);                 /* source, then the note made valid UTF-8 */
            if (json_object_set_new_nocheck(json_array_get(chain, i), "revocation_note",
                                            json_string_nocheck(m[1].val)) != 0) {
                return 0;
            }
            continue;
        }
        if ((r = sb_report_rev_evidence(&ev[i])) == NULL ||
            json_object_set_new(json_array_get(chain, i), "revocation", r) != 0) {
            return 0;
        }
    }
    return 1;
}

void sb_report_rev_evidence_text(const struct sb_rev_evidence *ev, struct sb_jtext *out)
{
    struct member m[MAX_MEMBERS];
    int i, n = members(ev, m);

    if (n == 0) {
        return;
    }
    if (ev->source == SB_REV_SRC_NONE) {
        sb_jtext_cstr(out, ",\"revocation_note\":");
        sb_jtext_str(out, m[1].val);
        return;
    }
    sb_jtext_cstr(out, ",\"revocation\":{");
    for (i = 0; i < n; i++) {
        sb_jtext_cstr(out, i > 0 ? ",\"" : "\"");
        sb_jtext_cstr(out, m[i].key);
        sb_jtext_cstr(out, "\":");
        if (m[i].kind == M_STR) {
            sb_jtext_str(out, m[i].val);
        } else {
            sb_jtext_cstr(out, m[i].kind == M_TRUE ? "true" : "null");
        }
    }
    sb_jtext_cstr(out, "}");
}

char *sb_report_rev_compact(const struct sb_rev_evidence *ev, size_t n, char *buf, size_t len)
{
    char hex[65], when[40], url[SB_REV_URL_MAX];
    size_t i, used = 0;
    int w, any = 0;

    if (len == 0) {
        return buf;
    }
    buf[0] = '\0';
    for (i = 0; ev != NULL && i + 1 < n; i++) {
        any |= sb_rev_evidence_present(&ev[i]);
    }
    for (i = 0; any && i + 1 < n && used < len; i++) {
        const struct sb_rev_evidence *e = &ev[i];

        if (!sb_rev_evidence_present(e)) {
            w = snprintf(buf + used, len - used, "%s-", i > 0 ? ";" : "");
        } else if (e->source == SB_REV_SRC_NONE) {
            w = snprintf(buf + used, len - used, "%snone", i > 0 ? ";" : "");
        } else {
            sb_time_format(e->is_ocsp ? e->produced_at : e->this_update, when, sizeof(when));
            snprintf(url, sizeof(url), "%s", e->url);
            sb_utf8_sanitize(url);
            w = snprintf(buf + used, len - used, "%s%s,%s,%s,%s%s%s%s", i > 0 ? ";" : "", sb_rev_source_name(e->source),
                         e->is_ocsp ? "ocsp" : "crl", sb_hex_encode(e->sha256, sizeof(e->sha256), hex, sizeof(hex)),
                         when, url[0] != '\0' ? "," : "", url, e->revoked_after ? ",revoked_after" : "");
        }
        if (w < 0) {
            break;
        }
        used += (size_t)w;
    }
    if (used >= len) {
        buf[len - 1] = '\0';
    }
    return buf;
}
