/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * record.c - validate a line and pull out the wanted values, in one pass.
 *
 * yajl calls back for every token; the callbacks keep a stack of frames,
 * one per open object or array, each pointing at the trie node of the
 * paths below it (NULL once no wanted path goes deeper).  Inside
 * untracked subtrees a callback only moves the depth, which keeps the
 * pass within a few percent of a bare yajl parse.  One yajl handle is
 * reused for every line (yajl_allow_multiple_values); it is rebuilt only
 * after a bad line left it mid-value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "arena.h"
#include "fault.h"
#include "path.h"
#include "record.h"
#include "utf8.h"
#include "xmalloc.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

struct fnode;

struct fedge {
	char		*key;		/* NULL: an index edge */
	size_t		 klen;
	int64_t		 index;
	struct fnode	*child;
};

struct fnode {
	int		 slot;		/* -1: no path ends here */
	int		 nedges;
	struct fedge	*edges;
	uint64_t	 keymask;	/* key_bit() of every key edge */
};

/*
 * One bit per (first byte, length) of a key: a key whose bit is clear in
 * a node's mask is no edge of it, which settles most keys of a record in
 * two instructions.
 */
static inline unsigned
key_bit(const void *k, size_t len)
{
	return (len > 0 ? *(const unsigned char *)k * 7u : 0u) + (unsigned)len;
}

struct fields {
	struct fnode	 root;
	int		 nslots;
};

struct frame {
	struct fnode	*node;		/* paths below, or NULL */
	int		 slot;		/* this container is wanted, or -1 */
	int		 is_array;
	size_t		 start;		/* offset of '{' or '[' */
	int64_t		 count;		/* keys or elements so far */
};

struct parser {
	yajl_handle	 h;
	struct fields	*fl;
	struct arena	*arena;
	struct value	*v;
	const char	*line;
	size_t		 len;
	int		 depth;
	int		 done;		/* the top-level object has ended */
	size_t		 done_off;
	int64_t		 top_keys;
	struct fnode	*pending;	/* node of the value after a key */
	size_t		 key_end;	/* offset just past a wanted key */
	const char	*reason;	/* why a callback cancelled */
	struct frame	 stack[REC_DEPTH_MAX + 1];
};

/* --- the trie of wanted paths --- */

static struct fnode *
fnode_new(void)
{
	struct fnode *n = xcalloc(1, sizeof(*n));

	n->slot = -1;
	return n;
}

static void
fnode_release(struct fnode *n)
{
	int i;

	for (i = 0; i < n->nedges; i++) {
		fnode_release(n->edges[i].child);
		free(n->edges[i].child);
		free(n->edges[i].key);
	}
	free(n->edges);
}

static struct fnode *
fnode_step(struct fnode *n, const struct path_step *st, int create)
{
	struct fedge *e;
	int i;

	for (i = 0; i < n->nedges; i++) {
		e = &n->edges[i];
		if (st->key == NULL ? e->key == NULL && e->index == st->index :
		    e->key != NULL && e->klen == st->keylen &&
		    memcmp(e->key, st->key, st->keylen) == 0)
			return e->child;
	}
	if (!create)
		return NULL;
	n->edges = xrealloc(n->edges, sizeof(*e) * (size_t)(n->nedges + 1));
	e = &n->edges[n->nedges];
	memset(e, 0, sizeof(*e));
	if (st->key != NULL) {
		e->key = xmalloc(st->keylen + 1);
		memcpy(e->key, st->key, st->keylen);
		e->key[st->keylen] = '\0';
	}
	e->klen = st->keylen;
	e->index = st->index;
	if (st->key != NULL)
		n->keymask |= UINT64_C(1) << (key_bit(st->key, st->keylen) & 63);
	e->child = fnode_new();
	n->nedges++;
	return e->child;
}

static void
add_special(struct fields *fl, const char *key)
{
	struct path_step st = { (char *)key, strlen(key), 0 };

	fnode_step(&fl->root, &st, 1)->slot = fl->nslots++;
}

struct fields *
rec_fields_new(void)
{
	struct fields *fl = xcalloc(1, sizeof(*fl));

	fl->root.slot = -1;
	add_special(fl, "@watermark");
	add_special(fl, "@partial");
	add_special(fl, "@from");
	return fl;
}

void
rec_fields_free(struct fields *fl)
{
	if (fl == NULL)
		return;
	fnode_release(&fl->root);
	free(fl);
}

