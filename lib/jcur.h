/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_JCUR_H
#define SK_JCUR_H
/*
 * jcur.h - a pull reader over JSON text we wrote ourselves.
 *
 * Aggregate states travel as compact JSON: in {"@partial"} records
 * between stream-agg processes and inside state files.  Decoding them
 * wants a cursor ("expect an array, then two numbers"), not callbacks, so
 * this is a small strict pull parser: bounds-checked at every byte, depth
 * limited, never allocating except where jc_string() is asked to copy.
 * It reads standard JSON (any whitespace, escapes, nesting) because
 * partials may have passed through other tools.  On error it returns -1
 * and fills the fault once (EX_DATAERR, with the byte offset); all later
 * calls fail too, so decoders may check only at the end.
 */
#include <stddef.h>
#include <stdint.h>

struct fault;
struct buf;
struct value;

/*
 * States carry record values (first, last, collect, top, distinct) that
 * may nest REC_DEPTH_MAX (1000) deep; this leaves room for the
 * encoding's own levels and a state file's wrapping around them.
 */
#define JC_DEPTH_MAX	1100
#define JC_MASK_WORDS	((JC_DEPTH_MAX + 63) / 64)
#define JC_KEY_MAX	128	/* an escaped key, decoded: longer fails */

struct jcur {
	const char	*start;
	const char	*p;
	const char	*end;
	int		 depth;
	int		 failed;
	struct fault	*f;
	/* Bit d - 1: level d is an object; level d has had an element. */
	uint64_t	 objects[JC_MASK_WORDS];
	uint64_t	 started[JC_MASK_WORDS];
	char		 key[JC_KEY_MAX];
};

void	jc_init(struct jcur *, const char *, size_t, struct fault *);
/* Next value's kind without consuming it: '{' '[' '"' 'n' 't' 'f' '0'
 * (a number), or 0 at the end of input or on error. */
int	jc_peek(struct jcur *);
int	jc_begin_array(struct jcur *);
int	jc_begin_object(struct jcur *);
/*
 * Inside an array or object: 1 when another element follows (consuming
 * the ',' between elements), 0 when the closing bracket was consumed,
 * -1 on error.  Call it before every element, including the first.
 */
int	jc_more(struct jcur *);
/*
 * jc_more() expecting another element (jc_element: 0 when there is one)
 * or the closing bracket (jc_closing: 0 when it came); anything else
 * fails with what as the reason.
 */
int	jc_element(struct jcur *, const char *what);
int	jc_closing(struct jcur *, const char *what);
/* An object key; *k points into a scratch copy valid until the next call
 * when escaped, else into the text. */
int	jc_key(struct jcur *, const char **k, size_t *n);
/* Expect the key named k next (objects we wrote have a fixed order). */
int	jc_expect_key(struct jcur *, const char *k);
/* The next member of an object we wrote: jc_more(), then that key. */
int	jc_member(struct jcur *, const char *k);
int	jc_null(struct jcur *);
int	jc_bool(struct jcur *, int *);
int	jc_number(struct jcur *, struct value *);
int	jc_int(struct jcur *, int64_t *);	/* must be an exact integer */
int	jc_uint(struct jcur *, uint64_t *);
int	jc_double(struct jcur *, double *);	/* any number; null is NaN */
/* A string, decoded (escapes, surrogate pairs) into b (cleared first). */
int	jc_string(struct jcur *, struct buf *b);
/* The raw text of the next value, skipping it. */
int	jc_raw(struct jcur *, const char **p, size_t *n);
int	jc_skip(struct jcur *);
/* 0 when only whitespace is left. */
int	jc_end(struct jcur *);
int	jc_fail(struct jcur *, const char *what);
#endif
