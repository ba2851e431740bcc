/*
 * pki/policy/oid_pattern.c — certificate-policy OID patterns as the policy files write them: an exact OID
 * ("1.2.3") or a prefix ("2.16.344.*": every OID below that arc). Checking one (arcs, leading zeros, the
 * first-arc rules of X.660), reading a list of them from a policy file, matching an OID, printing a list.
 */
#include "pki/policy/trust_policy_local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sb_tp_oid_pattern_check(const char *s, int allow_prefix, size_t *prefix_len, const char **why)
{
    const char *star = strchr(s, '*'), *p = s;
    size_t len = strlen(s), end = star != NULL ? (size_t)(star - s) : len, arcs = 0, digits;
    unsigned long first = 0, second = 0;

    *prefix_len = 0;
    if (len == 0) {
        *why = "empty";
        return 0;
    }
    if (len >= SB_TP_OID_MAX) {
        *why = "longer than 127 characters";
        return 0;
    }
    if (strcmp(s, "*") == 0) {
        *why = "a lone '*' would match every policy; list the policy arcs you accept";
        return 0;
    }
    if (star != NULL) {
        if (!allow_prefix) {
            *why = "'*' is not allowed here";
            return 0;
        }
        if (star[1] != '\0' || star == s || star[-1] != '.') {
            *why = "'*' may only stand for the last arc, after a dot (such as 2.16.344.*)";
            return 0;
        }
        end--; /* drop the dot before '*' */
    }
    while ((size_t)(p - s) < end) {
        digits = 0;
        while ((size_t)(p - s) < end && *p >= '0' && *p <= '9') {
            if (digits == 0 && *p == '0' && (size_t)(p + 1 - s) < end && p[1] >= '0' && p[1] <= '9') {
                *why = "an arc has a leading zero";
                return 0;
            }
            if (arcs == 0) {
                first = first * 10 + (unsigned long)(*p - '0');
            } else if (arcs == 1 && digits < 9) {
                second = second * 10 + (unsigned long)(*p - '0');
            }
            p++;
            digits++;
        }
        if (digits == 0) {
            *why = (size_t)(p - s) < end && *p != '.' ? "arcs are decimal numbers separated by dots" : "empty arc";
            return 0;
        }
        if (digits > 20) {
            *why = "an arc has more than 20 digits";
            return 0;
        }
        arcs++;
        if ((size_t)(p - s) < end) {
            if (*p != '.') {
                *why = "arcs are decimal numbers separated by dots";
                return 0;
            }
            p++;
            if ((size_t)(p - s) == end) {
                *why = "empty arc";
                return 0;
            }
        }
    }
    if (arcs < 2) {
        *why = star != NULL ? "an OID prefix needs at least two arcs before '*'" : "an OID has at least two arcs";
        return 0;
    }
    if (first > 2 || (first < 2 && second > 39)) {
        *why = "the first arc is 0, 1 or 2 (and the second at most 39 under 0 and 1)";
        return 0;
    }
    *prefix_len = star != NULL ? (size_t)(star - s) : 0;
    return 1;
}

void sb_tp_oid_list_free(struct sb_tp_oid_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        free(l->v[i].text);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void sb_tp_read_oid_list(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, struct sb_tp_oid_list *l,
                         int allow_empty)
{
    char child[SB_Y_KPATH_MAX], q[SB_TP_OID_MAX + 8];
    const char *s, *why;
    size_t i, j, plen;

    if (!sb_y_seq(c, v, kpath, "a list of OIDs or OID prefixes such as \"2.16.344.8.*\"")) {
        return;
    }
    if (v->n == 0 && !allow_empty) {
        sb_y_error_at(c, v, kpath, "expected at least one OID or OID prefix (remove the key to require none)");
        return;
    }
    sb_tp_oid_list_free(l);
    if ((l->v = calloc(v->n + 1, sizeof(*l->v))) == NULL) {
        sb_y_error_at(c, v, kpath, "out of memory");
        return;
    }
    for (i = 0; i < v->n; i++) {
        sb_y_kpath_idx(child, sizeof(child), kpath, i);
        if (!sb_y_str(c, v->kids[i], child, 4096, &s)) {
            continue;
        }
        if (!sb_tp_oid_pattern_check(s, 1, &plen, &why)) {
            sb_y_quote(s, strlen(s), q, sizeof(q), SB_TP_OID_MAX);
            sb_y_error_at(c, v->kids[i], child, "'%s' is not an OID or OID prefix (such as 2.16.344.8.*): %s", q, why);
            continue;
        }
        for (j = 0; j < i; j++) {
            if (v->kids[j]->value != NULL && strcmp(v->kids[j]->value, s) == 0) {
                break;
            }
        }
        if (j < i) {
            sb_y_error_at(c, v->kids[i], child, "duplicate entry '%s' (first at line %u, column %u)", s,
                          v->kids[j]->line, v->kids[j]->col);
            continue;
        }
        if ((l->v[l->n].text = strdup(s)) == NULL) {
            sb_y_error_at(c, v->kids[i], child, "out of memory");
            continue;
        }
        l->v[l->n++].prefix_len = plen;
    }
}

const struct sb_tp_oid_pattern *sb_tp_oid_match(const struct sb_tp_oid_list *l, const char *oid)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        const struct sb_tp_oid_pattern *pt = &l->v[i];

        if (pt->prefix_len > 0) {
            if (strncmp(oid, pt->text, pt->prefix_len) == 0 && oid[pt->prefix_len] != '\0') {
                return pt;
            }
        } else if (strcmp(oid, pt->text) == 0) {
            return pt;
        }
    }
    return NULL;
}

void sb_tp_oid_list_text(const struct sb_tp_oid_list *l, char *buf, size_t len)
{
    size_t i, o = 0;
    int w;

    if (len < 8) {
        if (len > 0) {
            buf[0] = '\0';
        }
        return;
    }
    buf[o++] = '[';
    for (i = 0; i < l->n; i++) {
        w = snprintf(buf + o, len - o, "%s%s", i > 0 ? ", " : "", l->v[i].text);
        if (w < 0 || (size_t)w >= len - o - 5) {
            snprintf(buf + (o < len - 5 ? o : len - 5), 5, "...]");
            return;
        }
        o += (size_t)w;
    }
    snprintf(buf + o, len - o, "]");
}
