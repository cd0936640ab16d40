/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * floor_join.c - the enrichment floor: splice a table row into each line.
 *
 * floor_join [-k FIELD] DIMS [FILE]
 *
 * Loads DIMS (NDJSON rows keyed by the top-level string -k, default
 * "user_id") into an open-addressing table, keeping for each key the
 * row's other members as ready-made text: `"plan":"pro",...`.  Then for
 * each event line one reused yajl handle finds the key and the line is
 * written with that text spliced in before its closing brace, as
 * `stream-join --table` writes "left fields, then right fields".  The
 * floor does not check for field clashes (our corpus has none); an event
 * with no row passes unchanged.  The latest row for a key wins.
 */
#define _POSIX_C_SOURCE 200809L
#include <yajl/yajl_parse.h>

#include "floor.h"

struct row {
	struct fl_key	 k;
	size_t		 off;		/* into join.splice */
	size_t		 len;
};

struct join {
	yajl_handle	 h;
	const char	*key_field;
	int		 depth;
	int		 at_key;
	const unsigned char *key;	/* valid during one line's parse */
	size_t		 key_len;
	unsigned char	*keybuf;
	size_t		 keybuf_cap;
	uint64_t	 bad;
	struct fl_table	 rows;
	char		*splice;	/* all rows' member text */
	size_t		 splice_len;
	size_t		 splice_cap;
	struct fl_out	 out;
};

static int
cb_start(void *ctx)
{
	((struct join *)ctx)->depth++;
	return 1;
}

static int
cb_end(void *ctx)
{
	((struct join *)ctx)->depth--;
	return 1;
}

static int
cb_key(void *ctx, const unsigned char *s, size_t n)
{
	struct join *j = ctx;

	j->at_key = j->depth == 1 && strlen(j->key_field) == n &&
	    memcmp(s, j->key_field, n) == 0;
	return 1;
}

/* yajl's pointer may be into its own buffer: copy, it is short. */
static int
cb_string(void *ctx, const unsigned char *s, size_t n)
{
	struct join *j = ctx;

	if (j->at_key && j->depth == 1) {
		if (n > j->keybuf_cap) {
			j->keybuf_cap = n * 2;
			j->keybuf = fl_xrealloc(j->keybuf, j->keybuf_cap);
		}
		memcpy(j->keybuf, s, n);
		j->key = j->keybuf;
		j->key_len = n;
	}
	j->at_key = 0;
	return 1;
}

static int
cb_other(void *ctx)
{
	((struct join *)ctx)->at_key = 0;
	return 1;
}

static int
cb_number(void *ctx, const char *s, size_t n)
{
	(void)s;
	(void)n;
	return cb_other(ctx);
}

static int
cb_bool(void *ctx, int b)
{
	(void)b;
	return cb_other(ctx);
}

static const yajl_callbacks callbacks = {
	cb_other, cb_bool, NULL, NULL, cb_number, cb_string,
	cb_start, cb_key, cb_end, cb_start, cb_end
};

static void
join_handle(struct join *j)
{
	if ((j->h = yajl_alloc(&callbacks, NULL, j)) == NULL)
		fl_die("yajl_alloc");
	yajl_config(j->h, yajl_allow_multiple_values, 1);
}

/* Parses one line: -1 bad, 0 no string key field, 1 j->key set. */
static int
join_parse(struct join *j, const unsigned char *p, size_t n)
{
	j->depth = 0;
	j->at_key = 0;
	j->key = NULL;
	if (yajl_parse(j->h, p, n) != yajl_status_ok ||
	    yajl_complete_parse(j->h) != yajl_status_ok) {
		j->bad++;
		yajl_free(j->h);
		join_handle(j);
		return -1;
	}
	return j->key != NULL;
}

/* Past the JSON string at p (p at its opening quote). */
static size_t
skip_string(const unsigned char *p, size_t i, size_t n)
{
	for (i++; i < n && p[i] != '"'; i++)
		if (p[i] == '\\')
			i++;
	return i + 1;
}

