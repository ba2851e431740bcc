#include "pki/x509/cert_format.h"
#include "pki/verdict/report.h"

#include <stdio.h>
#include <string.h>

#include "pki/base/rfc3339_time.h"

json_t *sb_report_chain(STACK_OF(X509) *chain)
{
    json_t *arr = json_array();
    int i;

    for (i = 0; arr != NULL && i < sk_X509_num(chain); i++) {
        if (json_array_append_new(arr, sb_certfmt_json(sk_X509_value(chain, i))) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* msg (or the table's message) as valid UTF-8 in buf. */
static const char *clean(char *buf, size_t len, const char *msg, enum sb_reason rc)
{
    snprintf(buf, len, "%s", msg != NULL && msg[0] != '\0' ? msg : sb_reason_message(rc));
    sb_utf8_sanitize(buf);
    return buf;
}

json_t *sb_report_outcome(enum sb_reason rc, const char *msg)
{
    char text[SB_ERR_MSG_MAX];

    return json_pack("{s:b, s:s?, s:s?, s:s?, s:s}",
                     "valid", rc == SB_OK,
                     "indication", sb_indication_name(sb_reason_indication(rc)),
                     "subindication", rc == SB_OK ? NULL : sb_reason_subindication(rc),
                     "reason", rc == SB_OK ? NULL : sb_reason_name(rc),
                     "message", clean(text, sizeof(text), msg, rc));
}

json_t *sb_report_result(enum sb_reason rc, const char *msg, time_t at, STACK_OF(X509) *chain)
{
    char when[40];
    json_t *j = sb_report_outcome(rc, msg);

    sb_time_format(at, when, sizeof(when));
    if (j == NULL || json_object_set_new(j, "validation_time", json_string(when)) != 0
        || json_object_set_new(j, "chain", sb_report_chain(chain)) != 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}

json_t *sb_report_error(enum sb_reason rc, const char *msg)
{
    char text[SB_ERR_MSG_MAX];

    return json_pack("{s:{s:s, s:s}}", "error", "code", sb_reason_name(rc), "message",
                     clean(text, sizeof(text), msg, rc));
}

static const char *or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : NULL;
}

json_t *sb_report_signer(const char *subject, const char *issuer, const char *serial, enum sb_reason rc,
                         const char *msg, const char *signing_time, STACK_OF(X509) *chain)
{
    return json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s, s:s?, s:o}",
                     "subject", or_null(subject),
                     "issuer", or_null(issuer),
                     "serial", or_null(serial),
                     "indication", sb_indication_name(sb_reason_indication(rc)),
                     "subindication", rc == SB_OK ? NULL : sb_reason_subindication(rc),
                     "reason", rc == SB_OK ? NULL : sb_reason_name(rc),
                     "message", msg != NULL && msg[0] != '\0' ? msg : sb_reason_message(rc),
                     "signing_time", or_null(signing_time),
                     "chain", sb_report_chain(chain));
}
