/*
 * pki/base/json_scan.h — an allocation-free JSON pre-scanner: the member names of a top-level object, in
 * order, each value skipped without building anything.
 *
 * Why: a JSON envelope whose members are checked only after json_loadb has built the whole tree lets a
 * hostile body (a 9 MB unknown member, a million tiny keys) cost CPU and memory before it is refused. The
 * scanner reads RFC 8259 as jansson 2.14 does without JSON_DECODE_ANY (the top level is an object or an
 * array; white space is space, tab, CR, LF; strings are valid UTF-8 without raw control characters, escapes
 * and surrogate pairs checked, \u0000 refused; nesting at most SB_JSCAN_DEPTH_MAX, jansson's limit), in one
 * linear pass with no allocation: what it accepts, jansson accepts, except numbers out of range and
 * duplicate keys, which stay jansson's to refuse. Member names are compared after unescaping
 * ("\u0073ignature" is "signature"). Errors carry a static text, the byte offset and line / column (column
 * in characters, as jansson counts). Thread-safe: all state is in the caller's struct.
 */
#ifndef SB_JSON_SCAN_H
#define SB_JSON_SCAN_H

#include <stddef.h>

/* Longest member name kept (unescaped bytes); a longer name is cut at a UTF-8 boundary and flagged. */
#define SB_JSCAN_NAME_MAX 64
/* Deepest nesting accepted: jansson 2.14's JSON_PARSER_MAX_DEPTH. */
#define SB_JSCAN_DEPTH_MAX 2048

enum sb_jscan_status {
    SB_JSCAN_MEMBER = 0,   /* sb_jscan_next: one member read: name, offsets */
    SB_JSCAN_END,          /* the object closed and only white space follows */
    SB_JSCAN_NOT_OBJECT,   /* the top level is a valid array, not an object */
    SB_JSCAN_SYNTAX,       /* not JSON (or deeper than SB_JSCAN_DEPTH_MAX): error, offset, line, column */
};

struct sb_jscan {
    const unsigned char *in;             /* borrowed */
    size_t len, pos;                     /* private: the cursor */
    int state;                           /* private: 0 before the top level, 1 in the object, 2 done */
    enum sb_jscan_status end;            /* private: how the scan ended (state 2) */
    size_t count;                        /* members read so far */
    /* the last member read (SB_JSCAN_MEMBER) */
    char name[SB_JSCAN_NAME_MAX + 1];    /* unescaped, NUL-terminated */
    size_t name_len;                     /* bytes in name */
    int name_cut;                        /* 1: the name is longer than SB_JSCAN_NAME_MAX (name holds its start) */
    size_t name_offset;                  /* byte offset of the name's opening quote */
    size_t value_offset, value_len;      /* the member's value (bytes) */
    /* SB_JSCAN_SYNTAX */
    const char *error;                   /* static text: what is wrong */
    size_t offset, line, column;         /* where: byte offset, 1-based line and column */
};

/* Start scanning in[0..len) (borrowed until the scan ends). */
void sb_jscan_init(struct sb_jscan *s, const unsigned char *in, size_t len);
/* The next member of the top-level object (SB_JSCAN_MEMBER), or how the scan ends: END after the last one
 * (the rest of the input is white space), NOT_OBJECT or SYNTAX. Once ended, returns the same again. */
enum sb_jscan_status sb_jscan_next(struct sb_jscan *s);
/* 1 if the last member's name is one of names (NULL-terminated list; NULL = none). */
int sb_jscan_name_in(const struct sb_jscan *s, const char *const *names);
/* Scan until the first member whose name is not in allowed (NULL-terminated): SB_JSCAN_MEMBER with s
 * describing it; END when every member is allowed and the input is valid to its end; else NOT_OBJECT or
 * SYNTAX, whichever comes first. */
enum sb_jscan_status sb_jscan_first_unknown(struct sb_jscan *s, const unsigned char *in, size_t len,
                                            const char *const *allowed);

#endif
