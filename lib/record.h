/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_RECORD_H
#define SK_RECORD_H
/*
 * record.h - one streaming yajl pass per line: validate, extract paths.
 *
 * A tool compiles the paths it needs into a struct fields (a trie of keys
 * and indexes), then rec_parse() walks each line once with yajl: the
 * whole line is validated (strict UTF-8, JSON syntax, one object, nesting
 * at most REC_DEPTH_MAX) and only the values at the compiled paths are
 * materialised into rec->v[slot]; everything else costs one callback.
 * The line itself stays untouched for byte-for-byte pass-through.
 * Lines that are exactly {"@watermark":...} or {"@partial":...} are
 * marked as such (in-band records, SPEC 4 and 10), and so is
 * {"@watermark":...,"@from":[I,N]}, an instance's mark (--instance).  Values point into the
 * line and the arena, so a record lives until the next line is read.
 * rec_fields_new() and rec_parser_new() give the caller objects to free
 * with rec_fields_free() and rec_parser_free(); the parser borrows the
 * fields and the arena.
 */
#include <stddef.h>
#include <stdint.h>

#include "utf8.h"
#include "value.h"

struct arena;
struct fault;
struct path;

#define REC_DEPTH_MAX	1000	/* the record itself is depth 1 */
#define REC_SLOTS_MAX	4096

/* Slots every fields set starts with. */
#define REC_SLOT_WATERMARK	0	/* ."@watermark" */
#define REC_SLOT_PARTIAL	1	/* ."@partial" */
#define REC_SLOT_FROM		2	/* ."@from", beside "@watermark" */

enum rec_kind {
	REC_EVENT,
	REC_WATERMARK,		/* {"@watermark": ...}, maybe "@from" */
	REC_PARTIAL		/* exactly {"@partial": ...} */
};

struct record {
	const char	*p;		/* the line, as read */
	size_t		 len;
	int64_t		 lineno;
	int		 stream;	/* reader stream it came from */
	enum rec_kind	 kind;
	struct value	*v;		/* one per slot */
	int		 nv;
	int64_t		 time_ns;	/* event time, set by source.c */
};

struct fields;
struct parser;

struct fields *rec_fields_new(void);
void	rec_fields_free(struct fields *);
/* The slot for a path (an equal path shares it); -1 on error. */
int	rec_fields_add(struct fields *, const struct path *, struct fault *);
int	rec_fields_count(const struct fields *);

struct parser *rec_parser_new(struct fields *, struct arena *,
	    struct fault *);
void	rec_parser_free(struct parser *);
/* Decoded strings go to a from now on (par.c: the block's arena). */
void	rec_parser_set_arena(struct parser *, struct arena *a);
/*
 * Parse p[0..len) into rec (whose v array the parser owns).  0, or -1
 * with an EX_DATAERR fault saying why the line is a bad record.
 */
int	rec_parse(struct parser *, const char *p, size_t len,
	    struct record *, struct fault *);

/*
 * Without parsing: the raw values of the top-level keys names[0..k) of
 * the object on line p (the last of a repeated key), out[i].p NULL when
 * absent.  Nothing is validated beyond the extent of each value: a
 * record taken this way must still be parsed before it is used.  -1
 * when the line is not an object this scan can read (a key with an
 * escape or beginning with '@', a broken line); parse it instead.
 */
struct rec_span {
	const char	*p;
	size_t		 n;
	int		 esc;		/* a string with a '\' in it */
};

int	rec_scan_top(const char *p, size_t n, const char *const *names,
	    const size_t *lens, int k, struct rec_span *out);
/* The bytes of the one value (balanced, not validated) at p; 0 if none. */
size_t	rec_value_extent(const char *p, size_t n);
#endif
