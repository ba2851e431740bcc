/*
 * tests/unit/test_yaml.c — the shared YAML layer (pki/base/yaml_tree.h, yaml_schema.h, nearest.h, diag.h) on
 * its own, with a made-up key table: defaults, every generic type read into its field, bounds (both
 * wordings), unknown keys with a "did you mean" hint (in the section and across sections), duplicate keys,
 * wrong types (YAML 1.1 booleans included), missing required keys, a custom reader hook, refused anchors,
 * the per-file error cap and the message list's own cap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pki/base/diag.h"
#include "pki/base/nearest.h"
#include "pki/base/yaml_schema.h"
#include "pki/base/yaml_tree.h"

/* ---- the made-up schema -------------------------------------------------------------------------- */

struct demo {
    char *name;
    char *file;
    int port;
    long long body;
    int verbose;
    int mode;
    int retries;
    int custom_seen;
    long custom_aux;
};

#define D_OFF(f) offsetof(struct demo, f)

static const char *const mode_names[] = { "fast", "safe", "off", NULL };

static void read_custom(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                        const char *kpath)
{
    struct demo *d = obj;

    if (v->n == 0) {
        sb_y_error_at(c, v, kpath, "expected at least one item");
        return;
    }
    d->custom_seen = (int)v->n;
    d->custom_aux = k->aux;
}

static const struct sb_ykey net_keys[] = {
    { .name = "port", .type = SB_YT_INT, .required = 1, .off = D_OFF(port), .min = 1, .max = 65535, .dflt = 80,
      .help = "a port from 1 to 65535" },
    { .name = "max_body", .type = SB_YT_SIZE, .off = D_OFF(body), .min = 1024, .max = 1024 * 1024,
      .dflt = 4096, .help = "a size" },
    { .name = "retries", .type = SB_YT_INT, .off = D_OFF(retries), .min = 0, .max = 5, .dflt = 3,
      .help = "an integer from 0 to 5" },
};

static const struct sb_ykey top_keys[] = {
    { .name = "name", .type = SB_YT_STR, .required = 1, .off = D_OFF(name), .max = 16, .dflt_str = "anon",
      .help = "a short name" },
    { .name = "file", .type = SB_YT_PATH, .off = D_OFF(file), .help = "a file name" },
    { .name = "verbose", .type = SB_YT_BOOL, .off = D_OFF(verbose), .help = "true or false" },
    { .name = "mode", .type = SB_YT_ENUM, .off = D_OFF(mode), .dflt = 1, .help = "fast, safe or off",
      .names = mode_names },
    { .name = "network", .type = SB_YT_MAP, .off = SB_Y_NO_OFF, .help = "a mapping with port and max_body",
      .sub = net_keys, .nsub = SB_Y_NKEYS(net_keys) },
    { .name = "items", .type = SB_YT_SEQ, .off = SB_Y_NO_OFF, .help = "a list of items", .set = read_custom,
      .aux = 42 },
};

static const char *const elsewhere[] = { "name", "network.port", "network.max_body", "network.retries", NULL };

/* ---- fixture ------------------------------------------------------------------------------------- */

struct fx {
    char dir[64];
    char path[128];
    struct sb_diag diag;
    struct sb_err first;
    struct demo d;
    size_t nerr;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (f == NULL) {
        return -1;
    }
    snprintf(f->dir, sizeof(f->dir), "/tmp/sb_test_yaml_XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/demo.yaml", f->dir);
    sb_diag_init(&f->diag);
    *state = f;
    return 0;
}

static void demo_clear(struct demo *d)
{
    free(d->name);
    free(d->file);
    memset(d, 0, sizeof(*d));
}

