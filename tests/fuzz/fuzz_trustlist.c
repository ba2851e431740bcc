/*
 * tests/fuzz/fuzz_trustlist.c — ETSI TS 119 612 trusted-list import (pki/policy/trustlist.h): sb_tl_parse, then
 * the signature under the list's own KeyInfo certificate (sb_tl_verify with no expected signer), the
 * freshness check and the anchors it yields (CA services only, and all). Checks: parse failures are
 * INPUT_MALFORMED / INPUT_TOO_LARGE / FORMAT with a message; verify's return equals tl->sig_reason;
 * every anchor has a certificate.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "pki/policy/trustlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sb_tl *tl = NULL;
    struct sb_tl_anchor *a = NULL;
    struct sb_err err;
    size_t n = 0, i;
    int ca_only;
    enum sb_reason rc;

    sb_err_clear(&err);
    rc = sb_tl_parse(data, size, "fuzz", &tl, &err);
    sb_fuzz_debug("tl parse", sb_reason_name(rc), err.msg);
    if (rc != SB_OK) {
        check(tl == NULL || rc == SB_OK);
        check(rc == SB_R_INPUT_MALFORMED || rc == SB_R_INPUT_TOO_LARGE || rc == SB_R_FORMAT);
        check(err.reason == rc && err.msg[0] != '\0');
        goto out;
    }
    check(tl != NULL);
    sb_err_clear(&err);
    rc = sb_tl_verify(tl, NULL, &err);
    sb_fuzz_debug("tl verify", sb_reason_name(rc), err.msg);
    check(rc == tl->sig_reason);
    check(rc == SB_OK || tl->sig_message[0] != '\0');
    if (sb_tl_check_fresh(tl, SB_FUZZ_AT, NULL) != SB_OK) {
        sb_fuzz_debug("tl", "stale", "");
    }
    for (ca_only = 0; ca_only < 2; ca_only++) {
        if (sb_tl_anchors(tl, ca_only, &a, &n, NULL) == SB_OK) {
            for (i = 0; i < n; i++) {
                check(a[i].cert != NULL);
            }
            sk_X509_pop_free(sb_tl_anchors_at(a, n, SB_FUZZ_AT), X509_free);
            sb_tl_anchors_free(a, n);
            a = NULL;
            n = 0;
        }
    }
    for (i = 0; i < tl->n_services; i++) {
        (void)sb_tl_service_granted_at(&tl->services[i], SB_FUZZ_AT);
        (void)sb_tl_service_is_ca(&tl->services[i]);
    }
out:
    sb_tl_free(tl);
    sb_fuzz_end();
    return 0;
}
