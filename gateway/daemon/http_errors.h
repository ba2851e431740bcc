/*
 * gateway/daemon/http_errors.h — HTTP-level error codes of the gateway (not validation outcomes: those live in
 * pki/base/reason.h and are answered 200 with the verdict, or with the table's status for malformed input).
 *
 * One X-macro table: code name, HTTP status, default message. Every error reply is
 * {"error":{"code","message","status"}} built from a row here (or from a pki/base/reason.h row for input
 * errors found by the validation pipeline). Pure data, thread-safe.
 */
#ifndef SBGW_HTTP_ERRORS_H
#define SBGW_HTTP_ERRORS_H

#include <stdarg.h>
#include <stddef.h>

/*   name                     status  message */
#define SBGW_HTTP_ERROR_TABLE(X) \
    X(BAD_REQUEST,             400, "the request is malformed") \
    X(MISSING_PARAMETER,       400, "a required query parameter is missing") \
    X(FORBIDDEN,               403, "the client is not allowed to do this") \
    X(SIGNATURE_REJECTED,      403, "the request's signature did not validate") \
    X(NOT_FOUND,               404, "no such resource") \
    X(UNKNOWN_JURISDICTION,    404, "no trust policy for this jurisdiction") \
    X(METHOD_NOT_ALLOWED,      405, "method not allowed on this resource") \
    X(NOT_ACCEPTABLE,          406, "the requested representation is not available") \
    X(REQUEST_TIMEOUT,         408, "the request did not arrive in time") \
    X(BODY_TOO_LARGE,          413, "request body over limit") \
    X(UNSUPPORTED_MEDIA_TYPE,  415, "unsupported Content-Type") \
    X(EXPECTATION_FAILED,      417, "only the expectation 100-continue is supported") \
    X(RELOAD_FAILED,           422, "the new configuration or policy set was refused; the old one is kept") \
    X(HEADERS_TOO_LARGE,       431, "the request header block is over limits.max_headers") \
    X(INTERNAL_ERROR,          500, "internal error") \
    X(NOT_IMPLEMENTED,         501, "the method or transfer coding is not implemented") \
    X(UPSTREAM_ERROR,          502, "the upstream service could not be reached") \
    X(OVERLOADED,              503, "the gateway is at capacity; retry later") \
    X(TIMEOUT,                 503, "the request could not be completed in time; retry later") \
    X(NOT_READY,               503, "the gateway is not ready") \
    X(AUDIT_UNAVAILABLE,       503, "the audit log cannot be written; no decision is made unaudited") \
    X(SHUTTING_DOWN,           503, "the gateway is shutting down") \
    X(UPSTREAM_TIMEOUT,        504, "the upstream service did not answer in time") \
    X(HTTP_VERSION_NOT_SUPPORTED, 505, "only HTTP/1.0 and HTTP/1.1 are served")

enum sbgw_http_error {
#define SBGW_HTTP_ERROR_ENUM(name, status, msg) SBGW_E_##name,
    SBGW_HTTP_ERROR_TABLE(SBGW_HTTP_ERROR_ENUM)
#undef SBGW_HTTP_ERROR_ENUM
    SBGW_E__COUNT
};

/* Code name without prefix ("BODY_TOO_LARGE"); "INTERNAL_ERROR" for out-of-range values. */
const char *sbgw_http_error_name(enum sbgw_http_error e);
/* HTTP status of e (500 for out-of-range values). */
int sbgw_http_error_status(enum sbgw_http_error e);
/* Default message of e. */
const char *sbgw_http_error_message(enum sbgw_http_error e);
/* The message of an error reply into buf: fmt with ap, or e's default message when fmt is NULL. */
void sbgw_http_error_vformat(char *buf, size_t len, enum sbgw_http_error e, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

#endif
