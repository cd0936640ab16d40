/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * join.c - interval, table and as-of join state, and joined records.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "fault.h"
#include "hash.h"
#include "jcur.h"
#include "join.h"
#include "key.h"
#include "par.h"
#include "sat.h"
#include "sink.h"
#include "source.h"
#include "stage.h"
#include "table.h"
#include "utf8.h"
#include "value.h"
#include "watermark.h"
#include "xmalloc.h"

/* One top-level member of a compact object text. */
struct jmem {
	uint32_t	 name;		/* offset of the name's first byte */
	uint32_t	 namelen;	/* raw (still escaped) bytes */
	uint32_t	 off;		/* the member, "name":value */
	uint32_t	 len;
	uint8_t		 esc;		/* the name has escapes */
	uint8_t		 sig;		/* name_sig() as a right name */
};

/* A kept row: its key, then its compact text, in data[]. */
struct jrow {
	struct jrow	*next, *prev;	/* same key, arrival order; held */
	int64_t		 t;
	uint64_t	 seq;		/* arrival, over both sides */
	int64_t		 entry;		/* key table entry, -1: none */
	uint32_t	 keylen;
	uint32_t	 len;
	uint8_t		 side;
	uint8_t		 matched;
	uint8_t		 nullkey;
	struct jmem	*mem;		/* table and as-of rows */
	uint32_t	 nmem;
	uint64_t	 mask;		/* of the members' signatures */
	size_t		 bytes;		/* for --stats */
	char		 data[];
};

struct jname {
	uint32_t	 off, len;
};

/* What copy_scan() finds out: the top-level names, escapes. */
struct jscan {
	struct jname	*names;		/* offsets into the scanned text */
	uint32_t	 nnames, cap;
	int		 escaped;	/* a string that buf_json_canon()
					   rewrites */
};

/* A thread's scratch for join_prep_left(). */
/* Scratch for joining records: a thread's own. */
struct jx {
	struct jscan	 sc;		/* the left's names, escapes */
	struct jmem	*rm;		/* scratch member list */
	uint32_t	 rmcap;
	uint8_t		*hit;		/* right members the left hides */
	uint32_t	 hitcap;
	struct buf	 s1, s2;	/* decoded names */
	struct buf	 out;		/* a joined record (decode threads) */
};

struct join_prep {
	struct jscan	 sc;
	struct buf	 b;
	struct jx	 x;		/* joining, once the table is whole */
};

struct jlist {
	struct jrow	*head, *tail;
};

struct jvers {
	struct jrow	**v;		/* by (t, seq) */
	uint32_t	 n, cap;
};

struct jheap {
	struct jrow	**v;
	size_t		 n, cap;
};

struct join {
	struct join_config c;
	struct table	*keys[2];	/* interval: key -> struct jlist */
	struct jheap	 heap[2];	/* interval: rows by (t, seq) */
	struct table	*tab;		/* table: key -> struct jrow * */
	struct table	*vers;		/* as-of: key -> struct jvers */
	struct jheap	 wait;		/* as-of: left rows by (t, seq) */
	struct jrow	*held, *held_tail;
	size_t		 held_bytes;
	int		 loading;
	int		 whole;		/* atomic: the table is final */
	int64_t		 floor;		/* as-of: no left row below it */
	uint64_t	 seq;
	uint64_t	 nrows;
	uint64_t	 bytes;
	struct join_counts cnt;
	char		*pfx;		/* prefix, JSON-escaped, no quotes */
	size_t		 pfxlen;
	int		 pfxesc;	/* pfx has a backslash */
	struct jx	 x;		/* the one thread's scratch */
	struct buf	 canon;		/* such a record, rewritten */
};

/* ---- Records: compaction, members, names ---- */

static void
jx_init(struct jx *x)
{
	memset(x, 0, sizeof(*x));
	buf_init(&x->s1);
	buf_init(&x->s2);
	buf_init(&x->out);
}

static void
jx_release(struct jx *x)
{
	free(x->rm);
	free(x->hit);
	free(x->sc.names);
	buf_release(&x->s1);
	buf_release(&x->s2);
	buf_release(&x->out);
}

static const char *
row_text(const struct jrow *r)
{
	return r->data + r->keylen;
}

/* Bytes of w equal to b have their high bit set (the lowest is exact). */
static inline uint64_t
bytes_eq(uint64_t w, unsigned char b)
{
	uint64_t x = w ^ (UINT64_C(0x0101010101010101) * b);

	return (x - UINT64_C(0x0101010101010101)) & ~x &
	    UINT64_C(0x8080808080808080);
}

/*
 * Index just past the string that starts at s[i] == '"'; *esc set when
 * the string is not in jq -c's form as it is (an escape, or a raw DEL).
 * Eight bytes at a time look for '"', '\\' or DEL: most strings are
 * short, and a call to memchr per string costs more than the string.
 */
static size_t
string_end_esc(const char *s, size_t n, size_t i, int *esc)
{
	size_t j = i + 1;
	uint64_t w, m;

	while (j < n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		while (j + 8 <= n) {
			memcpy(&w, s + j, 8);
			if ((m = bytes_eq(w, '"') | bytes_eq(w, '\\') |
			    bytes_eq(w, 0x7f)) != 0) {
				j += (size_t)__builtin_ctzll(m) / 8;
				break;
			}
			j += 8;
		}
		if (j >= n)
			break;
#endif
		if (s[j] == '"')
			return j + 1;
		if (s[j] == '\\' || s[j] == 0x7f)
			*esc = 1;
		j += s[j] == '\\' ? 2 : 1;
	}
	return n;
}

static size_t
string_end(const char *s, size_t n, size_t i)
{
	int esc;

	return string_end_esc(s, n, i, &esc);
}

/* Past the value starting at s[i] (compact text). */
static size_t
skip_value(const char *s, size_t n, size_t i)
{
	int depth = 0;

	while (i < n) {
		switch (s[i]) {
		case '"':
			i = string_end(s, n, i);
			if (depth == 0)
				return i;
			continue;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (depth == 0)
				return i;
			if (--depth == 0)
				return i + 1;
			break;
		case ',':
			if (depth == 0)
				return i;
			break;
		default:
			break;
		}
		i++;
	}
	return n;
}

/* The bytes a JSON string body stands for (lone surrogates: U+FFFD). */
static void
unescape(struct buf *o, const char *s, size_t n)
{
	buf_reserve(o, n);
	o->len += utf8_unescape(o->data + o->len, s, n);
}

/*
 * A name's signature: 6 bits of its decoded length and end bytes.  Each
 * right record keeps a 64-bit mask of its members' signatures, so most
 * left names are told apart from every right name by one bit test.
 */
static unsigned
sig_of(const char *p, size_t n)
{
	if (n == 0)
		return 0;
	return ((unsigned)n * 31 + (unsigned char)p[0] * 7 +
	    (unsigned char)p[n - 1]) & 63;
}

/* The signature of a name as written; right names carry the prefix. */
static unsigned
name_sig(const struct join *J, struct jx *x, const char *raw, size_t n,
    int esc, int right)
{
	char e[2];

	if (!esc && (!right || J->pfxlen == 0))
		return sig_of(raw, n);
	if (!esc && !J->pfxesc) {
		if (n == 0)
			return sig_of(J->pfx, J->pfxlen);
		e[0] = J->pfx[0];
		e[1] = raw[n - 1];
		return ((unsigned)(J->pfxlen + n) * 31 +
		    (unsigned char)e[0] * 7 + (unsigned char)e[1]) & 63;
	}
	buf_clear(&x->s2);
	if (right)
		unescape(&x->s2, J->pfx, J->pfxlen);
	unescape(&x->s2, raw, n);
	return sig_of(x->s2.data, x->s2.len);
}

