/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_PATH_H
#define SK_PATH_H
/*
 * path.h - field paths: ".a.b", ".a[0]", ".[\"key with.dots\"]", ".".
 *
 * A path is parsed once into steps (object keys and array indexes) and
 * looked up per record by record.c, which walks all the tool's paths at
 * once during its single parse of the line.  Keys are plain identifiers
 * (letters, digits, '_', '@', not starting with a digit) after a dot, or
 * any JSON string in brackets or after a dot (.["a.b"], ."a b").  Indexes
 * are non-negative.  path_parse() fills a caller-owned struct path that
 * path_release() empties; path_parse_prefix() reads a path at the start
 * of a longer text (the expression parser uses it).
 */
#include <stddef.h>
#include <stdint.h>

#include "utf8.h"

struct fault;

#define PATH_STEPS_MAX	64
#define PATH_TEXT_MAX	4096

struct path_step {
	char		*key;		/* NULL for an index step */
	size_t		 keylen;
	int64_t		 index;
};

struct path {
	struct path_step *steps;
	int		  nsteps;	/* 0: the whole record */
	char		 *text;		/* as written, NUL-terminated */
};

int	path_parse(struct path *, const char *text, struct fault *);
/* Parse a path at s; *used gets the bytes it took.  -1 on error. */
int	path_parse_prefix(struct path *, const char *s, size_t *used,
	    struct fault *);
void	path_release(struct path *);
int	path_equal(const struct path *, const struct path *);
/*
 * The name a path gives an output field: its last key (".req.service"
 * is "service"; ".a[0]" is "a"; "." is "value").
 */
void	path_name(const struct path *, const char **name, size_t *len);
/* Split "a,b,c" on top-level commas into paths; returns the count. */
int	path_parse_list(const char *text, struct path **out, struct fault *);
void	path_free_list(struct path *, int n);
/*
 * Decode the JSON string literal at s (s[0] == '"') into a new
 * NUL-terminated buffer for free(); *used gets the bytes taken, or on
 * error the offset of what is wrong (the backslash of a bad escape, 0
 * for an unterminated string).  Lone surrogate escapes become U+FFFD.
 * The expression parser shares it.
 */
char	*path_json_string(const char *s, size_t *used, size_t *outlen,
	    struct fault *);
#endif
