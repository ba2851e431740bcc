/*
 * tests/fuzz/fuzz_policy_set.c — a policy directory through sb_policy_set_load (pki/policy/trust_policy.h):
 * the input is the directory's recognition.yaml (pki/policy/recognition.h rules: from/to, accept, attest with
 * key and certificate files), next to fixed copies of the jurisdiction files hk.yaml, cn.yaml and
 * mo.yaml read once from SB_FUZZ_POLICIES (default policies/), with <scratch>/build/pki linked to the
 * test PKI as in fuzz_policy. Checks: SB_OK gives a set with three jurisdictions and its id; a failure
 * carries diagnostics (bounded) and err holds the first.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "pki/base/load.h"
#include "pki/policy/trust_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond) {
        abort();
    }
}

/* Copy SB_FUZZ_POLICIES/{hk,cn,mo}.yaml into dir once; 0 on failure. */
static int setup(const char *dir)
{
    static const char *const names[] = { "hk.yaml", "cn.yaml", "mo.yaml" };
    static int done;
    const char *src = getenv("SB_FUZZ_POLICIES");
    char from[700], to[700];
    unsigned char *buf = NULL;
    size_t len = 0, i;
    int ok = 1;

    if (done) {
        return 1;
    }
    for (i = 0; ok && i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(from, sizeof(from), "%s/%s", src != NULL ? src : "policies", names[i]);
        snprintf(to, sizeof(to), "%s/%s", dir, names[i]);
        ok = sb_load_file(from, SB_TP_MAX_FILE, &buf, &len, NULL) == SB_OK && sb_fuzz_write(to, buf, len) == 0;
        free(buf);
        buf = NULL;
    }
    done = ok;
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sb_policy_set *set = NULL;
    struct sb_diag diag;
    struct sb_err err;
    const char *dir = sb_fuzz_policy_dir();
    char path[700];
    size_t i;
    enum sb_reason rc;

    if (dir == NULL || !setup(dir)) {
        abort(); /* harness set-up failed: no point fuzzing */
    }
    snprintf(path, sizeof(path), "%s/recognition.yaml", dir);
    if (sb_fuzz_write(path, data, size) != 0) {
        abort();
    }
    sb_diag_init(&diag);
    sb_err_clear(&err);
    rc = sb_policy_set_load(dir, &diag, &set, &err);
    sb_fuzz_debug("policy", sb_reason_name(rc), err.msg);
    check(rc == err.reason);
    if (rc == SB_OK) {
        check(set != NULL && sb_policy_set_count(set) == 3 && strlen(sb_policy_set_id(set)) == 64);
        check(sb_policy_set_recognition(set) != NULL);
    } else {
        check(set == NULL && err.msg[0] != '\0');
        check(diag.n >= 1 && diag.n <= 4 * (SB_TP_MAX_ERRORS + 1));
        for (i = 0; i < diag.n; i++) {
            check(diag.msgs[i] != NULL && diag.msgs[i][0] != '\0');
        }
    }
    sb_policy_set_free(set);
    sb_diag_clear(&diag);
    sb_fuzz_end();
    return 0;
}
