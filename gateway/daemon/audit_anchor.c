/*
 * gateway/daemon/audit_anchor.c — building an anchor record and checking one against its checkpoint
 * (audit_anchor.h).
 */
#include "gateway/daemon/audit_anchor.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "gateway/daemon/audit.h"
#include "gateway/daemon/audit_checkpoint.h"
#include "pki/base/base64.h"
#include "pki/base/err.h"
#include "pki/base/hex.h"
#include "pki/base/rfc3339_time.h"
#include "pki/cms/tsp.h"

int sbgw_audit_is_anchor(const json_t *rec)
{
    const char *t = json_string_value(json_object_get(rec, "type"));

    return t != NULL && strcmp(t, "anchor") == 0;
}

json_t *sbgw_audit_anchor_new(long long seq, const char *time, const char *node, long long ckpt_seq,
                              const char *ckpt_hash, const char *tsa, time_t gen_time, const unsigned char *token,
                              size_t token_len)
{
    char gt[32], *b64 = sb_base64_encode(token, token_len);
    json_t *rec;

    if (b64 == NULL) {
        return NULL;
    }
    sb_time_format(gen_time, gt, sizeof(gt));
    rec = json_pack("{s:I,s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:s}", "seq", (json_int_t)seq, "time", time, "node", node,
                    "type", "anchor", "checkpoint_seq", (json_int_t)ckpt_seq, "checkpoint_hash", ckpt_hash, "tsa", tsa,
                    "gen_time", gt, "token", b64);
    OPENSSL_free(b64);
    return rec;
}

int sbgw_audit_anchor_finish(json_t *rec, const char *prev, char hash[65], char **line, size_t *len)
{
    char *dump;

    *line = NULL;
    if (json_object_set_new(rec, "prev", json_string(prev)) != 0 || sbgw_audit_hash(rec, hash) != 0 ||
        json_object_set_new(rec, "hash", json_string(hash)) != 0 ||
        (dump = json_dumps(rec, JSON_COMPACT | JSON_ENSURE_ASCII)) == NULL) {
        return -1;
    }
    *len = strlen(dump);
    if ((*line = malloc(*len + 2)) == NULL) {
        free(dump);
        return -1;
    }
    memcpy(*line, dump, *len);
    (*line)[(*len)++] = '\n';
    (*line)[*len] = '\0';
    free(dump);
    return 0;
}

/* ---- checking ---------------------------------------------------------------------------------- */

static int bad(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;

    if (why != NULL && whylen > 0) {
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return 0;
}

/* The members of the checkpoint the anchor's window needs: seq, hash (checked against its content), time,
 * every_s. 1 ok, else 0 with why. */
static int checkpoint_facts(const json_t *ck, long long *seq, const char **hash, time_t *t, long long *every_s,
                            char *why, size_t whylen)
{
    const char *ts = json_string_value(json_object_get(ck, "time"));
    json_t *s = json_object_get(ck, "seq"), *e = json_object_get(ck, "every_s");
    char own[65];
    struct sb_err err;

    *hash = json_string_value(json_object_get(ck, "hash"));
    if (!sbgw_audit_is_checkpoint(ck) || !json_is_integer(s) || *hash == NULL || !sbgw_audit_is_hex64(*hash) ||
        ts == NULL || !json_is_integer(e) || json_integer_value(e) < 1) {
        return bad(why, whylen, "the record it names is not a checkpoint (seq, hash, time, every_s)");
    }
    if (sbgw_audit_hash(ck, own) != 0 || strcmp(own, *hash) != 0) {
        return bad(why, whylen, "the checkpoint's hash does not match its content");
    }
    if (sb_time_parse_rfc3339(ts, t, &err) != SB_OK) {
        return bad(why, whylen, "the checkpoint's time '%s' cannot be read", ts);
    }
    *seq = (long long)json_integer_value(s);
    *every_s = (long long)json_integer_value(e);
    return 1;
}

int sbgw_audit_anchor_check(const json_t *anchor_rec, const json_t *checkpoint_rec, STACK_OF(X509) *tsa_anchors,
                            char *why, size_t whylen)
{
    json_t *cs = json_object_get(anchor_rec, "checkpoint_seq");
    const char *ch = json_string_value(json_object_get(anchor_rec, "checkpoint_hash"));
    const char *gt = json_string_value(json_object_get(anchor_rec, "gen_time"));
    const char *b64 = json_string_value(json_object_get(anchor_rec, "token"));
    const char *ck_hash = NULL;
    unsigned char imprint[32], *tok = NULL;
    size_t n = 0, tok_len = 0;
    long long ck_seq = 0, every_s = 0;
    time_t ck_time = 0, gen = 0;
    char gen_text[32];
    struct sb_err err;

    if (!sbgw_audit_is_anchor(anchor_rec) || !json_is_integer(cs) || ch == NULL || gt == NULL || b64 == NULL) {
        return bad(why, whylen, "not an anchor record (checkpoint_seq, checkpoint_hash, gen_time, token)");
    }
    if (!checkpoint_facts(checkpoint_rec, &ck_seq, &ck_hash, &ck_time, &every_s, why, whylen)) {
        return 0;
    }
    if ((long long)json_integer_value(cs) != ck_seq || strcmp(ch, ck_hash) != 0) {
        return bad(why, whylen, "it names checkpoint %lld %.64s, not checkpoint %lld %s",
                   (long long)json_integer_value(cs), ch, ck_seq, ck_hash);
    }
    if (!sb_hex_decode(ck_hash, imprint, sizeof(imprint), &n) || n != 32) {
        return bad(why, whylen, "the checkpoint's hash is not 32 bytes of hex");
    }
    if (sb_base64_decode(b64, strlen(b64), SB_TSP_MAX_RESPONSE, &tok, &tok_len, NULL) != SB_B64_OK) {
        return bad(why, whylen, "its token is not base64");
    }
    if (sb_tsp_verify_token(tok, tok_len, imprint, tsa_anchors, &gen, &err) != SB_OK) {
        OPENSSL_free(tok);
        return bad(why, whylen, "its token: %s", err.msg);
    }
    OPENSSL_free(tok);
    sb_time_format(gen, gen_text, sizeof(gen_text));
    if (strcmp(gt, gen_text) != 0) {
        return bad(why, whylen, "gen_time %s is not the token's genTime %s", gt, gen_text);
    }
    if (gen < ck_time - SBGW_ANCHOR_EARLY_S) {
        return bad(why, whylen, "the token's time %s is before the checkpoint's time %s",
                   gen_text, json_string_value(json_object_get(checkpoint_rec, "time")));
    }
    if ((long long)gen > (long long)ck_time + 2 * every_s + SBGW_ANCHOR_LATE_S) {
        return bad(why, whylen, "the token's time %s is more than %lld s after the checkpoint's time %s: obtained "
                   "too late to prove when the checkpoint was written", gen_text, 2 * every_s + SBGW_ANCHOR_LATE_S,
                   json_string_value(json_object_get(checkpoint_rec, "time")));
    }
    return 1;
}