int
rec_fields_add(struct fields *fl, const struct path *p, struct fault *f)
{
	struct fnode *n = &fl->root;
	int i;

	for (i = 0; i < p->nsteps; i++)
		n = fnode_step(n, &p->steps[i], 1);
	if (n->slot >= 0)
		return n->slot;
	if (fl->nslots == REC_SLOTS_MAX)
		return fault_set(f, EX_USAGE, "more than %d paths",
		    REC_SLOTS_MAX);
	n->slot = fl->nslots++;
	return n->slot;
}

int
rec_fields_count(const struct fields *fl)
{
	return fl->nslots;
}

/* --- the yajl callbacks --- */

static inline struct fnode *
edge_key(struct fnode *n, const unsigned char *k, size_t len)
{
	int i;

	for (i = 0; i < n->nedges; i++) {
		struct fedge *e = &n->edges[i];

		/* Length and first byte settle most misses without memcmp. */
		if (e->klen == len && e->key != NULL && len > 0 &&
		    e->key[0] == (char)k[0] && memcmp(e->key, k, len) == 0)
			return e->child;
		if (e->klen == 0 && len == 0 && e->key != NULL)
			return e->child;
	}
	return NULL;
}

static struct fnode *
edge_index(struct fnode *n, int64_t idx)
{
	int i;

	for (i = 0; i < n->nedges; i++)
		if (n->edges[i].key == NULL && n->edges[i].index == idx)
			return n->edges[i].child;
	return NULL;
}

/*
 * The trie node of the value that starts now.  A value at depth 0 is the
 * record itself; only one is allowed, and it must be an object (the
 * container callbacks check that).
 */
static inline __attribute__((always_inline)) struct fnode *
value_node(struct parser *P)
{
	struct frame *fr;
	struct fnode *n;

	if (P->depth == 0)
		return &P->fl->root;
	fr = &P->stack[P->depth];
	if (!fr->is_array) {
		n = P->pending;
		P->pending = NULL;
		return n;
	}
	fr->count++;
	return fr->node != NULL ? edge_index(fr->node, fr->count - 1) : NULL;
}

static int
top_scalar(struct parser *P, const char *what)
{
	P->reason = P->done ? "trailing characters after the object" : what;
	return 0;
}

/* Called for every scalar: inlined, so that the usual "no" costs little. */
static inline __attribute__((always_inline)) struct value *
wanted(struct parser *P)
{
	struct fnode *n = value_node(P);

	return n != NULL && n->slot >= 0 ? &P->v[n->slot] : NULL;
}

static void
set_literal(struct parser *P, struct value *v, enum vtype t, size_t len)
{
	size_t end = yajl_get_bytes_consumed(P->h);

	v->type = t;
	v->raw = P->line + end - len;
	v->rawlen = len;
}

static int
cb_null(void *ctx)
{
	struct parser *P = ctx;
	struct value *v;

	if (P->depth == 0)
		return top_scalar(P, "not an object (null)");
	if ((v = wanted(P)) != NULL)
		set_literal(P, v, V_NULL, 4);
	return 1;
}

static int
cb_boolean(void *ctx, int b)
{
	struct parser *P = ctx;
	struct value *v;

	if (P->depth == 0)
		return top_scalar(P, "not an object (a boolean)");
	if ((v = wanted(P)) != NULL)
		set_literal(P, v, b ? V_TRUE : V_FALSE, b ? 4 : 5);
	return 1;
}

static int
cb_number(void *ctx, const char *s, size_t len)
{
	struct parser *P = ctx;
	struct value *v;

	if (P->depth == 0)
		return top_scalar(P, "not an object (a number)");
	if ((v = wanted(P)) != NULL)
		val_number(v, s, len);
	return 1;
}

/*
 * Where the string token ending at end begins: the opening quote.  In an
 * object it follows the key's end, ':' and white space; in an array we
 * look back for the quote no odd run of backslashes escapes.
 */
static size_t
string_start(const struct parser *P, size_t end)
{
	const char *line = P->line;
	size_t i = end - 1, k;

	if (P->depth > 0 && !P->stack[P->depth].is_array) {
		for (i = P->key_end; i < end && line[i] != '"'; i++)
			;
		return i;
	}
	i = end - 1;

	while (i > 0) {
		i--;
		if (line[i] != '"')
			continue;
		for (k = 0; k < i && line[i - 1 - k] == '\\'; k++)
			;
		if (k % 2 == 0)
			return i;
	}
	return 0;
}