/*
 * The row's top-level members but the key one, as text.  The row has
 * parsed, so a plain scan for depth-1 commas is enough to split it.
 */
static void
join_members(struct join *j, const unsigned char *p, size_t n)
{
	size_t i, beg, keyend, klen = strlen(j->key_field);
	int depth = 0, first = 1;

	for (i = 0; i < n && p[i] != '{'; i++)
		;
	beg = ++i;
	keyend = 0;
	for (; i < n; i++) {
		if (p[i] == '"') {
			if (depth == 0 && keyend == 0)
				keyend = skip_string(p, i, n);
			i = skip_string(p, i, n) - 1;
		} else if (p[i] == '{' || p[i] == '[') {
			depth++;
		} else if (depth > 0 && (p[i] == '}' || p[i] == ']')) {
			depth--;
		} else if (depth == 0 && (p[i] == ',' || p[i] == '}')) {
			while (beg < i && (p[beg] == ' ' || p[beg] == '\t'))
				beg++;
			if (keyend > beg &&
			    !(keyend - beg == klen + 2 &&
			    memcmp(p + beg + 1, j->key_field, klen) == 0)) {
				while (j->splice_len + (i - beg) + 1 >
				    j->splice_cap) {
					j->splice_cap = j->splice_cap ?
					    j->splice_cap * 2 : 1 << 16;
					j->splice = fl_xrealloc(j->splice,
					    j->splice_cap);
				}
				if (!first)
					j->splice[j->splice_len++] = ',';
				memcpy(j->splice + j->splice_len, p + beg,
				    i - beg);
				j->splice_len += i - beg;
				first = 0;
			}
			beg = i + 1;
			keyend = 0;
			if (p[i] == '}')
				break;
		}
	}
}

static void
load_row(void *ctx, const unsigned char *p, size_t n)
{
	struct join *j = ctx;
	struct row *r;
	int created;

	if (join_parse(j, p, n) != 1)
		return;
	r = fl_table_get(&j->rows, j->key, j->key_len, 1, &created);
	r->off = j->splice_len;
	join_members(j, p, n);
	r->len = j->splice_len - r->off;
}

static void
join_line(void *ctx, const unsigned char *p, size_t n)
{
	struct join *j = ctx;
	struct row *r = NULL;
	size_t end;
	int created;

	switch (join_parse(j, p, n)) {
	case -1:
		return;		/* bad line: counted and dropped */
	case 1:
		r = fl_table_get(&j->rows, j->key, j->key_len, 0, &created);
		break;
	}
	end = n;
	while (end > 0 && p[end - 1] != '}')
		end--;
	if (r == NULL || r->len == 0 || end == 0) {
		fl_out_put(&j->out, p, n);
		fl_out_put(&j->out, "\n", 1);
		return;
	}
	fl_out_put(&j->out, p, end - 1);
	fl_out_put(&j->out, ",", 1);
	fl_out_put(&j->out, j->splice + r->off, r->len);
	fl_out_put(&j->out, "}\n", 2);
}

int
main(int argc, char *argv[])
{
	struct join j;
	int i = 1, fd;

	memset(&j, 0, sizeof(j));
	j.key_field = "user_id";
	if (argc > 2 && strcmp(argv[1], "-k") == 0) {
		j.key_field = argv[2];
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: floor_join [-k FIELD] DIMS [FILE]\n");
		return 64;
	}
	fl_table_init(&j.rows, sizeof(struct row));
	join_handle(&j);
	fd = fl_open_input(argc, argv, i);
	fl_lines(fd, load_row, &j);
	close(fd);
	fl_out_init(&j.out, 1);
	fl_lines(fl_open_input(argc, argv, i + 1), join_line, &j);
	fl_out_flush(&j.out);
	yajl_free(j.h);
	if (j.bad > 0)
		fprintf(stderr, "floor_join: %llu bad lines\n",
		    (unsigned long long)j.bad);
	return j.bad > 0 ? 65 : 0;
}
