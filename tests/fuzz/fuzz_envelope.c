/*
 * tests/fuzz/fuzz_envelope.c — every adapter's envelope parser (adapters/adapter.h parse()): the HK iAM
 * Smart JSON envelopes (raw signature + certificate, or pkcs7 over the hash), the CN GM/T 0009 JSON
 * envelope (SM2 signature, DER or r||s, data, id), the MO pass-through and the generic adapter, with the
 * declared content type chosen from the input length (none: sniffed, JSON, CMS, XML, bogus).
 * Checks: parse returns err's reason; a failure carries a message and is an input error (INPUT_MALFORMED,
 * an ENVELOPE_* code, INPUT_TOO_LARGE: exit 2, HTTP 400 / 413, never INTERNAL) or HASH_MISMATCH; a success
 * yields an object or a raw signature with its signer and a format the evidence layer knows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond) {
        abort();
    }
}

static const char *const content_types[] = {
    NULL, "application/json", "application/pkcs7-mime", "application/xml", "text/plain; charset=\"x\"",
};

static void one(const struct sb_adapter *a, const uint8_t *data, size_t size, const char *ct)
{
    struct sb_evidence ev;
    struct sb_err err;
    enum sb_reason rc;

    sb_evidence_init(&ev);
    sb_err_clear(&err);
    rc = a->parse(data, size, ct, &ev, &err);
    sb_fuzz_debug(a->name, sb_reason_name(rc), err.msg);
    check(rc == err.reason || (rc == SB_OK && err.reason == SB_OK));
    if (rc != SB_OK) {
        check(err.msg[0] != '\0');
        check(rc == SB_R_HASH_MISMATCH || (sb_reason_indication(rc) == SB_IND_NONE && sb_reason_exit_code(rc) == 2
              && (sb_reason_http_status(rc) == 400 || sb_reason_http_status(rc) == 413)));
    } else {
        check(ev.obj != NULL && ev.obj_len > 0);
        check(ev.format == SB_EV_CMS || ev.format == SB_EV_GMT0010 || ev.format == SB_EV_XMLDSIG
              || ev.format == SB_EV_RAW_SIG);
        check(ev.format != SB_EV_RAW_SIG || ev.signer != NULL);
        check(ev.digest_len <= sizeof(ev.digest));
        check(strcmp(sb_evidence_format_name(ev.format), "") != 0);
    }
    sb_evidence_clear(&ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *ct = content_types[size % (sizeof(content_types) / sizeof(content_types[0]))];
    size_t i;

    for (i = 0; i < sb_adapter_count(); i++) {
        one(sb_adapter_get(i), data, size, ct);
    }
    one(&sb_generic_adapter, data, size, ct);
    sb_fuzz_end();
    return 0;
}
