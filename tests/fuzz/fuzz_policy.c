/*
 * tests/fuzz/fuzz_policy.c — one trust-policy YAML file through sb_trust_policy_load (pki/policy/trust_policy.h):
 * libyaml events, the strict schema walker, OID patterns, referenced certificate / CRL files.
 *
 * The input is written to <scratch>/policies/fuzz.yaml next to a link <scratch>/build/pki to the test
 * PKI (SB_FUZZ_PKI, default build/pki), so the seeds (the files of policies/ and variants) load their anchors.
 * Checks: SB_OK gives a policy with an id and at least one anchor; a failure is INPUT_MALFORMED or
 * INPUT_UNREADABLE with at least one diagnostic, at most SB_TP_MAX_ERRORS + 1 of them, each naming
 * the file, and err holding the first.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "pki/policy/trust_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sb_trust_policy *p = NULL;
    struct sb_diag diag;
    struct sb_err err;
    const char *dir = sb_fuzz_policy_dir();
    char path[700];
    size_t i;
    enum sb_reason rc;

    if (dir == NULL) {
        abort(); /* harness set-up failed: no point fuzzing */
    }
    snprintf(path, sizeof(path), "%s/fuzz.yaml", dir);
    if (sb_fuzz_write(path, data, size) != 0) {
        abort();
    }
    sb_diag_init(&diag);
    sb_err_clear(&err);
    rc = sb_trust_policy_load(path, &diag, &p, &err);
    sb_fuzz_debug("policy", sb_reason_name(rc), err.msg);
    check(rc == err.reason);
    if (rc == SB_OK) {
        check(p != NULL && p->id != NULL && sk_X509_num(p->anchors) >= 1);
        check(diag.n == 0);
    } else {
        check(p == NULL);
        check(rc == SB_R_INPUT_MALFORMED || rc == SB_R_INPUT_UNREADABLE || rc == SB_R_INPUT_TOO_LARGE);
        check(err.msg[0] != '\0');
        check(diag.n >= 1 && diag.n <= SB_TP_MAX_ERRORS + 1);
        for (i = 0; i < diag.n; i++) {
            check(diag.msgs[i] != NULL && strncmp(diag.msgs[i], path, strlen(path)) == 0);
        }
    }
    sb_trust_policy_free(p);
    sb_diag_clear(&diag);
    sb_fuzz_end();
    return 0;
}
