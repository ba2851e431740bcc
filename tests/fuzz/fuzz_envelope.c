/*
 * tests/fuzz/fuzz_envelope.c — every adapter's envelope parser (adapters/adapter.h parse()): the HK iAM
 * Smart JSON envelopes (raw signature + certificate, or pkcs7 over the hash), the CN GM/T 0009 JSON
 * envelope (SM2 signature, DER or r||s, data, id), the MO pass-through and the generic adapter, with the
 * declared content type chosen from the input length (none: sniffed, JSON, CMS, XML, bogus).
 * Checks: parse returns err's reason; a failure carries a message and is an input error (INPUT_MALFORMED,
 * an ENVELOPE_* code, INPUT_TOO_LARGE: exit 2, HTTP 400 / 413, never INTERNAL) or HASH_MISMATCH; a success
 * yields an object or a raw signature with its signer and a format the evidence layer knows. The same
 * checks for the JSON bodies of POST /v1/verify (sb_adapter_parse_json_body: the gateway's envelope,
 * pre-scanned, or the adapter's); and the pre-scanner (pki/base/json_scan.h) accepts exactly what jansson
 * parses, duplicate keys and numbers out of range aside.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "pki/base/json_scan.h"
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

/* The result of a parse: reason and message agree; a failure is an input error (or HASH_MISMATCH). */
static void check_result(enum sb_reason rc, const struct sb_err *err, const struct sb_evidence *ev)
{
    check(rc == err->reason || (rc == SB_OK && err->reason == SB_OK));
    if (rc != SB_OK) {
        check(err->msg[0] != '\0');
        check(rc == SB_R_HASH_MISMATCH || (sb_reason_indication(rc) == SB_IND_NONE && sb_reason_exit_code(rc) == 2
              && (sb_reason_http_status(rc) == 400 || sb_reason_http_status(rc) == 413)));
        return;
    }
    check(ev->obj != NULL);
}

static void one(const struct sb_adapter *a, const uint8_t *data, size_t size, const char *ct)
{
    struct sb_evidence ev;
    struct sb_err err;
    enum sb_reason rc;

    sb_evidence_init(&ev);
    sb_err_clear(&err);
    rc = a->parse(data, size, ct, &ev, &err);
    sb_fuzz_debug(a->name, sb_reason_name(rc), err.msg);
    check_result(rc, &err, &ev);
    if (rc == SB_OK) {
        check(ev.obj_len > 0);
        check(ev.format == SB_EV_CMS || ev.format == SB_EV_GMT0010 || ev.format == SB_EV_XMLDSIG
              || ev.format == SB_EV_RAW_SIG);
        check(ev.format != SB_EV_RAW_SIG || ev.signer != NULL);
        check(ev.digest_len <= sizeof(ev.digest));
        check(strcmp(sb_evidence_format_name(ev.format), "") != 0);
    }
    sb_evidence_clear(&ev);
}

static void json_body(const char *jurisdiction, const uint8_t *data, size_t size)
{
    struct sb_evidence ev;
    struct sb_err err;
    int gw = -1;
    enum sb_reason rc;

    sb_evidence_init(&ev);
    sb_err_clear(&err);
    rc = sb_adapter_parse_json_body(jurisdiction, data, size, &ev, &gw, &err);
    sb_fuzz_debug(jurisdiction != NULL ? jurisdiction : "generic", sb_reason_name(rc), err.msg);
    check(gw == 0 || gw == 1);
    check_result(rc, &err, &ev);
    sb_evidence_clear(&ev);
}

/* The pre-scanner walks to its end exactly when jansson parses the bytes. */
static void scan_vs_jansson(const uint8_t *data, size_t size)
{
    struct sb_jscan s;
    enum sb_jscan_status st;
    json_error_t je;
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);

    sb_jscan_init(&s, data, size);
    while ((st = sb_jscan_next(&s)) == SB_JSCAN_MEMBER) {
        check(s.name_len == strlen(s.name) && s.value_offset + s.value_len <= size);
    }
    check(st == SB_JSCAN_SYNTAX ? s.error != NULL && s.offset <= size && s.line >= 1 && s.column >= 1 : 1);
    if (j != NULL) {
        check(st == (json_is_object(j) ? SB_JSCAN_END : SB_JSCAN_NOT_OBJECT));
        check(st != SB_JSCAN_END || s.count == json_object_size(j));
        json_decref(j);
    } else if (strstr(je.text, "duplicate") == NULL && strstr(je.text, "too big") == NULL &&
               strstr(je.text, "overflow") == NULL) {
        check(st == SB_JSCAN_SYNTAX);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *ct = content_types[size % (sizeof(content_types) / sizeof(content_types[0]))];
    size_t i;

    for (i = 0; i < sb_adapter_count(); i++) {
        one(sb_adapter_get(i), data, size, ct);
    }
    one(&sb_generic_adapter, data, size, ct);
    json_body("hk", data, size);
    json_body("cn", data, size);
    json_body("mo", data, size);
    scan_vs_jansson(data, size);
    sb_fuzz_end();
    return 0;
}
