/*
 * adapters/gateway_envelope.c — JSON bodies of POST /v1/verify (adapters/adapter.h): the gateway's own
 * envelope {signature, content | digest, sm2_id, ocsp_responses, crls}, or the jurisdiction adapter's envelope when the body
 * names one of that adapter's members (an iAM Smart signing result, a GM/T 0009 SM2 signature).
 *
 * The members are read first without building anything (pki/base/json_scan.h): the gateway's envelope is
 * refused at its first unknown member, and a body that is not a JSON object at all, before jansson spends
 * CPU and memory on the rest (a 9 MB unknown member, a million tiny keys).
 */
#include "adapter_local.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "pki/base/base64.h"
#include "pki/base/json_scan.h"

#define GW_ENV_MAX_SM2_ID 127

static const char *const gw_members[] = { "signature", "content", "digest", "sm2_id", "ocsp_responses", "crls", NULL };

/* Refuse the gateway envelope's first unknown member name (cut: only its start) at byte at. */
static enum sb_reason unknown_member(const char *name, int cut, size_t at, struct sb_err *err)
{
    char list[96];
    size_t i, n = 0;

    list[0] = '\0';
    for (i = 0; gw_members[i] != NULL && n < sizeof(list); i++) {
        n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i > 0 ? ", " : "", gw_members[i]);
    }
    return sb_err_set(err, SB_R_ENVELOPE_BAD_VALUE, "unknown member '%s%s' in the envelope (%s) at byte %zu", name,
                      cut ? "..." : "", list, at);
}

/* The body's member names, read without building anything: SB_OK when every member is the gateway
 * envelope's, or when one is among adapter_members (NULL-terminated, or NULL: none; *adapter = 1: the body
 * is the adapter's envelope, whose unknown members are ignored). Without adapter_members the first unknown
 * member ends the scan and is refused; with them it is refused once no later member names the adapter.
 * A body that is no JSON object is the gateway's ENVELOPE_BAD_JSON. */
static enum sb_reason prescan(const unsigned char *in, size_t len, const char *const *adapter_members,
                              int *adapter, struct sb_err *err)
{
    struct sb_jscan s;
    char unknown[SB_JSCAN_NAME_MAX + 1];
    size_t unknown_at = 0;
    int have_unknown = 0, unknown_cut = 0;
    enum sb_jscan_status st;

    *adapter = 0;
    sb_jscan_init(&s, in, len);
    while ((st = sb_jscan_next(&s)) == SB_JSCAN_MEMBER) {
        if (sb_jscan_name_in(&s, adapter_members)) {
            *adapter = 1;
            return SB_OK;
        }
        if (!have_unknown && !sb_jscan_name_in(&s, gw_members)) {
            have_unknown = 1;
            unknown_cut = s.name_cut;
            unknown_at = s.name_offset;
            memcpy(unknown, s.name, s.name_len + 1);
            if (adapter_members == NULL) {
                break;                          /* no other envelope can claim the body */
            }
        }
    }
    switch (st) {
    case SB_JSCAN_MEMBER:
        return unknown_member(unknown, unknown_cut, unknown_at, err);
    case SB_JSCAN_END:
        return have_unknown ? unknown_member(unknown, unknown_cut, unknown_at, err) : SB_OK;
    case SB_JSCAN_NOT_OBJECT:
        return sb_err_set(err, SB_R_ENVELOPE_BAD_JSON, "the JSON envelope does not parse: not an object but an "
                          "array");
    case SB_JSCAN_SYNTAX:
    default:
        return sb_err_set(err, SB_R_ENVELOPE_BAD_JSON, "the JSON envelope does not parse: %s (line %zu, column %zu)",
                          s.error, s.line, s.column);
    }
}

/* Base64 member key of o into *out (OPENSSL_free); an empty string is zero bytes when allow_empty. */
static int b64_member(const json_t *v, int allow_empty, unsigned char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!json_is_string(v)) {
        return 0;
    }
    if (json_string_length(v) == 0) {
        return allow_empty && (*out = OPENSSL_malloc(1)) != NULL;
    }
    return sb_base64_decode(json_string_value(v), json_string_length(v), SB_EV_MAX_INPUT, out, len, NULL) == SB_B64_OK;
}

static enum sb_reason parse_members(const json_t *o, struct sb_evidence *ev, struct sb_err *err)
{
    const json_t *v, *alg, *val;
    const char *why = NULL;
    unsigned char *buf;
    size_t len;