/*
 * The top-level members of the compact object text s[0..n) into *m
 * (grown as needed), with their signatures as right names in *mask.
 * Returns their number; text that is not an object has none.  Bounds
 * are checked at every byte: state files feed it too.
 */
static uint32_t
scan(const struct join *J, struct jx *jx, const char *s, size_t n,
    struct jmem **m, uint32_t *cap, uint64_t *mask)
{
	struct jmem *x;
	uint32_t k = 0;
	size_t i = 1, ns;

	*mask = 0;
	if (n < 2 || s[0] != '{')
		return 0;
	while (i < n && s[i] == '"') {
		if (k == *cap) {
			uint32_t nc = *cap ? *cap * 2 : 16;

			*m = xrealloc(*m, nc * sizeof(**m));
			*cap = nc;
		}
		ns = string_end(s, n, i);
		if (ns >= n || s[ns] != ':')
			break;
		x = &(*m)[k];
		x->off = (uint32_t)i;
		x->name = (uint32_t)i + 1;
		x->namelen = (uint32_t)(ns - i - 2);
		x->esc = memchr(s + i + 1, '\\', x->namelen) != NULL;
		x->sig = (uint8_t)name_sig(J, jx, s + x->name, x->namelen, x->esc,
		    1);
		*mask |= (uint64_t)1 << x->sig;
		i = skip_value(s, n, ns + 1);
		x->len = (uint32_t)(i - x->off);
		k++;
		if (i >= n || s[i] != ',')
			break;
		i++;
	}
	return k;
}

/* Does left name l equal right name r (prefix included)? */
static int
name_eq(const struct join *J, struct jx *x, const char *l, size_t ln,
    int lesc, const char *r,
    size_t rn, int resc)
{
	if (!lesc && !resc && !J->pfxesc)
		return ln == J->pfxlen + rn && (J->pfxlen == 0 ||
		    memcmp(l, J->pfx, J->pfxlen) == 0) &&
		    memcmp(l + J->pfxlen, r, rn) == 0;
	buf_clear(&x->s1);
	unescape(&x->s1, l, ln);
	buf_clear(&x->s2);
	unescape(&x->s2, J->pfx, J->pfxlen);
	unescape(&x->s2, r, rn);
	return x->s1.len == x->s2.len &&
	    memcmp(x->s1.data, x->s2.data, x->s1.len) == 0;
}

/* Note a top-level name of the left record (offsets into its text). */
static void
add_name(struct jscan *sc, size_t off, size_t len)
{
	if (sc->nnames == sc->cap) {
		uint32_t nc = sc->cap ? sc->cap * 2 : 64;

		sc->names = xrealloc(sc->names, nc * sizeof(*sc->names));
		sc->cap = nc;
	}
	sc->names[sc->nnames].off = (uint32_t)off;
	sc->names[sc->nnames++].len = (uint32_t)len;
}

/* A top-level left name: mark the right members it hides. */
static void
hide(const struct join *J, struct jx *x, const char *name, size_t n,
    const char *r,
    const struct jmem *rm, uint32_t nrm, uint64_t mask)
{
	int esc = memchr(name, '\\', n) != NULL;
	unsigned sig = name_sig(J, x, name, n, esc, 0);
	uint32_t k;

	if (!(mask >> sig & 1))
		return;
	for (k = 0; k < nrm; k++)
		if (rm[k].sig == sig && name_eq(J, x, name, n, esc,
		    r + rm[k].name, rm[k].namelen, rm[k].esc))
			x->hit[k] = 1;
}

/*
 * Copy the JSON text s[0..n) to d without insignificant white space
 * (d has room for n bytes); returns the length.  With names, the
 * object's top-level names are listed in sc->names (offsets into s).
 * Strings are skipped eight bytes at a time and copied in runs.
 */
static size_t
copy_scan(struct jscan *sc, char *d, const char *s, size_t n, int names)
{
	size_t i = 0, k = 0, e, run = 0;
	int depth = 0, key = 0;

	sc->nnames = 0;
	sc->escaped = 0;
	while (i < n) {
		switch (s[i]) {
		case '"':
			e = string_end_esc(s, n, i, &sc->escaped);
			if (key && names)
				add_name(sc, i + 1, e - i - 2);
			key = 0;
			i = e;
			continue;
		case ' ':
		case '\t':
		case '\n':
		case '\r':
			memcpy(d + k, s + run, i - run);
			k += i - run;
			run = i + 1;
			break;
		case '{':
			key = ++depth == 1;
			break;
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			depth--;
			break;
		case ',':
			key = depth == 1;
			break;
		default:
			break;
		}
		i++;
	}
	memcpy(d + k, s + run, n - run);
	return k + n - run;
}

/*
 * Append s compacted to b, its strings in jq -c's form (SPEC 3: a joined
 * record is a new one); names are listed as copy_scan() lists them.
 */
static void
put_compact(struct jx *x, struct buf *b, const char *s, size_t n, int names)
{
	size_t k;

	buf_reserve(b, n);
	k = copy_scan(&x->sc, b->data + b->len, s, n, names);
	if (x->sc.escaped)
		buf_json_canon(b, s, n);
	else
		b->len += k;
}

void
join_prefetch(const struct join *J, uint64_t h, int step)
{
	const void *v;
	const char *r;

	if (J->c.mode != JOIN_TABLE)
		return;
	if (step < 2) {
		tab_prefetch(J->tab, h, step);
		return;
	}
	/* The row itself, as lookup() will read it. */
	if ((v = tab_peek(J->tab, h)) == NULL)
		return;
	memcpy(&r, v, sizeof(r));
	__builtin_prefetch(r);
	__builtin_prefetch(r + 64);
	__builtin_prefetch(r + 128);
	__builtin_prefetch(r + 192);
	__builtin_prefetch(r + 256);
}

struct join_prep *
join_prep_new(void)
{
	struct join_prep *P = xcalloc(1, sizeof(*P));

	buf_init(&P->b);
	jx_init(&P->x);
	return P;
}

void
join_prep_free(struct join_prep *P)
{
	if (P == NULL)
		return;
	free(P->sc.names);
	buf_release(&P->b);
	jx_release(&P->x);
	free(P);
}

/* put_compact()'s work, on any thread: no struct join in it. */
int
join_prep_left(struct join_prep *P, const char *rec, size_t len,
    struct arena *a, struct join_left *out)
{
	struct buf *b = &P->b;
	struct jname *nm = NULL;
	char *t;

	buf_clear(b);
	buf_reserve(b, len);
	b->len = copy_scan(&P->sc, b->data, rec, len, 1);
	if (P->sc.escaped) {
		buf_clear(b);
		buf_json_canon(b, rec, len);
	}
	if (a == NULL) {
		out->text = b->data;
		out->len = b->len;
		out->names = P->sc.names;
		out->nnames = P->sc.nnames;
		return 0;
	}
	if ((t = arena_alloc(a, b->len + 1)) == NULL || (P->sc.nnames > 0 &&
	    (nm = arena_alloc(a, P->sc.nnames * sizeof(*nm))) == NULL))
		return -1;
	memcpy(t, b->data, b->len);
	if (nm != NULL)
		memcpy(nm, P->sc.names, P->sc.nnames * sizeof(*nm));
	out->text = t;
	out->len = b->len;
	out->names = nm;
	out->nnames = P->sc.nnames;
	return 0;
}

