/*
 * pki/base/diag.h — the one list of located error messages that every file loader fills: the YAML layer
 * (yaml_tree.h, yaml_schema.h) for conf/sigbridge.yaml, the trust policies and recognition.yaml, and the
 * daemon's own whole-configuration checks. Each message is one line, usually "file:line:col: key.path:
 * what was expected"; the list keeps file order.
 *
 * A list holds at most SB_DIAG_MAX messages; later ones are only counted (dropped), and sb_diag_print says
 * how many. (Each YAML file also caps its own messages, see SB_Y_MAX_ERRORS.) No globals; one list per
 * load, not shared between threads while it is being filled.
 */
#ifndef SB_DIAG_H
#define SB_DIAG_H

#include <stddef.h>
#include <stdio.h>

#define SB_DIAG_MAX 256             /* messages kept in one list */

struct sb_diag {
    char **msgs;                    /* owned: n messages, in the order they were added */
    size_t n;
    size_t alloc;
    size_t dropped;                 /* messages past SB_DIAG_MAX (or lost to out-of-memory) */
};

/* Empty d. */
void sb_diag_init(struct sb_diag *d);
/* Free every message and empty d (NULL is a no-op). */
void sb_diag_clear(struct sb_diag *d);
/* Append one printf-style message to d (d may be NULL: nothing happens). */
void sb_diag_add(struct sb_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print every message of d on its own line to f, then "(N more errors not shown)" when some were dropped.
 * `sigbridge check-config` and `sigbridge serve --check` both print through this, so they read alike. */
void sb_diag_print(const struct sb_diag *d, FILE *f);

#endif
