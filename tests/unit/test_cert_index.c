/*
 * tests/unit/test_cert_index.c — trust material by subject (pki/x509/cert_index.h) and its use by the path
 * builder (anchors and intermediates of a policy snapshot).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pki/x509/cert_index.h"
#include "pki/x509/chain.h"
#include "testcert.h"

#define N_ROOTS 300

struct fx {
    EVP_PKEY *key;                       /* one key for every root: only the names matter here */
    STACK_OF(X509) *roots;               /* N_ROOTS distinct names, then 3 roots all named "dup" */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char cn[32];
    int i;

    if (f == NULL || (f->key = tc_key_ec()) == NULL || (f->roots = sk_X509_new_null()) == NULL) {
        return -1;
    }
    for (i = 0; i < N_ROOTS + 3; i++) {
        snprintf(cn, sizeof(cn), i < N_ROOTS ? "root %d" : "dup", i);
        if (!sk_X509_push(f->roots, tc_root(cn, f->key))) {
            return -1;
        }
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    sk_X509_pop_free(f->roots, X509_free);
    EVP_PKEY_free(f->key);
    free(f);
    return 0;
}

static void test_lookup_by_subject(void **state)
{
    struct fx *f = *state;
    struct sb_cert_index *ix = sb_cert_index_new(f->roots);
    X509 *out[4];
    X509_NAME *none = X509_NAME_new();
    size_t n;

    assert_non_null(ix);
    assert_int_equal(sb_cert_index_count(ix), N_ROOTS + 3);
    n = sb_cert_index_by_subject(ix, X509_get_subject_name(sk_X509_value(f->roots, 150)), out, 4);
    assert_int_equal(n, 1);
    assert_ptr_equal(out[0], sk_X509_value(f->roots, 150));
    /* same name three times: all of them, in the input order */
    n = sb_cert_index_by_subject(ix, X509_get_subject_name(sk_X509_value(f->roots, N_ROOTS)), out, 4);
    assert_int_equal(n, 3);
    assert_ptr_equal(out[0], sk_X509_value(f->roots, N_ROOTS));
    assert_ptr_equal(out[1], sk_X509_value(f->roots, N_ROOTS + 1));
    assert_ptr_equal(out[2], sk_X509_value(f->roots, N_ROOTS + 2));
    /* more than fit: the total is returned, only max written */
    assert_int_equal(sb_cert_index_by_subject(ix, X509_get_subject_name(sk_X509_value(f->roots, N_ROOTS)), out, 2), 3);
    X509_NAME_add_entry_by_txt(none, "CN", MBSTRING_ASC, (const unsigned char *)"nobody", -1, -1, 0);
    assert_int_equal(sb_cert_index_by_subject(ix, none, out, 4), 0);
    X509_NAME_free(none);
    sb_cert_index_free(ix);
}

static void test_prefix_check(void **state)
{
    struct fx *f = *state;
    struct sb_cert_index *ix = sb_cert_index_new(f->roots);
    STACK_OF(X509) *more = sk_X509_dup(f->roots), *fewer = sk_X509_dup(f->roots), *swapped = sk_X509_dup(f->roots);
    X509 *a;

    assert_non_null(ix);
    assert_true(sb_cert_index_is_prefix_of(ix, f->roots));
    assert_true(sk_X509_push(more, sk_X509_value(f->roots, 0)) > 0);
    assert_true(sb_cert_index_is_prefix_of(ix, more));
    (void)sk_X509_pop(fewer);
    assert_false(sb_cert_index_is_prefix_of(ix, fewer));
    a = sk_X509_value(swapped, 0);
    sk_X509_set(swapped, 0, sk_X509_value(swapped, 1));
    sk_X509_set(swapped, 1, a);
    assert_false(sb_cert_index_is_prefix_of(ix, swapped));
    sk_X509_free(more);
    sk_X509_free(fewer);
    sk_X509_free(swapped);
    sb_cert_index_free(ix);
}

/* The builder finds the issuer among 303 anchors through the index, and falls back to scanning when the
 * index does not describe the pools it is given. */
static void test_builder_uses_index(void **state)
{
    struct fx *f = *state;
    X509 *root = sk_X509_value(f->roots, 150), *inter, *leaf;
    EVP_PKEY *ikey = tc_key_ec(), *lkey = tc_key_ec();
    STACK_OF(X509) *untrusted = sk_X509_new_null(), *other = sk_X509_new_null();
    struct sb_cert_index *anchors_ix = sb_cert_index_new(f->roots), *inter_ix, *wrong_ix;
    struct sb_path_opts o;
    struct sb_chain_result res;
    struct sb_err err;

    inter = tc_inter("issuing ca", ikey, root, f->key, -1);
    leaf = tc_leaf("signer.example", lkey, inter, ikey);
    assert_true(sk_X509_push(untrusted, inter) > 0);
    assert_true(sk_X509_push(other, leaf) > 0);
    inter_ix = sb_cert_index_new(untrusted);
    wrong_ix = sb_cert_index_new(other);
    assert_non_null(anchors_ix);
    assert_non_null(inter_ix);
    assert_non_null(wrong_ix);

    sb_path_opts_init(&o);
    o.at = TC_T2025;
    o.revocation = SB_REV_OFF;
    o.anchor_index = anchors_ix;
    o.untrusted_index = inter_ix;
    memset(&res, 0, sizeof(res));
    assert_int_equal(sb_chain_validate(&o, leaf, f->roots, untrusted, &res, &err), SB_OK);
    assert_int_equal(sk_X509_num(res.chain), 3);
    assert_ptr_equal(sk_X509_value(res.chain, 2), root);
    sb_chain_result_clear(&res);

    /* indexes of other stacks are not trusted to stand in for the pools: same result by scanning */
    o.anchor_index = wrong_ix;
    o.untrusted_index = wrong_ix;
    assert_int_equal(sb_chain_validate(&o, leaf, f->roots, untrusted, &res, &err), SB_OK);
    assert_int_equal(sk_X509_num(res.chain), 3);
    sb_chain_result_clear(&res);

    /* the index does not widen trust: without the root among the anchors there is no path */
    o.anchor_index = NULL;
    o.untrusted_index = NULL;
    assert_true(sk_X509_set(other, 0, sk_X509_value(f->roots, 0)) != NULL);   /* an unrelated root only */
    assert_int_equal(sb_chain_validate(&o, leaf, other, untrusted, &res, &err), SB_R_CHAIN_NO_ANCHOR);
    sb_chain_result_clear(&res);
    sk_X509_set(other, 0, leaf);

    sb_cert_index_free(anchors_ix);
    sb_cert_index_free(inter_ix);
    sb_cert_index_free(wrong_ix);
    sk_X509_pop_free(untrusted, X509_free);
    sk_X509_pop_free(other, X509_free);
    EVP_PKEY_free(ikey);
    EVP_PKEY_free(lkey);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_by_subject),
        cmocka_unit_test(test_prefix_check),
        cmocka_unit_test(test_builder_uses_index),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
