#include "pki/base/reason.h"

#include <stddef.h>

#include "pki/base/name_table.h"

struct sb_reason_row {
    const char *name;
    enum sb_indication ind;
    const char *sub;
    int exit_code;
    int http;
    const char *msg;
};

static const struct sb_reason_row sb_reason_rows[SB_R__COUNT] = {
#define SB_REASON_ROW(name, ind, sub, exitc, http, msg) { #name, ind, sub, exitc, http, msg },
    SB_REASON_TABLE(SB_REASON_ROW)
#undef SB_REASON_ROW
};

static const struct sb_reason_row *row(enum sb_reason r)
{
    if ((unsigned)r >= SB_R__COUNT) {
        return &sb_reason_rows[SB_R_INTERNAL];
    }
    return &sb_reason_rows[r];
}

const char *sb_reason_name(enum sb_reason r)
{
    if ((unsigned)r >= SB_R__COUNT) {
        return "UNKNOWN";
    }
    return sb_reason_rows[r].name;
}

enum sb_indication sb_reason_indication(enum sb_reason r)
{
    return row(r)->ind;
}

const char *sb_indication_name(enum sb_indication ind)
{
    static const struct sb_name_row names[] = {
        { SB_IND_TOTAL_PASSED, "TOTAL_PASSED" },
        { SB_IND_TOTAL_FAILED, "TOTAL_FAILED" },
        { SB_IND_INDETERMINATE, "INDETERMINATE" },
    };

    return sb_name_of(SB_NAME_ROWS(names), (int)ind, NULL);
}

const char *sb_reason_subindication(enum sb_reason r)
{
    return row(r)->sub;
}

int sb_reason_exit_code(enum sb_reason r)
{
    return row(r)->exit_code;
}

int sb_reason_http_status(enum sb_reason r)
{
    return row(r)->http;
}

const char *sb_reason_message(enum sb_reason r)
{
    return row(r)->msg;
}

int sb_reason_severity(enum sb_reason r)
{
    switch (row(r)->exit_code) {
    case 0:
        return 0;
    case 3:
        return 1;
    case 1:
        return 2;
    default:
        return 3;
    }
}
