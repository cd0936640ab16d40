/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_VALUE_H
#define SK_VALUE_H
/*
 * value.h - one JSON value taken from a record.
 *
 * record.c fills a struct value for each path a tool asked for; nothing
 * else of the line is materialised.  A value points into the line (raw
 * JSON text) and, for strings, at the decoded bytes (in the line when
 * there were no escapes, else in the record's arena), so it lives until
 * the next line is read: copy what you keep.  Numbers keep their text
 * and are also read as a double and, when exact, an int64.
 *
 * Order and equality follow jq: null < false < true < numbers < strings
 * < arrays < objects; numbers compare numerically (an int64 pair
 * exactly), strings bytewise; containers compare by their text in
 * jq -c's form (buf_json_canon: escapes do not count).
 */
#include <stddef.h>
#include <stdint.h>

struct buf;

enum vtype {
	V_MISSING = 0,		/* the path is not in the record */
	V_NULL,
	V_FALSE,
	V_TRUE,
	V_NUMBER,
	V_STRING,
	V_ARRAY,
	V_OBJECT
};

struct value {
	enum vtype	 type;
	int		 isint;		/* V_NUMBER: i holds it exactly */
	const char	*raw;		/* JSON text */
	size_t		 rawlen;
	const char	*s;		/* V_STRING: decoded, no NUL */
	size_t		 slen;
	int64_t		 i;
	double		 d;
	int64_t		 nchildren;	/* V_ARRAY, V_OBJECT */
};

/* Read the text of a JSON number into v (type V_NUMBER). */
void	val_number(struct value *, const char *text, size_t len);
int	val_cmp(const struct value *, const struct value *);
int	val_equal(const struct value *, const struct value *);
int	val_truthy(const struct value *);
/* Compact JSON for the value; "null" for V_MISSING. */
void	val_write_json(struct buf *, const struct value *);
const char *val_type_name(enum vtype);
#endif