/* A right member, renamed with the prefix: "PFXname":value. */
static void
put_member(const struct join *J, struct buf *b, const char *r, const struct jmem *m)
{
	if (J->pfxlen == 0) {
		buf_add(b, r + m->off, m->len);
		return;
	}
	buf_addc(b, '"');
	buf_add(b, J->pfx, J->pfxlen);
	buf_add(b, r + m->off + 1, m->len - 1);
}

static void
commit(struct join *J)
{
	buf_addc(sink_buf(J->c.out), '\n');
	sink_commit(J->c.out);
	if (J->c.out_count != NULL)
		(*J->c.out_count)++;
}

/*
 * A joined record, without its newline, at the end of b: the left's
 * members, then the right's that the left lacks.  r is compact text, or
 * a kept row with its members indexed (which a lookup prefetched: the
 * left is copied before it is read).
 */
static void
pair_put(const struct join *J, struct jx *x, struct buf *b, const char *l,
    size_t ln, const struct jrow *row, const char *r, size_t rn,
    const struct join_left *pre)
{
	const struct jmem *rm;
	const struct jname *names;
	uint64_t mask;
	uint32_t nrm, k, nnames;
	size_t start;
	int first;

	if (row != NULL) {
		r = row_text(row);
		rn = row->len;
	}
	if (J->c.nest) {
		buf_adds(b, "{\"left\":");
		if (pre != NULL)
			buf_add(b, pre->text, pre->len);
		else
			put_compact(x, b, l, ln, 0);
		buf_adds(b, ",\"right\":");
		buf_add(b, r, rn);
		buf_addc(b, '}');
		return;
	}
	start = b->len;
	if (pre != NULL) {
		buf_add(b, pre->text, pre->len);
		names = pre->names;
		nnames = pre->nnames;
	} else {
		put_compact(x, b, l, ln, 1);
		names = x->sc.names;
		nnames = x->sc.nnames;
	}
	if (row != NULL && row->mem != NULL) {
		rm = row->mem;
		nrm = row->nmem;
		mask = row->mask;
	} else {
		nrm = scan(J, x, r, rn, &x->rm, &x->rmcap, &mask);
		rm = x->rm;
	}
	if (nrm > x->hitcap) {
		free(x->hit);
		x->hit = xmalloc(nrm);
		x->hitcap = nrm;
	}
	memset(x->hit, 0, nrm);
	for (k = 0; k < nnames; k++)
		hide(J, x, l + names[k].off, names[k].len, r, rm, nrm, mask);
	while (b->len > start && b->data[b->len - 1] != '}')
		b->len--;
	if (b->len > start)
		b->len--;
	first = b->len - start <= 1;
	for (k = 0; k < nrm; k++) {
		if (x->hit[k])
			continue;
		if (!first)
			buf_addc(b, ',');
		put_member(J, b, r, &rm[k]);
		first = 0;
	}
	buf_addc(b, '}');
}

static void
emit_pair(struct join *J, const char *l, size_t ln, const struct jrow *row,
    const char *r, size_t rn, const struct join_left *pre)
{
	J->cnt.matches++;
	pair_put(J, &J->x, sink_buf(J->c.out), l, ln, row, r, rn, pre);
	commit(J);
}

/* A row that found no match, alone (side 1 renamed with the prefix). */
static void
alone_put(const struct join *J, struct jx *x, struct buf *b, int side,
    const char *s, size_t n, const struct join_left *pre)
{
	uint64_t mask;
	uint32_t nm, k;

	if (J->c.nest)
		buf_adds(b, side == 0 ? "{\"left\":" :
		    "{\"left\":null,\"right\":");
	if (side == 1 && J->pfxlen > 0 && !J->c.nest) {
		nm = scan(J, x, s, n, &x->rm, &x->rmcap, &mask);
		buf_addc(b, '{');
		for (k = 0; k < nm; k++) {
			if (k > 0)
				buf_addc(b, ',');
			put_member(J, b, s, &x->rm[k]);
		}
		buf_addc(b, '}');
	} else if (pre != NULL) {
		buf_add(b, pre->text, pre->len);
	} else {
		put_compact(x, b, s, n, 0);
	}
	if (J->c.nest)
		buf_adds(b, side == 0 ? ",\"right\":null}" : "}");
}

static void
emit_alone(struct join *J, int side, const char *s, size_t n,
    const struct join_left *pre)
{
	J->cnt.unmatched++;
	alone_put(J, &J->x, sink_buf(J->c.out), side, s, n, pre);
	commit(J);
}

/* ---- Rows ---- */

static struct jrow *
row_new(struct join *J, int side, int64_t t, const char *key, size_t keylen,
    const char *rec, size_t len, struct fault *f)
{
	struct jrow *r;
	size_t size;

	if (J->nrows >= JOIN_ROWS_MAX)
		return fault_null(f, EX_DATAERR, "more than %u rows kept "
		    "(is a watermark moving?)", JOIN_ROWS_MAX);
	if (keylen > JOIN_KEY_MAX || len > UINT32_MAX)
		return fault_null(f, EX_DATAERR, "join key or record too "
		    "long");
	size = sizeof(*r) + keylen + len;
	r = xmalloc(size);
	memset(r, 0, sizeof(*r));
	r->t = t;
	r->seq = J->seq++;
	r->entry = -1;
	r->side = (uint8_t)side;
	r->nullkey = key == NULL;
	r->keylen = key == NULL ? 0 : (uint32_t)keylen;
	if (key != NULL)
		memcpy(r->data, key, keylen);
	r->len = (uint32_t)copy_scan(&J->x.sc, r->data + r->keylen, rec, len,
	    0);
	if (J->x.sc.escaped) {
		/* Its strings in jq -c's form: rarely, longer (DEL). */
		buf_clear(&J->canon);
		buf_json_canon(&J->canon, rec, len);
		if (J->canon.len > len) {
			size += J->canon.len - len;
			r = xrealloc(r, size);
		}
		memcpy(r->data + r->keylen, J->canon.data, J->canon.len);
		r->len = (uint32_t)J->canon.len;
	}
	r->bytes = size;
	J->nrows++;
	J->bytes += size;
	return r;
}

/*
 * Index the members of a row that is joined again and again.  The index
 * goes in the row's own allocation, so a lookup touches one block; the
 * row may move.
 */
static struct jrow *
row_index(struct join *J, struct jrow *r)
{
	uint64_t mask;
	uint32_t n = scan(J, &J->x, row_text(r), r->len, &J->x.rm,
	    &J->x.rmcap, &mask);
	size_t at = (sizeof(*r) + r->keylen + r->len + 7) & ~(size_t)7;
	size_t size = at + n * sizeof(struct jmem);
	struct jrow *p = xrealloc(r, size);

	p->mem = (struct jmem *)(void *)((char *)p + at);
	memcpy(p->mem, J->x.rm, n * sizeof(struct jmem));
	p->nmem = n;
	p->mask = mask;
	J->bytes += size - p->bytes;
	p->bytes = size;
	return p;
}

