/*
 * gateway/daemon/http_errors.c — lookups into SBGW_HTTP_ERROR_TABLE.
 */
#include "gateway/daemon/http_errors.h"

#include <stddef.h>
#include <stdio.h>

struct row {
    const char *name;
    int status;
    const char *msg;
};

static const struct row rows[] = {
#define SBGW_HTTP_ERROR_ROW(name, status, msg) { #name, status, msg },
    SBGW_HTTP_ERROR_TABLE(SBGW_HTTP_ERROR_ROW)
#undef SBGW_HTTP_ERROR_ROW
};

static const struct row *row_of(enum sbgw_http_error e)
{
    if ((int)e < 0 || e >= SBGW_E__COUNT) {
        return &rows[SBGW_E_INTERNAL_ERROR];
    }
    return &rows[e];
}

const char *sbgw_http_error_name(enum sbgw_http_error e)
{
    return row_of(e)->name;
}

int sbgw_http_error_status(enum sbgw_http_error e)
{
    return row_of(e)->status;
}

const char *sbgw_http_error_message(enum sbgw_http_error e)
{
    return row_of(e)->msg;
}

void sbgw_http_error_vformat(char *buf, size_t len, enum sbgw_http_error e, const char *fmt, va_list ap)
{
    if (fmt == NULL) {
        snprintf(buf, len, "%s", sbgw_http_error_message(e));
    } else {
        vsnprintf(buf, len, fmt, ap);
    }
}
