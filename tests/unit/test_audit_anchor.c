/*
 * tests/unit/test_audit_anchor.c — anchor records of the audit log (gateway/daemon/audit_anchor.h) against a
 * TSA made in the test (tsa_fixture.h): an anchor built right after its checkpoint checks good and chains;
 * another checkpoint (seq, hash, an edited checkpoint), an edited gen_time, a token from a TSA the verifier
 * does not trust, a token obtained long after the checkpoint's time (a rewritten log re-anchored later), one
 * before it, and a broken token are each refused with a reason that says so.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/daemon/audit.h"
#include "gateway/daemon/audit_anchor.h"
#include "gateway/daemon/audit_checkpoint.h"
#include "pki/base/hex.h"
#include "pki/base/rfc3339_time.h"
#include "pki/cms/tsp.h"
#include "testcert.h"
#include "tsa_fixture.h"

static int setup(void **state)
{
    struct tsa *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        return -1;
    }
    tsa_init(t);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    tsa_free(*state);
    free(*state);
    return 0;
}

/* An unsigned checkpoint record seq 7 written at time at (every_s 10). */
static json_t *checkpoint(time_t at)
{
    char ts[40], hash[65], *line = NULL;
    size_t len = 0;
    json_t *ck;

    sb_time_format(at, ts, sizeof(ts));
    assert_non_null(ck = sbgw_audit_ckpt_new(7, ts, "node-a", "cadence"));
    assert_int_equal(sbgw_audit_ckpt_finish(ck, 1000, 10, NULL, sbgw_audit_genesis, hash, &line, &len), 0);
    free(line);
    return ck;
}

/* The anchor record (seq 8) the daemon would write for ck, with a token from t obtained now. */
static json_t *anchor_for(const struct tsa *t, const json_t *ck)
{
    const char *h = json_string_value(json_object_get(ck, "hash"));
    unsigned char imprint[32], *rsp = NULL, *tok = NULL;
    size_t n = 0, tok_len = 0;
    struct sb_tsp_req req;
    struct sb_err err;
    char hash[65], *line = NULL;
    time_t gen = 0;
    json_t *an;
    int rn;

    assert_true(sb_hex_decode(h, imprint, sizeof(imprint), &n) && n == 32);
    assert_int_equal(sb_tsp_request(imprint, NULL, &req, &err), SB_OK);
    rn = tsa_respond(t, req.der, req.der_len, &rsp);
    assert_int_equal(sb_tsp_response(&req, rsp, (size_t)rn, &tok, &tok_len, &gen, &err), SB_OK);
    assert_non_null(an = sbgw_audit_anchor_new(8, "2030-01-01T00:00:00.000Z", "node-a",
                                               json_integer_value(json_object_get(ck, "seq")), h,
                                               "http://127.0.0.1:1/tsa", gen, tok, tok_len));
    assert_int_equal(sbgw_audit_anchor_finish(an, h, hash, &line, &n), 0);
    assert_true(n > 0 && line[n - 1] == '\n');
    free(line);
    OPENSSL_free(tok);
    OPENSSL_free(rsp);
    sb_tsp_req_free(&req);
    return an;
}

static void test_anchor_good(void **state)
{
    struct tsa *t = *state;
    json_t *ck = checkpoint(time(NULL)), *an = anchor_for(t, ck);
    char why[512] = "", own[65];

    assert_true(sbgw_audit_is_anchor(an));
    assert_false(sbgw_audit_is_anchor(ck));
    assert_string_equal(json_string_value(json_object_get(an, "type")), "anchor");
    /* chained like every record: prev is the checkpoint's hash, hash its own canonical hash */
    assert_string_equal(json_string_value(json_object_get(an, "prev")), json_string_value(json_object_get(ck, "hash")));
    assert_int_equal(sbgw_audit_hash(an, own), 0);
    assert_string_equal(json_string_value(json_object_get(an, "hash")), own);
    assert_int_equal(sbgw_audit_anchor_check(an, ck, t->anchors, why, sizeof(why)), 1);
    json_decref(an);
    json_decref(ck);
}