static int
cb_string(void *ctx, const unsigned char *s, size_t len)
{
	struct parser *P = ctx;
	struct value *v;
	const char *cs = (const char *)s;
	size_t end, start;
	char *d;

	if (P->depth == 0)
		return top_scalar(P, "not an object (a string)");
	if ((v = wanted(P)) == NULL)
		return 1;
	v->type = V_STRING;
	if (cs > P->line && cs + len < P->line + P->len) {
		v->s = cs;
		v->raw = cs - 1;
		v->rawlen = len + 2;
		v->slen = len;
	} else {
		/*
		 * Escapes: decode the raw text ourselves, so that lone
		 * surrogates become U+FFFD as everywhere else in streamkit
		 * (yajl would emit invalid UTF-8 or swallow a character).
		 */
		end = yajl_get_bytes_consumed(P->h);
		start = string_start(P, end);
		v->raw = P->line + start;
		v->rawlen = end - start;
		if ((d = arena_alloc(P->arena, v->rawlen)) == NULL) {
			P->reason = "out of memory";
			return 0;
		}
		v->slen = utf8_unescape(d, v->raw + 1, v->rawlen - 2);
		v->s = d;
	}
	return 1;
}

static int
open_container(struct parser *P, int is_array)
{
	struct fnode *n;
	struct frame *fr;

	if (P->depth == 0) {
		if (P->done)
			return top_scalar(P, "");
		if (is_array)
			return top_scalar(P, "not an object (an array)");
	}
	n = value_node(P);
	if (P->depth == REC_DEPTH_MAX) {
		P->reason = "nesting deeper than 1000 levels";
		return 0;
	}
	fr = &P->stack[++P->depth];
	fr->node = n != NULL && n->nedges > 0 ? n : NULL;
	fr->is_array = is_array;
	fr->count = 0;
	fr->slot = n != NULL ? n->slot : -1;
	if (fr->slot >= 0) {
		fr->start = yajl_get_bytes_consumed(P->h) - 1;
		P->v[fr->slot].type = is_array ? V_ARRAY : V_OBJECT;
	}
	return 1;
}

static int
close_container(struct parser *P)
{
	struct frame *fr = &P->stack[P->depth];
	struct value *v;
	size_t end;

	if (fr->slot >= 0 || P->depth == 1) {
		end = yajl_get_bytes_consumed(P->h);
		if (fr->slot >= 0) {
			v = &P->v[fr->slot];
			v->raw = P->line + fr->start;
			v->rawlen = end - fr->start;
			v->nchildren = fr->count;
		}
		if (P->depth == 1) {
			P->done = 1;
			P->done_off = end;
			P->top_keys = fr->count;
		}
	}
	P->depth--;
	return 1;
}

static int
cb_start_map(void *ctx)
{
	return open_container(ctx, 0);
}

static int
cb_start_array(void *ctx)
{
	return open_container(ctx, 1);
}

static int
cb_end(void *ctx)
{
	return close_container(ctx);
}

/* Clear the values of the paths below n (a duplicate key comes again). */
static void
forget_below(struct parser *P, const struct fnode *n)
{
	int i;

	for (i = 0; i < n->nedges; i++) {
		const struct fnode *c = n->edges[i].child;

		if (c->slot >= 0)
			P->v[c->slot].type = V_MISSING;
		if (c->nedges > 0)
			forget_below(P, c);
	}
}

/* A key some wanted path may go through: the slow half of cb_map_key. */
static __attribute__((noinline)) int
key_wanted(struct parser *P, struct fnode *n, const unsigned char *k,
    size_t len)
{
	P->pending = edge_key(n, k, len);
	if (P->pending != NULL) {
		/* Where the value's text starts: after this key and ':'. */
		P->key_end = yajl_get_bytes_consumed(P->h);
		/* A repeated key replaces the whole value: last wins. */
		if (P->pending->nedges > 0)
			forget_below(P, P->pending);
	}
	return 1;
}

static int
cb_map_key(void *ctx, const unsigned char *k, size_t len)
{
	struct parser *P = ctx;
	struct frame *fr = &P->stack[P->depth];
	struct fnode *n = fr->node;

	fr->count++;
	if (n == NULL || !(n->keymask >> (key_bit(k, len) & 63) & 1)) {
		P->pending = NULL;
		return 1;
	}
	return key_wanted(P, n, k, len);
}

static const yajl_callbacks callbacks = {
	cb_null, cb_boolean, NULL, NULL, cb_number, cb_string,
	cb_start_map, cb_map_key, cb_end, cb_start_array, cb_end
};