    /* every member is one of gw_members: prescan() refused the others */
    if (!b64_member(json_object_get(o, "signature"), 0, &buf, &len)) {
        return sb_err_set(err, json_object_get(o, "signature") == NULL ? SB_R_ENVELOPE_MISSING_FIELD
                          : SB_R_ENVELOPE_BAD_BASE64, "envelope member 'signature' must be the signed object in "
                          "base64");
    }
    sb_evidence_set0_obj(ev, buf, len);
    if ((v = json_object_get(o, "content")) != NULL) {
        if (!b64_member(v, 1, &buf, &len)) {
            return sb_err_set(err, SB_R_ENVELOPE_BAD_BASE64, "envelope member 'content' must be base64");
        }
        sb_evidence_set0_content(ev, buf, len);
    }
    if ((v = json_object_get(o, "digest")) != NULL) {
        if (!json_is_object(v) || !json_is_string(alg = json_object_get(v, "alg")) ||
            !json_is_string(val = json_object_get(v, "value")) || json_object_size(v) != 2 ||
            !sb_evidence_set_digest_hex(ev, json_string_value(alg), json_string_value(val), &why)) {
            return sb_err_set(err, SB_R_ENVELOPE_BAD_VALUE, "envelope member 'digest' must be {\"alg\": …, "
                              "\"value\": HEX}%s%s", why != NULL ? ": " : "", why != NULL ? why : "");
        }
        if (ev->content != NULL) {
            return sb_err_set(err, SB_R_ENVELOPE_CONFLICTING_FIELDS, "give either the detached content or its "
                              "digest, not both");
        }
    }
    if ((v = json_object_get(o, "sm2_id")) != NULL) {
        if (!json_is_string(v) || json_string_length(v) > GW_ENV_MAX_SM2_ID ||
            strlen(json_string_value(v)) != json_string_length(v)) {
            return sb_err_set(err, SB_R_ENVELOPE_BAD_TYPE, "envelope member 'sm2_id' must be a string of at most "
                              "%d bytes", GW_ENV_MAX_SM2_ID);
        }
        if ((ev->sm2_id = OPENSSL_strdup(json_string_value(v))) == NULL) {
            return sb_err_set(err, SB_R_INTERNAL, "out of memory");
        }
    }
    ev->format = SB_EV_CMS;
    return sb_ev_json_revocation(o, ev, err);
}

/* The body as a JSON object, or the gateway envelope's error. */
static enum sb_reason load_object(const unsigned char *in, size_t len, json_t **out, struct sb_err *err)
{
    json_error_t je;
    json_t *o;

    *out = NULL;
    if ((o = json_loadb((const char *)in, len, JSON_REJECT_DUPLICATES, &je)) == NULL || !json_is_object(o)) {
        sb_err_set(err, SB_R_ENVELOPE_BAD_JSON, "the JSON envelope does not parse%s%s (line %d, column %d)",
                   o == NULL ? ": " : "", o == NULL ? je.text : ": not an object", je.line, je.column);
        json_decref(o);
        return SB_R_ENVELOPE_BAD_JSON;
    }
    *out = o;
    return SB_OK;
}

/*
 * The gateway envelope's object built from the scan instead of jansson's parse of the whole body (which
 * reads the base64 members character by character: a tenth of a request's CPU for a new signer): a string
 * member without escapes is its bytes as they stand (the scan checked them: UTF-8, no control characters),
 * any other value is parsed alone by jansson. 0 when the body needs jansson's whole parse (a repeated or
 * over-long member name, a value jansson refuses): its verdict and message are then jansson's.
 */
static int object_from_scan(const unsigned char *in, size_t len, json_t **out)
{
    struct sb_jscan s;
    const unsigned char *val;
    json_t *o = json_object(), *v;
    enum sb_jscan_status st = SB_JSCAN_SYNTAX;

    *out = NULL;
    sb_jscan_init(&s, in, len);
    while (o != NULL && (st = sb_jscan_next(&s)) == SB_JSCAN_MEMBER) {
        val = in + s.value_offset;
        if (s.name_cut || json_object_get(o, s.name) != NULL) {
            break;
        }
        if (s.value_len >= 2 && val[0] == '"' && memchr(val, '\\', s.value_len) == NULL) {
            v = json_stringn_nocheck((const char *)val + 1, s.value_len - 2);
        } else {
            v = json_loadb((const char *)val, s.value_len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
        }
        if (v == NULL || json_object_set_new(o, s.name, v) != 0) {
            break;
        }
    }
    if (o == NULL || st != SB_JSCAN_END) {       /* stopped early, or not a complete object */
        json_decref(o);
        return 0;
    }
    *out = o;
    return 1;
}

enum sb_reason sb_gateway_envelope_parse(const unsigned char *in, size_t len, struct sb_evidence *ev,
                                         struct sb_err *err)
{
    json_t *o = NULL;
    int adapter;
    enum sb_reason rc;

    if ((rc = prescan(in, len, NULL, &adapter, err)) == SB_OK &&
        (object_from_scan(in, len, &o) || (rc = load_object(in, len, &o, err)) == SB_OK)) {
        rc = parse_members(o, ev, err);
    }
    json_decref(o);
    return rc;
}

enum sb_reason sb_adapter_parse_json_body(const char *jurisdiction, const unsigned char *in, size_t len,
                                          struct sb_evidence *ev, int *gateway_envelope, struct sb_err *err)
{
    const struct sb_adapter *a = sb_adapter_find(jurisdiction);
    json_t *o = NULL;
    int adapter;
    enum sb_reason rc;

    *gateway_envelope = 1;
    if ((rc = prescan(in, len, a->envelope_members, &adapter, err)) != SB_OK) {
        return rc;
    }
    if (!adapter && object_from_scan(in, len, &o)) {
        rc = parse_members(o, ev, err);
        json_decref(o);
        return rc;
    }
    if ((rc = load_object(in, len, &o, err)) != SB_OK) {
        return rc;
    }
    if (adapter) {
        *gateway_envelope = 0;
        rc = a->parse(in, len, "application/json", ev, err);
    } else {
        rc = parse_members(o, ev, err);
    }
    json_decref(o);
    return rc;
}