static void test_anchor_other_checkpoint(void **state)
{
    struct tsa *t = *state;
    json_t *ck = checkpoint(time(NULL)), *an = anchor_for(t, ck), *other = checkpoint(time(NULL) - 1);
    char why[512] = "";

    /* another checkpoint than the one the anchor names */
    assert_int_equal(sbgw_audit_anchor_check(an, other, t->anchors, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "names checkpoint 7"));
    /* the seq it names edited */
    json_object_set_new(an, "checkpoint_seq", json_integer(6));
    assert_int_equal(sbgw_audit_anchor_check(an, ck, t->anchors, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "names checkpoint 6"));
    json_object_set_new(an, "checkpoint_seq", json_integer(7));
    /* the checkpoint edited after the fact (its hash no longer its own) */
    json_object_set_new(ck, "every_s", json_integer(86400));
    assert_int_equal(sbgw_audit_anchor_check(an, ck, t->anchors, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "does not match its content"));
    /* a decision record where the checkpoint belongs */
    assert_int_equal(sbgw_audit_anchor_check(an, an, t->anchors, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "not a checkpoint"));
    json_decref(other);
    json_decref(an);
    json_decref(ck);
}

static void test_anchor_token_refusals(void **state)
{
    struct tsa *t = *state, other;
    json_t *ck = checkpoint(time(NULL)), *an = anchor_for(t, ck);
    char why[512] = "", *tok;
    size_t n;

    /* gen_time edited */
    json_object_set_new(an, "gen_time", json_string("2020-01-01T00:00:00Z"));
    assert_int_equal(sbgw_audit_anchor_check(an, ck, t->anchors, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "is not the token's genTime"));
    json_decref(an);
    /* a TSA the verifier does not trust */
    tsa_init(&other);
    an = anchor_for(&other, ck);
    assert_int_equal(sbgw_audit_anchor_check(an, ck, t->anchors, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "its token: the time-stamp token does not verify"));
    assert_int_equal(sbgw_audit_anchor_check(an, ck, other.anchors, why, sizeof(why)), 1);
    /* a byte of the token changed; not base64 */
    tok = strdup(json_string_value(json_object_get(an, "token")));
    assert_non_null(tok);
    n = strlen(tok);
    tok[n / 2] = tok[n / 2] == 'A' ? 'B' : 'A';
    json_object_set_new(an, "token", json_string(tok));
    assert_int_equal(sbgw_audit_anchor_check(an, ck, other.anchors, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "its token"));
    json_object_set_new(an, "token", json_string("not base64!"));
    assert_int_equal(sbgw_audit_anchor_check(an, ck, other.anchors, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "not base64"));
    free(tok);
    tsa_free(&other);
    json_decref(an);
    json_decref(ck);
}

static void test_anchor_time_window(void **state)
{
    struct tsa *t = *state;
    time_t now = time(NULL);
    /* written a day ago, anchored now: a rewritten log re-anchored after the fact */
    json_t *old = checkpoint(now - 86400), *an_old = anchor_for(t, old);
    /* claims a time an hour ahead of the token */
    json_t *ahead = checkpoint(now + 3600), *an_ahead = anchor_for(t, ahead);
    /* the edges: 2 x every_s (10) + 60 s = 80 s late is still fine, 5 s early too */
    json_t *late = checkpoint(now - 70), *an_late = anchor_for(t, late);
    char why[512] = "";

    assert_int_equal(sbgw_audit_anchor_check(an_old, old, t->anchors, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "more than 80 s after the checkpoint's time"));
    assert_non_null(strstr(why, "too late"));
    assert_int_equal(sbgw_audit_anchor_check(an_ahead, ahead, t->anchors, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "before the checkpoint's time"));
    assert_int_equal(sbgw_audit_anchor_check(an_late, late, t->anchors, why, sizeof(why)), 1);
    json_decref(old);
    json_decref(an_old);
    json_decref(ahead);
    json_decref(an_ahead);
    json_decref(late);
    json_decref(an_late);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_anchor_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anchor_other_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anchor_token_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anchor_time_window, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