static void
handle_new(struct parser *P)
{
	if (P->h != NULL)
		yajl_free(P->h);
	if ((P->h = yajl_alloc(&callbacks, NULL, P)) == NULL)
		xmalloc_oom(0);
	yajl_config(P->h, yajl_allow_multiple_values, 1);
	yajl_config(P->h, yajl_dont_validate_strings, 1);
}

struct parser *
rec_parser_new(struct fields *fl, struct arena *a, struct fault *f)
{
	struct parser *P = xcalloc(1, sizeof(*P));

	P->v = xcalloc((size_t)fl->nslots, sizeof(*P->v));
	handle_new(P);
	P->fl = fl;
	P->arena = a;
	return P;
}

void
rec_parser_free(struct parser *P)
{
	if (P == NULL)
		return;
	if (P->h != NULL)
		yajl_free(P->h);
	free(P->v);
	free(P);
}

void
rec_parser_set_arena(struct parser *P, struct arena *a)
{
	P->arena = a;
}

static int
bad(struct parser *P, struct fault *f, const char *what, size_t off)
{
	if (off > 0)
		fault_set(f, EX_DATAERR, "%s at byte %zu", what, off);
	else
		fault_set(f, EX_DATAERR, "%s", what);
	handle_new(P);
	return -1;
}

static int
yajl_failed(struct parser *P, struct fault *f)
{
	unsigned char *e;
	size_t off = yajl_get_bytes_consumed(P->h), n;
	char msg[160];
	const char *m;

	e = yajl_get_error(P->h, 0, (const unsigned char *)P->line, P->len);
	m = e != NULL ? (const char *)e : "syntax error";
	if (strncmp(m, "lexical error: ", 15) == 0)
		m += 15;
	else if (strncmp(m, "parse error: ", 13) == 0)
		m += 13;
	n = strcspn(m, "\n");
	if (n > 0 && m[n - 1] == '.')
		n--;
	snprintf(msg, sizeof(msg), "invalid JSON: %.*s", (int)n, m);
	if (e != NULL)
		yajl_free_error(P->h, e);
	return bad(P, f, msg, off + 1);
}

int
rec_parse(struct parser *P, const char *p, size_t len, struct record *rec,
    struct fault *f)
{
	yajl_status st;
	size_t off, i;

	memset(P->v, 0, sizeof(*P->v) * (size_t)P->fl->nslots);
	rec->p = p;
	rec->len = len;
	rec->v = P->v;
	rec->nv = P->fl->nslots;
	rec->kind = REC_EVENT;
	if ((off = utf8_check(p, len)) != 0) {
		if ((unsigned char)p[off - 1] < 0x80)
			return bad(P, f, "invalid JSON: a raw control "
			    "character", off);
		return bad(P, f, "invalid UTF-8", off);
	}
	P->line = p;
	P->len = len;
	P->depth = 0;
	P->done = 0;
	P->pending = NULL;
	P->reason = NULL;
	st = yajl_parse(P->h, (const unsigned char *)p, len);
	if (st == yajl_status_client_canceled)
		return bad(P, f, P->reason, 0);
	if (st != yajl_status_ok)
		return yajl_failed(P, f);
	if (!P->done) {
		if (P->depth == 0)
			return bad(P, f, "not an object", 0);
		return bad(P, f, "invalid JSON: the line ends inside the object",
		    len + 1);
	}
	for (i = P->done_off; i < len; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return bad(P, f, "invalid JSON: trailing characters "
			    "after the object", i + 1);
	if (P->top_keys == 1) {
		if (P->v[REC_SLOT_WATERMARK].type != V_MISSING)
			rec->kind = REC_WATERMARK;
		else if (P->v[REC_SLOT_PARTIAL].type != V_MISSING)
			rec->kind = REC_PARTIAL;
	} else if (P->top_keys == 2 &&
	    P->v[REC_SLOT_WATERMARK].type != V_MISSING &&
	    P->v[REC_SLOT_FROM].type != V_MISSING) {
		rec->kind = REC_WATERMARK;	/* an instance's, --instance */
	}
	return 0;
}

/* --- a scan of the top level without parsing (--shard's fast skip) --- */

static int
scan_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *
scan_ws(const char *s, const char *e)
{
	while (s < e && scan_is_ws(*s))
		s++;
	return s;
}

/* The first '"' or '\\' in [s, e), or e. */
static inline const char *
scan_quote(const char *s, const char *e)
{
#ifdef __SSE2__
	const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	__m128i v;
	int m;

	for (; e - s >= 16; s += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)s);
		m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, q),
		    _mm_cmpeq_epi8(v, bs)));
		if (m != 0)
			return s + __builtin_ctz((unsigned)m);
	}