static int teardown(void **state)
{
    struct fx *f = *state;

    demo_clear(&f->d);
    sb_diag_clear(&f->diag);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Write text, parse it as doc and walk it with top_keys after the defaults. Returns the error count. */
static size_t load(struct fx *f, const char *text, const struct sb_ydoc *doc)
{
    struct sb_ynode *root = NULL;
    struct sb_yfile c;
    FILE *fp = fopen(f->path, "w");

    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
    demo_clear(&f->d);
    sb_diag_clear(&f->diag);
    sb_err_clear(&f->first);
    assert_true(sb_yfile_init(&c, f->path, doc, &f->diag, &f->first));
    assert_true(sb_y_defaults(top_keys, SB_Y_NKEYS(top_keys), &f->d));
    if (sb_y_parse(&c, &root) == 1 && root != NULL && sb_y_map(&c, root, "", "a mapping")) {
        sb_y_walk(&c, root, "", top_keys, SB_Y_NKEYS(top_keys), &f->d, elsewhere);
    }
    sb_ynode_free(root);
    sb_yfile_done(&c, NULL);
    f->nerr = c.nerr;
    return c.nerr;
}

/* The message at index i with the file name replaced by "F". */
static const char *msg(struct fx *f, size_t i)
{
    static char buf[1024];
    const char *m;
    size_t pl = strlen(f->path);

    assert_true(i < f->diag.n);
    m = f->diag.msgs[i];
    if (strncmp(m, f->path, pl) == 0) {
        snprintf(buf, sizeof(buf), "F%s", m + pl);
    } else {
        snprintf(buf, sizeof(buf), "%s", m);
    }
    return buf;
}

/* ---- tests --------------------------------------------------------------------------------------- */

static void test_yaml_walk_defaults(void **state)
{
    struct fx *f = *state;

    assert_int_equal(load(f, "name: box\nnetwork:\n  port: 8080\n", &sb_ydoc_policy), 0);
    assert_string_equal(f->d.name, "box");
    assert_int_equal(f->d.port, 8080);
    assert_int_equal(f->d.body, 4096);       /* SIZE default */
    assert_int_equal(f->d.retries, 3);       /* INT default inside a section */
    assert_int_equal(f->d.mode, 1);          /* ENUM default: "safe" */
    assert_int_equal(f->d.verbose, 0);
    assert_null(f->d.file);
    assert_int_equal(f->d.custom_seen, 0);   /* the custom hook is only called for a present key */
}

static void test_yaml_walk_every_type(void **state)
{
    struct fx *f = *state;
    char want[256];

    assert_int_equal(load(f, "name: \"no\"\nfile: sub/x.pem\nverbose: true\nmode: off\n"
                             "network: { port: 1, max_body: 64KiB, retries: 0 }\nitems: [a, b, c]\n",
                          &sb_ydoc_policy),
                     0);
    assert_string_equal(f->d.name, "no");    /* quoted: a string, not the YAML 1.1 boolean */
    snprintf(want, sizeof(want), "%s/sub/x.pem", f->dir);
    assert_string_equal(f->d.file, want);     /* relative to the file's directory */
    assert_int_equal(f->d.verbose, 1);
    assert_int_equal(f->d.mode, 2);           /* `off` is fine as an enum name */
    assert_int_equal(f->d.port, 1);
    assert_int_equal(f->d.body, 64 * 1024);
    assert_int_equal(f->d.retries, 0);
    assert_int_equal(f->d.custom_seen, 3);
    assert_int_equal(f->d.custom_aux, 42);    /* the row's aux reaches the hook */
}

static void test_yaml_walk_bounds(void **state)
{
    struct fx *f = *state;

    assert_int_equal(load(f, "name: a\nnetwork: { port: 0, max_body: 2MiB, retries: 6 }\n", &sb_ydoc_policy), 3);
    assert_string_equal(msg(f, 0), "F:2:18: network.port: expected an integer from 1 to 65535, got integer 0");
    assert_string_equal(msg(f, 1), "F:2:31: network.max_body: 2MiB is out of range (1024 to 1048576 bytes)");
    assert_string_equal(msg(f, 2), "F:2:46: network.retries: expected an integer from 0 to 5, got integer 6");
    assert_int_equal(f->d.port, 80);          /* a refused value leaves the default */
    assert_int_equal(f->d.retries, 3);
    /* the configuration is worded the same */
    assert_int_equal(load(f, "name: a\nnetwork: { port: 70000 }\nmode: saf\n", &sb_ydoc_conf), 2);
    assert_string_equal(msg(f, 0), "F:2:18: network.port: expected an integer from 1 to 65535, got integer 70000");
    assert_string_equal(msg(f, 1), "F:3:7: mode: expected one of fast, safe, off, got 'saf' (did you mean 'safe'?)");
    assert_int_equal(load(f, "name: a\nmode: saf\n", &sb_ydoc_policy), 1);
    assert_string_equal(msg(f, 0), "F:2:7: mode: expected one of fast, safe, off, got 'saf' (did you mean 'safe'?)");
}

static void test_yaml_walk_unknown_key_hint(void **state)
{
    struct fx *f = *state;

    assert_int_equal(load(f, "name: a\nverbos: true\n", &sb_ydoc_policy), 1);
    assert_string_equal(msg(f, 0), "F:2:1: verbos: unknown key (did you mean 'verbose'?)");
    assert_int_equal(load(f, "name: a\nretries: 2\n", &sb_ydoc_policy), 1);   /* valid in another section */
    assert_string_equal(msg(f, 0), "F:2:1: retries: unknown key (did you mean 'network.retries'?)");
    assert_int_equal(load(f, "name: a\nnetwork: { port: 1, prot: 2 }\n", &sb_ydoc_policy), 1);
    assert_string_equal(msg(f, 0), "F:2:21: network.prot: unknown key (did you mean 'port'?)");
    assert_int_equal(load(f, "name: a\ncolour: blue\n", &sb_ydoc_policy), 1);
    assert_string_equal(msg(f, 0), "F:2:1: colour: unknown key; expected one of name, file, verbose, mode, network, "
                                   "items");
}

static void test_yaml_walk_duplicate_key(void **state)
{
    struct fx *f = *state;

    assert_int_equal(load(f, "name: a\nverbose: true\nverbose: false\n", &sb_ydoc_policy), 1);
    assert_string_equal(msg(f, 0), "F:3:1: verbose: duplicate key (first at line 2, column 1)");
    assert_int_equal(f->d.verbose, 1);        /* the first one counts */
}

static void test_yaml_walk_wrong_type(void **state)
{
    struct fx *f = *state;

    assert_int_equal(load(f, "name: no\nverbose: yes\nnetwork: [1]\nitems: x\nfile: 12\n", &sb_ydoc_policy), 5);
    assert_string_equal(msg(f, 0), "F:1:7: name: expected a string, got boolean no (put it in quotes if it is "
                                   "meant as text)");
    assert_string_equal(msg(f, 1), "F:2:10: verbose: expected true or false, got boolean yes");
    assert_string_equal(msg(f, 2), "F:3:10: network: expected a mapping with port and max_body, got a list");
    assert_string_equal(msg(f, 3), "F:4:8: items: expected a list of items, got string 'x'");
    assert_string_equal(msg(f, 4), "F:5:7: file: expected a string, got integer 12 (put it in quotes if it is "
                                   "meant as text)");
    assert_int_equal(load(f, "name: abcdefghijklmnopq\n", &sb_ydoc_policy), 1);
    assert_string_equal(msg(f, 0), "F:1:7: name: expected a string of at most 16 characters, got 17");
    assert_int_equal(load(f, "name: a\nnetwork: { port: \"80\" }\n", &sb_ydoc_policy), 1);
    assert_string_equal(msg(f, 0), "F:2:18: network.port: expected an integer from 1 to 65535, got string '80'");
    assert_int_equal(load(f, "name: a\nitems: []\n", &sb_ydoc_policy), 1);      /* the hook reports too */
    assert_string_equal(msg(f, 0), "F:2:8: items: expected at least one item");
}

static void test_yaml_walk_missing_required(void **state)
{
    struct fx *f = *state;

    assert_int_equal(load(f, "network: { max_body: 2048 }\n", &sb_ydoc_policy), 2);
    assert_string_equal(msg(f, 0), "F:1:10: network.port: required key is missing (expected a port from 1 to 65535)");
    assert_string_equal(msg(f, 1), "F:1:1: name: required key is missing (expected a short name)");
    assert_string_equal(f->first.msg, f->diag.msgs[0]);     /* the first error is also in err */
    assert_int_equal(f->first.reason, SB_R_INPUT_MALFORMED);
}

static void test_yaml_tree_refusals_and_cap(void **state)
{
    struct fx *f = *state;
    char text[4096];
    size_t i, o = 0;

    assert_int_equal(load(f, "name: &n a\nfile: *n\n", &sb_ydoc_policy), 2);
    assert_string_equal(msg(f, 0), "F:1:7: YAML anchors (&n) are not allowed in policy files; write the value out");
    assert_string_equal(msg(f, 1), "F:2:7: YAML aliases (*n) are not allowed in policy files; write the value out");
    assert_int_equal(load(f, "name: a\n---\nname: b\n", &sb_ydoc_conf), 1);
    assert_string_equal(msg(f, 0), "F:2:1: a second YAML document ('---'); the configuration file holds exactly one");
    assert_int_equal(load(f, "name: [a\n", &sb_ydoc_conf), 1);
    assert_int_equal(strncmp(msg(f, 0), "F:2:1: YAML syntax error: ", 26), 0);
    assert_int_equal(load(f, "name: [a\n", &sb_ydoc_policy), 1);
    assert_int_equal(strncmp(msg(f, 0), "F:2:1: YAML syntax error: ", 26), 0);
    /* 30 unknown keys: 20 messages and one line saying more follow */
    o += (size_t)snprintf(text + o, sizeof(text) - o, "name: a\n");
    for (i = 0; i < 30; i++) {
        o += (size_t)snprintf(text + o, sizeof(text) - o, "k%zu: 1\n", i);
    }
    assert_int_equal(load(f, text, &sb_ydoc_policy), 30);
    assert_int_equal(f->diag.n, SB_Y_MAX_ERRORS + 1);
    assert_string_equal(msg(f, SB_Y_MAX_ERRORS), "F: more errors follow; only the first 20 are shown");
}

static void test_yaml_nearest(void **state)
{
    static const char *const names[] = { "jurisdiction", "trust_anchors", "file" };

    (void)state;
    assert_string_equal(sb_nearest("jurisdiciton", names, 3), "jurisdiction");   /* swapped letters */
    assert_string_equal(sb_nearest("fiel", names, 3), "file");
    assert_string_equal(sb_nearest("FILE", names, 3), "file");                   /* case only */
    assert_null(sb_nearest("colour", names, 3));
    assert_int_equal(sb_edit_distance("abc", "abc"), 0);
    assert_int_equal(sb_edit_distance("kitten", "sitting"), 3);
}

static void test_yaml_diag_cap(void **state)
{
    struct sb_diag d;
    char out[256];
    FILE *mem;
    size_t i;

    (void)state;
    sb_diag_init(&d);
    for (i = 0; i < SB_DIAG_MAX + 3; i++) {
        sb_diag_add(&d, "m%zu", i);
    }
    assert_int_equal(d.n, SB_DIAG_MAX);
    assert_int_equal(d.dropped, 3);
    assert_string_equal(d.msgs[0], "m0");
    memset(out, 0, sizeof(out));
    mem = fmemopen(out, sizeof(out) - 1, "w");
    assert_non_null(mem);
    sb_diag_clear(&d);
    sb_diag_add(&d, "a:1:1: x");
    d.dropped = 2;
    sb_diag_print(&d, mem);
    fclose(mem);
    assert_string_equal(out, "a:1:1: x\n(2 more errors not shown)\n");
    sb_diag_clear(&d);
    sb_diag_add(NULL, "ignored");
    sb_diag_clear(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_yaml_walk_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yaml_walk_every_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yaml_walk_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yaml_walk_unknown_key_hint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yaml_walk_duplicate_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yaml_walk_wrong_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yaml_walk_missing_required, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yaml_tree_refusals_and_cap, setup, teardown),
        cmocka_unit_test(test_yaml_nearest),
        cmocka_unit_test(test_yaml_diag_cap),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