static void
row_free(struct join *J, struct jrow *r)
{
	if (r == NULL)
		return;
	J->nrows--;
	J->bytes -= r->bytes;
	free(r);
}

/* ---- Heaps by (t, seq) ---- */

static int
before(const struct jrow *a, const struct jrow *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void
heap_push(struct jheap *h, struct jrow *r)
{
	size_t i, p;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;

		h->v = xrealloc(h->v, cap * sizeof(*h->v));
		h->cap = cap;
	}
	for (i = h->n++; i > 0; i = p) {
		p = (i - 1) / 2;
		if (!before(r, h->v[p]))
			break;
		h->v[i] = h->v[p];
	}
	h->v[i] = r;
}

static struct jrow *
heap_pop(struct jheap *h)
{
	struct jrow *top, *last;
	size_t i = 0, c;

	if (h->n == 0)
		return NULL;
	top = h->v[0];
	last = h->v[--h->n];
	while ((c = 2 * i + 1) < h->n) {
		if (c + 1 < h->n && before(h->v[c + 1], h->v[c]))
			c++;
		if (!before(h->v[c], last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n > 0)
		h->v[i] = last;
	return top;
}

static struct jrow *
heap_top(const struct jheap *h)
{
	return h->n > 0 ? h->v[0] : NULL;
}

/* ---- Life cycle ---- */

struct join *
join_new(const struct join_config *c, struct fault *f)
{
	struct join *J;
	struct buf pb;

	J = xcalloc(1, sizeof(*J));
	J->c = *c;
	J->floor = INT64_MIN;
	jx_init(&J->x);
	buf_init(&J->canon);
	if (c->prefix != NULL && c->prefix[0] != '\0') {
		buf_init(&pb);
		buf_json_cstr(&pb, c->prefix);
		J->pfxlen = pb.len - 2;
		J->pfx = xmalloc(J->pfxlen + 1);
		memcpy(J->pfx, pb.data + 1, J->pfxlen);
		J->pfx[J->pfxlen] = '\0';
		J->pfxesc = memchr(J->pfx, '\\', J->pfxlen) != NULL;
		buf_release(&pb);
	}
	switch (c->mode) {
	case JOIN_INTERVAL:
		J->keys[0] = tab_new(sizeof(struct jlist));
		J->keys[1] = tab_new(sizeof(struct jlist));
		break;
	case JOIN_TABLE:
		J->tab = tab_new(sizeof(struct jrow *));
		break;
	case JOIN_ASOF:
		J->vers = tab_new(sizeof(struct jvers));
		break;
	}
	return J;
}

void
join_free(struct join *J)
{
	struct jrow *r, *n;
	int64_t e;
	uint32_t i;
	int s;

	if (J == NULL)
		return;
	for (s = 0; s < 2; s++) {
		while ((r = heap_pop(&J->heap[s])) != NULL)
			row_free(J, r);
		free(J->heap[s].v);
		tab_free(J->keys[s]);
	}
	for (e = -1; J->tab != NULL && (e = tab_next(J->tab, e)) != -1;)
		row_free(J, *(struct jrow **)tab_value(J->tab, e));
	tab_free(J->tab);
	for (e = -1; J->vers != NULL && (e = tab_next(J->vers, e)) != -1;) {
		struct jvers *vs = tab_value(J->vers, e);

		for (i = 0; i < vs->n; i++)
			row_free(J, vs->v[i]);
		free(vs->v);
	}
	tab_free(J->vers);
	while ((r = heap_pop(&J->wait)) != NULL)
		row_free(J, r);
	free(J->wait.v);
	for (r = J->held; r != NULL; r = n) {
		n = r->next;
		row_free(J, r);
	}
	free(J->pfx);
	jx_release(&J->x);
	buf_release(&J->canon);
	free(J);
}

/* ---- Interval join ---- */

static int
outer(const struct join *J, int side)
{
	return side == 0 ? J->c.outer_left : J->c.outer_right;
}

/* Is r.t - l.t in [lo, hi]?  (Saturation keeps the test exact.) */
static int
in_bounds(const struct join *J, int64_t lt, int64_t rt)
{
	return rt >= sat_add_ns(lt, J->c.lo_ns) && rt <= sat_add_ns(lt, J->c.hi_ns);
}

/* The last W at which a row may still match: it goes once W passes. */
static int64_t
deadline(const struct join *J, const struct jrow *r)
{
	int64_t d = r->side == 0 ? sat_add_ns(r->t, J->c.hi_ns) :
	    sat_sub_ns(r->t, J->c.lo_ns);

	return sat_add_ns(d, J->c.lateness_ns);
}

/* Keep a row in its side's key list and time heap. */
static int
keep(struct join *J, struct jrow *r, struct fault *f)
{
	struct jlist *l;
	int64_t e;
	int created;

	if (!r->nullkey) {
		e = tab_put(J->keys[r->side], r->data, r->keylen,
		    hash_bytes(r->data, r->keylen), &created);
		if (e == -1)
			return fault_set(f, EX_DATAERR, "join key table full");
		l = tab_value(J->keys[r->side], e);
		r->entry = e;
		r->prev = l->tail;
		if (l->tail != NULL)
			l->tail->next = r;
		else
			l->head = r;
		l->tail = r;
	}
	heap_push(&J->heap[r->side], r);
	J->cnt.rows[r->side]++;
	return 0;
}

int
join_add(struct join *J, int side, int64_t t, const char *key,
    size_t keylen, const char *rec, size_t len, struct fault *f)
{
	struct jrow *r, *o;
	struct jlist *l;
	int64_t e;

	if (key == NULL) {
		J->cnt.nokey++;
		if (!outer(J, side)) {
			J->cnt.dropped++;
			return 0;
		}
	}
	if ((r = row_new(J, side, t, key, keylen, rec, len, f)) == NULL)
		return -1;
	e = key == NULL ? -1 : tab_find(J->keys[!side], key, keylen,
	    hash_bytes(key, keylen));
	if (e >= 0) {
		l = tab_value(J->keys[!side], e);
		for (o = l->head; o != NULL; o = o->next) {
			const struct jrow *lr = side == 0 ? r : o;
			const struct jrow *rr = side == 0 ? o : r;

			if (!in_bounds(J, lr->t, rr->t))
				continue;
			emit_pair(J, row_text(lr), lr->len, NULL,
			    row_text(rr), rr->len, NULL);
			r->matched = o->matched = 1;
		}
	}
	if (keep(J, r, f) == -1) {
		row_free(J, r);
		return -1;
	}
	return 0;
}

/* A row leaves: written alone if it never matched on an outer side. */
static void
evict(struct join *J, struct jrow *r)
{
	struct jlist *l;

	if (!r->matched) {
		if (outer(J, r->side))
			emit_alone(J, r->side, row_text(r), r->len, NULL);
		else
			J->cnt.dropped++;
	}
	if (r->entry >= 0) {
		l = tab_value(J->keys[r->side], r->entry);
		if (r->prev != NULL)
			r->prev->next = r->next;
		else
			l->head = r->next;
		if (r->next != NULL)
			r->next->prev = r->prev;
		else
			l->tail = r->prev;
		if (l->head == NULL)
			tab_del(J->keys[r->side], r->entry);
	}
	J->cnt.rows[r->side]--;
	row_free(J, r);
}

/* Release rows whose deadline W passed (all: end of input). */
static void
release(struct join *J, int64_t w, int all)
{
	struct jrow *a, *b, *x;

	for (;;) {
		a = heap_top(&J->heap[0]);
		b = heap_top(&J->heap[1]);
		if (a != NULL && !all && !(w > deadline(J, a)))
			a = NULL;
		if (b != NULL && !all && !(w > deadline(J, b)))
			b = NULL;
		if (a == NULL && b == NULL)
			return;
		x = a == NULL ? b : b == NULL ? a : before(a, b) ? a : b;
		heap_pop(&J->heap[x->side]);
		evict(J, x);
	}
}

void
join_advance(struct join *J, int64_t w)
{
	if (J->c.mode == JOIN_INTERVAL)
		release(J, w, 0);
}

/* ---- Table join ---- */

/* Make r the table's row for its key (the old one goes); -1: full. */
static int
table_set(struct join *J, struct jrow *r, struct fault *f)
{
	struct jrow **slot;
	int64_t e;
	int created;

	e = tab_put(J->tab, r->data, r->keylen, hash_bytes(r->data,
	    r->keylen), &created);
	if (e == -1)
		return fault_set(f, EX_DATAERR, "join table full");
	slot = tab_value(J->tab, e);
	if (!created)
		row_free(J, *slot);
	*slot = r;
	r->entry = e;
	J->cnt.table = tab_count(J->tab);
	return 0;
}

int
join_table_put(struct join *J, const char *key, size_t keylen,
    const char *rec, size_t len, struct fault *f)
{
	struct jrow *r;

	if ((r = row_new(J, 1, 0, key, keylen, rec, len, f)) == NULL)
		return -1;
	r = row_index(J, r);
	if (table_set(J, r, f) == -1) {
		row_free(J, r);
		return -1;
	}
	return 0;
}

int
join_table_del(struct join *J, const char *key, size_t keylen)
{
	int64_t e = tab_find(J->tab, key, keylen, hash_bytes(key, keylen));

	if (e < 0)
		return 0;
	row_free(J, *(struct jrow **)tab_value(J->tab, e));
	tab_del(J->tab, e);
	J->cnt.table = tab_count(J->tab);
	J->cnt.deletes++;
	return 1;
}

/* One value of a tombstone's key, as encoded; null never matches. */
static int
tomb_value(struct jcur *jc, struct buf *kb, struct buf *one, struct buf *sb)
{
	if (jc_peek(jc) == 'n' || key_canon_read(jc, one, sb) == -1)
		return -1;
	buf_add(kb, one->data, one->len);
	return 0;
}

/* The message key read as JSON: one value, or an array of nkeys. */
static int
tomb_json(const struct join *J, const char *k, size_t n, struct buf *kb)
{
	struct buf one, sb;
	struct jcur jc;
	struct fault f;
	int i, r = -1;

	buf_init(&one);
	buf_init(&sb);
	jc_init(&jc, k, n, &f);
	if (J->c.nkeys == 1) {
		r = tomb_value(&jc, kb, &one, &sb) == -1 || jc_end(&jc) != 0 ?
		    -1 : 0;
	} else if (jc_begin_array(&jc) == 0) {
		for (i = 0; i < J->c.nkeys; i++)
			if (jc_more(&jc) != 1 ||
			    tomb_value(&jc, kb, &one, &sb) == -1)
				break;
		r = i == J->c.nkeys && jc_more(&jc) == 0 &&
		    jc_end(&jc) == 0 ? 0 : -1;
	}
	buf_release(&one);
	buf_release(&sb);
	return r;
}

int
join_tombstone(struct join *J, const char *k, size_t n)
{
	struct value v;
	struct buf kb;
	int done = 0;

	if (k == NULL) {
		J->cnt.ignored++;
		return 0;
	}
	buf_init(&kb);
	if (J->c.nkeys == 1) {
		memset(&v, 0, sizeof(v));
		v.type = V_STRING;
		v.s = k;
		v.slen = n;
		key_encode_value(&kb, &v);
		done += join_table_del(J, kb.data, kb.len);
	}
	buf_clear(&kb);
	if (tomb_json(J, k, n, &kb) == 0)
		done += join_table_del(J, kb.data, kb.len);
	buf_release(&kb);
	if (done == 0)
		J->cnt.ignored++;
	return done;
}

/* The table's row of key (NULL: none), its lines on their way. */
static const struct jrow *
find_row(const struct join *J, const char *key, size_t keylen)
{
	const struct jrow *r = NULL;
	int64_t e;

	if ((e = tab_find(J->tab, key, keylen, hash_bytes(key, keylen))) >=
	    0) {
		r = *(struct jrow **)tab_value(J->tab, e);
		/* Its lines arrive while the left record is copied. */
		__builtin_prefetch(r);
		__builtin_prefetch((const char *)r + 64);
		__builtin_prefetch((const char *)r + 128);
		__builtin_prefetch((const char *)r + 192);
		__builtin_prefetch((const char *)r + 256);
	}
	return r;
}

/* Enrich one left row with the table as it is now. */
static void
lookup(struct join *J, const char *key, size_t keylen, const char *rec,
    size_t len, const struct join_left *pre)
{
	const struct jrow *r = NULL;

	if (key == NULL)
		J->cnt.nokey++;
	else
		r = find_row(J, key, keylen);
	if (r != NULL)
		emit_pair(J, rec, len, r, NULL, 0, pre);
	else if (J->c.outer_left)
		emit_alone(J, 0, rec, len, pre);
	else
		J->cnt.dropped++;
}

static void
hold(struct join *J, struct jrow *r)
{
	r->next = NULL;
	if (J->held_tail != NULL)
		J->held_tail->next = r;
	else
		J->held = r;
	J->held_tail = r;
	J->held_bytes += r->bytes;
	J->cnt.held++;
}

int
join_probe(struct join *J, int64_t t, const char *key, size_t keylen,
    const char *rec, size_t len, struct fault *f)
{
	return join_probe_left(J, t, key, keylen, rec, len, NULL, f);
}

int
join_probe_left(struct join *J, int64_t t, const char *key, size_t keylen,
    const char *rec, size_t len, const struct join_left *pre,
    struct fault *f)
{
	struct jrow *r;

	if (!J->loading) {
		lookup(J, key, keylen, rec, len, pre);
		return 0;
	}
	if ((r = row_new(J, 0, t, key, keylen, rec, len, f)) == NULL)
		return -1;
	hold(J, r);
	if (J->held_bytes <= JOIN_HELD_MAX)
		return 0;
	join_loaded(J);
	return 1;
}

int
join_whole(const struct join *J)
{
	return __atomic_load_n(&J->whole, __ATOMIC_ACQUIRE);
}

int
join_prep_lookup(struct join_prep *P, const struct join *J, const char *key,
    size_t keylen, const char *rec, size_t len, const struct join_left *pre,
    struct arena *a, const char **out, size_t *outlen)
{
	const struct jrow *r = key != NULL ? find_row(J, key, keylen) : NULL;
	int code = key == NULL ? JOIN_DONE_NOKEY : 0;
	struct buf *b = &P->x.out;
	char *t = NULL;

	buf_clear(b);
	if (r != NULL) {
		pair_put(J, &P->x, b, rec, len, r, NULL, 0, pre);
		code |= JOIN_DONE_MATCH;
	} else if (J->c.outer_left) {
		alone_put(J, &P->x, b, 0, rec, len, pre);
		code |= JOIN_DONE_ALONE;
	} else {
		code |= JOIN_DONE_DROPPED;
	}
	if (b->len > 0 && (t = arena_alloc(a, b->len)) == NULL)
		return -1;
	if (t != NULL)
		memcpy(t, b->data, b->len);
	*out = t;
	*outlen = b->len;
	return code;
}

void
join_take_done(struct join *J, int code, const char *out, size_t outlen)
{
	if (code & JOIN_DONE_NOKEY)
		J->cnt.nokey++;
	if (code & JOIN_DONE_DROPPED) {
		J->cnt.dropped++;
		return;
	}
	if (code & JOIN_DONE_MATCH)
		J->cnt.matches++;
	else
		J->cnt.unmatched++;
	buf_add(sink_buf(J->c.out), out, outlen);
	commit(J);
}

void
join_set_loading(struct join *J, int on)
{
	J->loading = on;
}

int
join_loading(const struct join *J)
{
	return J->loading;
}

void
join_loaded(struct join *J)
{
	struct jrow *r, *n;

	J->loading = 0;
	for (r = J->held; r != NULL; r = n) {
		n = r->next;
		lookup(J, r->nullkey ? NULL : r->data, r->keylen,
		    row_text(r), r->len, NULL);
		row_free(J, r);
	}
	J->held = J->held_tail = NULL;
	J->held_bytes = 0;
	J->cnt.held = 0;
}

/* ---- As-of join ---- */

/* Drop the versions older than the newest one at or before the floor. */
static void
prune(struct join *J, struct jvers *vs)
{
	uint32_t lo = 0, hi = vs->n, keep_from, i;

	while (lo < hi) {		/* first version after the floor */
		uint32_t mid = lo + (hi - lo) / 2;

		if (vs->v[mid]->t <= J->floor)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo <= 1)
		return;
	keep_from = lo - 1;
	for (i = 0; i < keep_from; i++)
		row_free(J, vs->v[i]);
	memmove(vs->v, vs->v + keep_from, (vs->n - keep_from) *
	    sizeof(*vs->v));
	vs->n -= keep_from;
	J->cnt.rows[1] -= keep_from;
}

static int
add_version(struct join *J, struct jrow *r, struct fault *f)
{
	struct jvers *vs;
	uint32_t lo, hi;
	int64_t e;
	int created;

	e = tab_put(J->vers, r->data, r->keylen, hash_bytes(r->data,
	    r->keylen), &created);
	if (e == -1)
		return fault_set(f, EX_DATAERR, "join version table full");
	vs = tab_value(J->vers, e);
	if (vs->n == vs->cap) {
		uint32_t cap = vs->cap ? vs->cap * 2 : 2;

		vs->v = xrealloc(vs->v, cap * sizeof(*vs->v));
		vs->cap = cap;
	}
	for (lo = 0, hi = vs->n; lo < hi;) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (before(vs->v[mid], r))
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(vs->v + lo + 1, vs->v + lo, (vs->n - lo) * sizeof(*vs->v));
	vs->v[lo] = r;
	vs->n++;
	r->entry = e;
	J->cnt.rows[1]++;
	prune(J, vs);
	return 0;
}

int
join_version(struct join *J, int64_t t, const char *key, size_t keylen,
    const char *rec, size_t len, struct fault *f)
{
	struct jrow *r;

	if (key == NULL) {
		J->cnt.nokey++;
		return 0;
	}
	if ((r = row_new(J, 1, t, key, keylen, rec, len, f)) == NULL)
		return -1;
	r = row_index(J, r);
	if (add_version(J, r, f) == -1) {
		row_free(J, r);
		return -1;
	}
	return 0;
}

int
join_wait(struct join *J, int64_t t, const char *key, size_t keylen,
    const char *rec, size_t len, struct fault *f)
{
	struct jrow *r;

	if ((r = row_new(J, 0, t, key, keylen, rec, len, f)) == NULL)
		return -1;
	heap_push(&J->wait, r);
	J->cnt.rows[0]++;
	return 0;
}

/* A left row's turn: the version valid at its time, if any. */
static void
answer(struct join *J, struct jrow *l)
{
	struct jvers *vs = NULL;
	const struct jrow *v = NULL;
	uint32_t lo = 0, hi;
	int64_t e;

	if (l->nullkey)
		J->cnt.nokey++;
	else if ((e = tab_find(J->vers, l->data, l->keylen,
	    hash_bytes(l->data, l->keylen))) >= 0)
		vs = tab_value(J->vers, e);
	if (vs != NULL) {
		for (hi = vs->n; lo < hi;) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (vs->v[mid]->t <= l->t)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > 0)
			v = vs->v[lo - 1];
	}
	if (v != NULL)
		emit_pair(J, row_text(l), l->len, v, NULL, 0, NULL);
	else if (J->c.outer_left)
		emit_alone(J, 0, row_text(l), l->len, NULL);
	else
		J->cnt.dropped++;
	if (vs != NULL)
		prune(J, vs);
}

static void
answer_until(struct join *J, int64_t wr, int all)
{
	struct jrow *l;

	while ((l = heap_top(&J->wait)) != NULL &&
	    (all || wr > sat_add_ns(l->t, J->c.lateness_ns))) {
		heap_pop(&J->wait);
		J->cnt.rows[0]--;
		answer(J, l);
		row_free(J, l);
	}
}

void
join_release(struct join *J, int64_t wr, int64_t floor)
{
	const struct jrow *top;

	if (J->c.mode != JOIN_ASOF)
		return;
	answer_until(J, wr, 0);
	top = heap_top(&J->wait);
	if (top != NULL && top->t < floor)
		floor = top->t;
	if (floor > J->floor)
		J->floor = floor;
}

void
join_flush(struct join *J)
{
	switch (J->c.mode) {
	case JOIN_INTERVAL:
		release(J, 0, 1);
		break;
	case JOIN_TABLE:
		join_loaded(J);
		break;
	case JOIN_ASOF:
		answer_until(J, 0, 1);
		break;
	}
}

const struct join_counts *
join_counts(const struct join *J)
{
	return &J->cnt;
}

uint64_t
join_bytes(const struct join *J)
{
	uint64_t n = J->bytes;

	if (J->tab != NULL)
		n += tab_bytes(J->tab);
	if (J->vers != NULL)
		n += tab_bytes(J->vers);
	if (J->keys[0] != NULL)
		n += tab_bytes(J->keys[0]) + tab_bytes(J->keys[1]);
	return n;
}

/* ---- State ---- */

/* Kinds of saved rows. */
enum { K_LEFT, K_RIGHT, K_TABLE, K_VERSION, K_WAIT, K_HELD };

struct saved {
	const struct jrow *r;
	int		 kind;
};

static int
saved_cmp(const void *a, const void *b)
{
	const struct saved *x = a, *y = b;

	return x->r->seq < y->r->seq ? -1 : x->r->seq > y->r->seq;
}

static void
collect(const struct join *J, struct saved *v, size_t *n)
{
	const struct jrow *r;
	size_t i;
	int64_t e;
	uint32_t k;
	int s;

	for (s = 0; s < 2; s++)
		for (i = 0; i < J->heap[s].n; i++) {
			v[*n].r = J->heap[s].v[i];
			v[(*n)++].kind = s == 0 ? K_LEFT : K_RIGHT;
		}
	for (e = -1; J->tab != NULL && (e = tab_next(J->tab, e)) != -1;) {
		v[*n].r = *(struct jrow **)tab_value(J->tab, e);
		v[(*n)++].kind = K_TABLE;
	}
	for (e = -1; J->vers != NULL && (e = tab_next(J->vers, e)) != -1;) {
		const struct jvers *vs = tab_value(J->vers, e);

		for (k = 0; k < vs->n; k++) {
			v[*n].r = vs->v[k];
			v[(*n)++].kind = K_VERSION;
		}
	}
	for (i = 0; i < J->wait.n; i++) {
		v[*n].r = J->wait.v[i];
		v[(*n)++].kind = K_WAIT;
	}
	for (r = J->held; r != NULL; r = r->next) {
		v[*n].r = r;
		v[(*n)++].kind = K_HELD;
	}
}

void
join_save(const struct join *J, struct buf *b)
{
	struct saved *v;
	const struct jrow *r;
	size_t n = 0, i;

	buf_printf(b, "{\"seq\":%llu,\"floor\":%lld,\"counts\":[%llu,%llu,"
	    "%llu,%llu,%llu],\"rows\":[", (unsigned long long)J->seq,
	    (long long)J->floor, (unsigned long long)J->cnt.matches,
	    (unsigned long long)J->cnt.unmatched,
	    (unsigned long long)J->cnt.dropped,
	    (unsigned long long)J->cnt.nokey,
	    (unsigned long long)J->cnt.deletes);
	v = xmalloc((J->nrows + 1) * sizeof(*v));
	collect(J, v, &n);
	assert(n == J->nrows);
	qsort(v, n, sizeof(*v), saved_cmp);
	for (i = 0; i < n; i++) {
		r = v[i].r;
		buf_printf(b, "%s[%d,%lld,%llu,%d,", i ? "," : "", v[i].kind,
		    (long long)r->t, (unsigned long long)r->seq, r->matched);
		if (r->nullkey) {
			buf_adds(b, "null,");
		} else {
			buf_addc(b, '"');
			buf_hex(b, r->data, r->keylen);
			buf_adds(b, "\",");
		}
		buf_json_str(b, row_text(r), r->len);
		buf_addc(b, ']');
	}
	buf_adds(b, "]}");
	free(v);
}

/* Put a restored row where its kind lives. */
static int
restore_row(struct join *J, int kind, struct jrow *r, struct fault *f)
{
	static const enum join_mode mode[] = { JOIN_INTERVAL, JOIN_INTERVAL,
	    JOIN_TABLE, JOIN_ASOF, JOIN_ASOF, JOIN_TABLE };

	if (kind < 0 || kind > K_HELD || mode[kind] != J->c.mode ||
	    (r->nullkey && (kind == K_TABLE || kind == K_VERSION)))
		return fault_set(f, EX_DATAERR, "a join row of the wrong kind");
	r->side = kind == K_LEFT || kind == K_WAIT || kind == K_HELD ? 0 : 1;
	switch (kind) {
	case K_LEFT:
	case K_RIGHT:
		return keep(J, r, f);
	case K_TABLE:
		return table_set(J, r, f);
	case K_VERSION:
		return add_version(J, r, f);
	case K_WAIT:
		heap_push(&J->wait, r);
		J->cnt.rows[0]++;
		return 0;
	default:
		hold(J, r);
		return 0;
	}
}

static int
load_row(struct join *J, struct jcur *jc, int nkeys, struct buf *key,
    struct buf *text, struct fault *f)
{
	int64_t kind, t, matched;
	uint64_t seq;
	struct jrow *r;
	int nullkey = 0;

	if (jc_begin_array(jc) == -1 || jc_more(jc) != 1 ||
	    jc_int(jc, &kind) == -1 || jc_more(jc) != 1 ||
	    jc_int(jc, &t) == -1 || jc_more(jc) != 1 ||
	    jc_uint(jc, &seq) == -1 || jc_more(jc) != 1 ||
	    jc_int(jc, &matched) == -1 || jc_more(jc) != 1)
		return -1;
	if (jc_peek(jc) == 'n') {
		nullkey = 1;
		if (jc_null(jc) == -1)
			return -1;
	} else if (jc_string(jc, text) == -1) {
		return -1;
	} else if (buf_unhex(key, text->data, text->len) == -1 ||
	    !key_valid(key->data, key->len, nkeys)) {
		return jc_fail(jc, "a bad join key");
	}
	if (jc_more(jc) != 1 || jc_string(jc, text) == -1 ||
	    jc_more(jc) != 0)
		return -1;
	if (text->len < 2 || text->data[0] != '{')
		return jc_fail(jc, "a join row is not an object");
	r = row_new(J, 0, t, nullkey ? NULL : key->data, key->len,
	    text->data, text->len, f);
	if (r == NULL)
		return -1;
	r->seq = seq;
	r->matched = matched != 0;
	if (kind == K_TABLE || kind == K_VERSION)
		r = row_index(J, r);
	if (seq >= J->seq)
		J->seq = seq + 1;
	if (restore_row(J, (int)kind, r, f) == -1) {
		row_free(J, r);
		return -1;
	}
	return 0;
}

int
join_load(struct join *J, struct jcur *jc, int nkeys, struct fault *f)
{
	int64_t floor, c[5];
	uint64_t seq;
	struct buf key, text;
	int k, r = 0;

	if (jc_begin_object(jc) == -1 || jc_more(jc) != 1 ||
	    jc_expect_key(jc, "seq") == -1 || jc_uint(jc, &seq) == -1 ||
	    jc_more(jc) != 1 || jc_expect_key(jc, "floor") == -1 ||
	    jc_int(jc, &floor) == -1 || jc_more(jc) != 1 ||
	    jc_expect_key(jc, "counts") == -1 || jc_begin_array(jc) == -1)
		return -1;
	for (k = 0; k < 5; k++)
		if (jc_more(jc) != 1 || jc_int(jc, &c[k]) == -1 || c[k] < 0)
			return jc_fail(jc, "bad join counters");
	if (jc_more(jc) != 0 || jc_more(jc) != 1 ||
	    jc_expect_key(jc, "rows") == -1 || jc_begin_array(jc) == -1)
		return -1;
	J->seq = seq;
	J->floor = floor;
	J->cnt.matches = (uint64_t)c[0];
	J->cnt.unmatched = (uint64_t)c[1];
	J->cnt.dropped = (uint64_t)c[2];
	J->cnt.nokey = (uint64_t)c[3];
	J->cnt.deletes = (uint64_t)c[4];
	buf_init(&key);
	buf_init(&text);
	while (r == 0 && jc_more(jc) == 1)
		r = load_row(J, jc, nkeys, &key, &text, f);
	buf_release(&key);
	buf_release(&text);
	if (r == -1 || jc->failed || jc_more(jc) != 0 || jc_end(jc) != 0)
		return -1;
	return 0;
}

int
join_row(struct join *J, int side, int64_t t, const char *key, size_t keylen,
    const char *rec, size_t len, struct fault *f)
{
	switch (J->c.mode) {
	case JOIN_INTERVAL:
		return join_add(J, side, t, key, keylen, rec, len, f);
	case JOIN_TABLE:
		if (side == 1 && key != NULL)
			return join_table_put(J, key, keylen, rec, len, f);
		if (side == 0)
			return join_probe(J, t, key, keylen, rec, len, f);
		return 0;
	default:
		return side == 1 ? join_version(J, t, key, keylen, rec, len,
		    f) : join_wait(J, t, key, keylen, rec, len, f);
	}
}

void
join_progress(struct join *J, const struct watermark *wm, int right_ended)
{
	int64_t wr, wl;

	if (J->c.mode == JOIN_TABLE) {
		if (J->cnt.held > 0 && (!join_loading(J) || right_ended))
			join_loaded(J);
		else if (join_loading(J) && right_ended)
			join_set_loading(J, 0);
		/* No row comes any more: the decode threads may read it. */
		if (right_ended && !J->whole)
			__atomic_store_n(&J->whole, 1, __ATOMIC_RELEASE);
	}
	if (J->c.mode != JOIN_ASOF)
		return;
	wr = wm->group_wm_ns[1];
	/* All input done: the flush at the end decides (--eof). */
	if (wr == WM_MAX && wm->wm_ns == WM_MAX)
		return;
	/*
	 * An ended left input says nothing of the next run's rows
	 * (--state): only its own watermark prunes versions.
	 */
	wl = wm->group_wm_ns[0];
	join_release(J, wr, wl == WM_MAX ? WM_MIN :
	    sat_sub_ns(wl, J->c.lateness_ns));
}

void
join_late(struct join *J, int side)
{
	J->cnt.late[side]++;
}

/* --- as stream-join's stage (stage.h) --- */

static void
stage_flush(void *J)
{
	join_flush(J);
}

static uint64_t
stage_bytes(void *J)
{
	return join_bytes(J);
}

static void
stage_save(void *J, struct buf *b)
{
	join_save(J, b);
}

static int
stage_load(void *p, const char *text, size_t n, struct fault *f)
{
	struct join *J = p;
	struct jcur jc;

	jc_init(&jc, text, n, f);
	return join_load(J, &jc, J->c.nkeys, f);
}

static void
stage_stats(void *p, struct buf *b)
{
	const struct join *J = p;
	const struct join_counts *c = &J->cnt;

	buf_printf(b, ", matches %llu, unmatched %llu, dropped %llu",
	    (unsigned long long)c->matches, (unsigned long long)c->unmatched,
	    (unsigned long long)c->dropped);
	if (J->c.mode == JOIN_TABLE)
		buf_printf(b, ", table rows %llu, deletes %llu, held %llu",
		    (unsigned long long)c->table,
		    (unsigned long long)c->deletes,
		    (unsigned long long)c->held);
	else
		buf_printf(b, ", buffered left %llu right %llu, late left "
		    "%llu right %llu", (unsigned long long)c->rows[0],
		    (unsigned long long)c->rows[1],
		    (unsigned long long)c->late[0],
		    (unsigned long long)c->late[1]);
	if (c->nokey > 0)
		buf_printf(b, ", null keys %llu", (unsigned long long)c->nokey);
	if (c->ignored > 0)
		buf_printf(b, ", tombstones ignored %llu",
		    (unsigned long long)c->ignored);
}

const struct stage_ops join_stage = {
	NULL, stage_flush, stage_bytes, stage_save, stage_load, stage_stats
};

/*
 * -j N, on a decode thread: a row's key, encoded, and a --table join's
 * left row made ready to write.  No room in the arena: the in-order
 * thread does it all again.
 */
struct join_wctx {
	struct buf	 b;
	struct join_prep *jp;
};

static void *
join_wctx_new(void *arg)
{
	struct join_wctx *c = xmalloc(sizeof(*c));

	(void)arg;
	buf_init(&c->b);
	c->jp = join_prep_new();
	return c;
}

static void
join_wctx_free(void *arg, void *ctx)
{
	struct join_wctx *c = ctx;

	(void)arg;
	buf_release(&c->b);
	join_prep_free(c->jp);
	free(c);
}

static int
join_prepare(void *arg, void *ctx, const struct record *rec,
    struct arena *keep, struct par_prep *p, struct fault *f)
{
	const struct join_keys *jk = arg;
	struct join_wctx *c = ctx;
	struct buf *b = &c->b;
	struct join_left jl;
	char *k = NULL;
	int code;

	if (key_encode_nonnull(jk->key[rec->stream], rec, b) != NULL &&
	    (k = arena_alloc(keep, b->len + 1)) == NULL)
		return fault_set(f, EX_SOFTWARE, "no room for the key");
	if (k != NULL) {
		memcpy(k, b->data, b->len);
		p->verdict = 1;
		p->key = k;
		p->keylen = b->len;
		p->hash = hash_bytes(k, b->len);
	}
	if (jk->mode != JOIN_TABLE || rec->stream != 0)
		return 0;
	/* The table is final: join here, the one thread only writes. */
	if (jk->J != NULL && join_whole(jk->J)) {
		join_prep_left(c->jp, rec->p, rec->len, NULL, &jl);
		if ((code = join_prep_lookup(c->jp, jk->J, k, p->keylen,
		    rec->p, rec->len, &jl, keep, &p->out, &p->outlen)) >= 0) {
			p->verdict |= JOIN_PREP_DONE;
			p->auxn = (size_t)code;
			return 0;
		}
	}
	if (join_prep_left(c->jp, rec->p, rec->len, keep, &jl) == -1)
		return fault_set(f, EX_SOFTWARE, "no room for the row");
	p->out = jl.text;
	p->outlen = jl.len;
	p->aux = jl.names;
	p->auxn = jl.nnames;
	return 0;
}

void
join_par_tool(const struct join_keys *jk, struct par_tool *t)
{
	memset(t, 0, sizeof(*t));
	t->ctx_new = join_wctx_new;
	t->ctx_free = join_wctx_free;
	t->prep = join_prepare;
	t->arg = (void *)jk;
}

void
join_pace_init(struct join_pace *P, struct join *J, struct source *src,
    enum join_mode mode)
{
	memset(P, 0, sizeof(*P));
	P->J = J;
	P->src = src;
	P->mode = mode;
	P->forwarded = WM_MIN;
}

/* After every input step: quiet the table's channels, catch up. */
static void
join_pace_progress(struct join_pace *P)
{
	struct watermark *wm = src_wm(P->src);
	uint64_t out = src_counters(P->src)->out;

	if (P->mode == JOIN_TABLE)
		for (; P->nch < wm->nch; P->nch++)
			if (wm->ch[P->nch].group == 1)
				wm_channel_end(wm, P->nch);
	join_progress(P->J, wm, src_side_ended(P->src, 1));
	P->fired |= src_counters(P->src)->out > out;
}

void
join_pace_advance(struct join_pace *P, int64_t w)
{
	uint64_t out = src_counters(P->src)->out;

	if (w != WM_MAX)	/* end of all input: the flush decides */
		join_advance(P->J, w);
	P->fired |= src_counters(P->src)->out > out;
	join_pace_progress(P);
}

int
join_pace_may_forward(struct join_pace *P, int64_t w, int tick)
{
	join_pace_progress(P);
	if (join_counts(P->J)->held > 0 || w == P->forwarded)
		return 0;
	if (!P->fired && !tick && P->forwarded != WM_MIN &&
	    sat_sub_ns(w, P->forwarded) < 1000000000)
		return 0;
	P->fired = 0;
	P->forwarded = w;
	return 1;
}
