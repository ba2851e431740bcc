/*
 * gateway/daemon/http_path.h — normalisation of an origin-form request path (RFC 3986 §6.2.2): the one form
 * in which routes are matched, logged and forwarded, so that a target spelled differently cannot reach what
 * its raw spelling seems to avoid (POST /contracts/../admin/secret, /contracts/%2e%2e/admin).
 *
 * Steps, in order: percent-escapes of unreserved characters (ALPHA DIGIT - . _ ~) are decoded, every other
 * escape keeps its octet with its hex in upper case; then dot-segments are removed (RFC 3986 §5.2.4).
 * Refused (the caller answers 400 BAD_REQUEST with the message): an encoded '/' (%2F) or '\' (%5C), which a
 * server behind the gateway may decode into a separator after the route was chosen; %00; a raw '\'; a byte
 * that is not a path character; a '..' that would climb above '/'. What is not done: case folding of the
 * path, merging empty segments ("//"), decoding of reserved characters — each would change what an
 * upstream sees for paths that mean something else to it.
 *
 * Pure function: no allocation, no global state; thread-safe.
 */
#ifndef SBGW_HTTP_PATH_H
#define SBGW_HTTP_PATH_H

#include <stddef.h>

/*
 * Normalise path (NUL-terminated, starts with '/') into out[len] (len >= strlen(path) + 1 always suffices:
 * the result is never longer). 0 on success; -1 refused, with a message naming the rule in msg[msglen]
 * (e.g. "encoded '/' (%2F) in the path").
 */
int sbgw_http_path_normalise(const char *path, char *out, size_t len, char *msg, size_t msglen);

/* The first step alone (escapes decoded or upper-cased, the same refusals), dot-segments left in place: the
 * path as its spelling names it, to tell whether dot-segment removal moved it out of a route. 0 or -1. */
int sbgw_http_path_decode(const char *path, char *out, size_t len, char *msg, size_t msglen);

#endif
