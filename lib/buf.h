/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_BUF_H
#define SK_BUF_H
/*
 * buf.h - a growable byte buffer and the JSON writer over it.
 *
 * Every record streamkit makes (aggregates, windows, joins, watermarks,
 * partials) is written with these functions, compact and in the key
 * order the caller chooses; out.c flushes a buf to a file descriptor.
 * Strings given here are valid UTF-8 (the reader checked them), so
 * escaping only needs '"', '\\' and control characters.  Numbers are
 * written so that they read back to the same value: integers as
 * integers, doubles in the shortest form that round-trips, non-finite
 * ones as null.  A buf grows through xmalloc.h: memory exhaustion is
 * fatal by design (SPEC 8, exit 70), handled in one place.
 */
#include <stddef.h>
#include <stdint.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

void	buf_init(struct buf *);
void	buf_release(struct buf *);
void	buf_reserve(struct buf *, size_t more);
void	buf_add(struct buf *, const void *, size_t);
void	buf_addc(struct buf *, char);
void	buf_adds(struct buf *, const char *);
void	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
static inline void buf_clear(struct buf *b) { b->len = 0; }
/* NUL-terminate without counting the NUL; returns data. */
char	*buf_cstr(struct buf *);

void	buf_json_str(struct buf *, const char *, size_t);
void	buf_json_cstr(struct buf *, const char *);
void	buf_json_i64(struct buf *, int64_t);
void	buf_json_u64(struct buf *, uint64_t);
void	buf_json_dbl(struct buf *, double);
/*
 * The number with the fewest significant digits in [lo, hi] (the one
 * nearest near among those), for an answer good only to that span; near
 * itself when the span is empty or not finite.
 */
void	buf_json_dbl_within(struct buf *, double lo, double hi, double near);
/* Append raw JSON with insignificant white space removed. */
void	buf_json_compact(struct buf *, const char *, size_t);
/*
 * Append valid JSON text in the one form of jq -c: no white space, and
 * every string (names too) decoded and written again with the minimal
 * escapes of buf_json_str(), whatever escapes it came with ("caf\u00e9"
 * and "café" both give "café", "\/" gives "/"); numbers and literals
 * as written.
 */
void	buf_json_canon(struct buf *, const char *, size_t);
/* Would buf_json_canon() change more than white space in s? */
int	buf_json_escaped(const char *, size_t);
/* ,"key": -- the comma only when the buffer does not end with '{'. */
void	buf_json_key(struct buf *, const char *);
void	buf_json_keyn(struct buf *, const char *, size_t);

/* Hex: bytes as lowercase hex digits, and back (-1 if not hex). */
void	buf_hex(struct buf *, const void *, size_t);
int	buf_unhex(struct buf *out, const char *, size_t);

/* Shortest text that strtod reads back as d; "null" when not finite. */
size_t	buf_fmt_double(double d, char out[32]);
#endif
