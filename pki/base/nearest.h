/*
 * pki/base/nearest.h — "did you mean" hints for names a user typed: the nearest of a list of known names
 * by edit distance (optimal string alignment: insertions, deletions, substitutions and swaps of adjacent
 * characters), when it is near enough to be a likely typo. Names longer than 64 characters never match.
 * Pure functions.
 */
#ifndef SB_NEAREST_H
#define SB_NEAREST_H

#include <stddef.h>

/* Edit distance between a and b; (size_t)-1 when either is longer than 64 characters. */
size_t sb_edit_distance(const char *a, const char *b);
/* 1 when distance d from s is small enough for a typo of s (1 up to 4 characters, 2 up to 9, then a third). */
int sb_nearest_close_enough(const char *s, size_t d);
/* Nearest of names[0..n) to s (a case-insensitive equal wins), or NULL when none is close enough. */
const char *sb_nearest(const char *s, const char *const *names, size_t n);

#endif
