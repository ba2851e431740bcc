/*
 * pki/verdict/verdict_render.h — the outward forms of one validation result (sb_validate's struct
 * sb_cms_result): the DESIGN §7 JSON and the ETSI TS 119 102-2 report. The only place a result is mapped;
 * `sigbridge verify`, POST /v1/verify, the proxy routes and translation all call these.
 *
 * JSON: the top-level verdict (worst signer: valid, indication, subindication, reason, message,
 * validation_time, chain) plus "signers" (one entry per signature); for an XML-DSig document also
 * "signed_references" ({"uri","element"} of every verified reference), at the top and per signer, and
 * "unsigned_content" (XPaths of what no reference covers, document order; "unsigned_content_omitted" counts
 * those beyond SB_XMLDSIG_MAX_UNSIGNED). The ETSI report carries each as urn:sigbridge:unsigned-content.
 * Thread-safe; the memo (may be NULL) is thread-safe itself.
 */
#ifndef SB_VERDICT_RENDER_H
#define SB_VERDICT_RENDER_H

#include <stddef.h>
#include <time.h>
#include <jansson.h>
#include "pki/base/json_text.h"
#include "pki/cms/cms.h"
#include "pki/verdict/evidence.h"
#include "pki/x509/cert_memo.h"

/* The JSON verdict of res validated at at, certificates rendered through memo (NULL = none); new
 * (json_decref), NULL on failure. */
json_t *sb_verdict_json(const struct sb_cms_result *res, time_t at, struct sb_cert_memo *memo);

/* The same verdict appended to out as JSON text, byte for byte what json_dumps(sb_verdict_json(res, at,
 * memo), JSON_COMPACT) writes, without building the tree (verdict_text.c; certificates copied from the memo as
 * text), followed by extra members: extra is NULL or a list of key, value strings ended by a NULL key, each
 * written as json_object_set_new(v, key, json_string(value)) adds it (left out when value is NULL or either
 * is not valid UTF-8; keys must differ from the verdict's). 1 ok; 0 (out->failed set) exactly where
 * sb_verdict_json returns NULL. */
int sb_verdict_json_text(const struct sb_cms_result *res, time_t at, struct sb_cert_memo *memo,
                         const char *const *extra, struct sb_jtext *out);

/* The ETSI TS 119 102-2 report of res validated at at, about ev (the object as received, its detached
 * content or digest); constraints (may be NULL) are the path options to list as applied. *xml new
 * (OPENSSL_free). INTERNAL on failure. */
enum sb_reason sb_verdict_etsi(const struct sb_cms_result *res, time_t at, const struct sb_evidence *ev,
                               const struct sb_path_opts *constraints, unsigned char **xml, size_t *len,
                               struct sb_err *err) SB_MUST_USE;

#endif