#endif
	while (s < e && *s != '"' && *s != '\\')
		s++;
	return s;
}

/* s at an opening quote: past the closing one, or NULL; *esc: a '\\'. */
static inline const char *
scan_string(const char *s, const char *e, int *esc)
{
	*esc = 0;
	for (s++;; s += 2) {
		if ((s = scan_quote(s, e)) == e)
			return NULL;
		if (*s == '"')
			return s + 1;
		*esc = 1;
		if (e - s < 2)
			return NULL;
	}
}

/* The first '"', '{', '}', '[' or ']' in [s, e), or e. */
static inline const char *
scan_struct(const char *s, const char *e)
{
#ifdef __SSE2__
	const __m128i q = _mm_set1_epi8('"'), ob = _mm_set1_epi8('{'),
	    cb = _mm_set1_epi8('}'), os = _mm_set1_epi8('['),
	    cs = _mm_set1_epi8(']');
	__m128i v;
	int m;

	for (; e - s >= 16; s += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)s);
		m = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
		    _mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, ob)),
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, cb),
		    _mm_cmpeq_epi8(v, os)), _mm_cmpeq_epi8(v, cs))));
		if (m != 0)
			return s + __builtin_ctz((unsigned)m);
	}
#endif
	while (s < e && *s != '"' && *s != '{' && *s != '}' && *s != '[' &&
	    *s != ']')
		s++;
	return s;
}

/* Past one value (not checked beyond its extent), or NULL. */
static const char *
scan_value(const char *s, const char *e, int *esc)
{
	int depth = 0, x;

	do {
		if (s == e)
			return NULL;
		switch (*s) {
		case '"':
			if ((s = scan_string(s, e, &x)) == NULL)
				return NULL;
			*esc |= x;
			continue;
		case '{':
		case '[':
			if (++depth > REC_DEPTH_MAX)
				return NULL;
			break;
		case '}':
		case ']':
			if (--depth < 0)
				return NULL;
			break;
		case ',':
			if (depth == 0)
				return NULL;
			break;
		default:
			if (depth == 0) {
				while (s < e && *s != ',' && *s != '}' &&
				    !scan_is_ws(*s))
					s++;
				return s;
			}
		}
		s++;
		if (depth > 0)
			s = scan_struct(s, e);
	} while (depth > 0);
	return s;
}

size_t
rec_value_extent(const char *p, size_t n)
{
	const char *e;
	int esc;

	if (n == 0 || (e = scan_value(p, p + n, &esc)) == NULL)
		return 0;
	return (size_t)(e - p);
}

int
rec_scan_top(const char *p, size_t n, const char *const *names,
    const size_t *lens, int k, struct rec_span *out)
{
	const char *s = p, *e = p + n, *key, *v;
	size_t kn;
	int i, esc;

	for (i = 0; i < k; i++)
		out[i].p = NULL, out[i].n = 0, out[i].esc = 0;
	s = scan_ws(s, e);
	if (s == e || *s++ != '{')
		return -1;
	s = scan_ws(s, e);
	if (s < e && *s == '}')
		goto end;
	for (;;) {
		if (s == e || *s != '"')
			return -1;
		key = s + 1;
		if ((s = scan_string(s, e, &esc)) == NULL || esc)
			return -1;
		kn = (size_t)(s - key - 1);
		if (kn > 0 && *key == '@')
			return -1;
		s = scan_ws(s, e);
		if (s == e || *s++ != ':')
			return -1;
		v = s = scan_ws(s, e);
		esc = 0;
		if ((s = scan_value(s, e, &esc)) == NULL || s == v)
			return -1;
		for (i = 0; i < k; i++)
			if (lens[i] == kn && (kn == 0 ||
			    names[i][0] == key[0]) &&
			    memcmp(names[i], key, kn) == 0) {
				out[i].p = v;
				out[i].n = (size_t)(s - v);
				out[i].esc = *v == '"' && esc;
			}
		s = scan_ws(s, e);
		if (s == e)
			return -1;
		if (*s == '}')
			break;
		if (*s++ != ',')
			return -1;
		s = scan_ws(s, e);
	}
end:
	for (s++; s < e; s++)
		if (!scan_is_ws(*s))
			return -1;
	return 0;
}
