/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_BENCH_FLOOR_H
#define SK_BENCH_FLOOR_H
/*
 * floor.h - plumbing shared by the floor probes (floor_*.c).
 *
 * A floor probe is the least code that does one benchmark case with the
 * same parser as streamkit (yajl, one handle reused for every line): the
 * speed no streamkit tool can beat by much.  What they share lives here:
 * framing lines from big read(2) blocks with memchr, a buffered writer, and
 * a string-keyed open-addressing table.  They ignore everything the tools
 * do beyond that (options, time, errors past a count, bounded state).
 * All functions are static inline so each probe stays one translation unit
 * and unused ones cost nothing.  The caller owns every struct.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FL_BLOCK	(1 << 20)	/* bytes per read(2) */
#define FL_LINE_MAX	(16 << 20)	/* SPEC §8 --max-line-bytes default */
#define FL_OUT_CAP	(1 << 20)	/* bytes per write(2) */

typedef void	(*fl_line_fn)(void *, const unsigned char *, size_t);

struct fl_out {
	unsigned char	*p;
	size_t		 len;
	int		 fd;
};

/* The key part every table entry starts with. */
struct fl_key {
	uint64_t	 hash;
	size_t		 off;		/* into fl_table.keys */
	size_t		 len;
};

/*
 * Dense entries in insertion order (so output order is deterministic)
 * behind a power-of-two index of entry numbers + 1, probed linearly and
 * kept at most half full.
 */
struct fl_table {
	uint32_t	*idx;
	size_t		 idx_cap;
	unsigned char	*ents;
	size_t		 ent_size;
	size_t		 n;
	size_t		 ent_cap;
	char		*keys;
	size_t		 keys_len;
	size_t		 keys_cap;
};

static inline void
fl_die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	exit(74);
}

static inline void *
fl_xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL)
		fl_die("realloc");
	return p;
}

/* Calls fn for each line, without its \n or \r\n; blank lines skipped. */
static inline void
fl_emit(fl_line_fn fn, void *ctx, unsigned char *p, size_t n)
{
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n > 0)
		fn(ctx, p, n);
}

static inline void
fl_lines(int fd, fl_line_fn fn, void *ctx)
{
	unsigned char *buf, *nl;
	size_t cap = 4 * FL_BLOCK, beg = 0, end = 0, scan = 0;
	ssize_t r;

	buf = fl_xrealloc(NULL, cap);
	for (;;) {
		if (cap - end < FL_BLOCK) {
			memmove(buf, buf + beg, end - beg);
			end -= beg;
			scan -= beg;
			beg = 0;
		}
		if (cap - end < FL_BLOCK) {
			if (cap > FL_LINE_MAX) {
				errno = EMSGSIZE;
				fl_die("line");
			}
			cap *= 2;
			buf = fl_xrealloc(buf, cap);
		}
		if ((r = read(fd, buf + end, cap - end)) < 0) {
			if (errno == EINTR)
				continue;
			fl_die("read");
		}
		if (r == 0)
			break;
		end += (size_t)r;
		/* Only the new bytes can hold the end of the pending line. */
		while ((nl = memchr(buf + scan, '\n', end - scan)) != NULL) {
			fl_emit(fn, ctx, buf + beg, (size_t)(nl - buf) - beg);
			beg = scan = (size_t)(nl - buf) + 1;
		}
		scan = end;
	}
	if (end > beg)
		fl_emit(fn, ctx, buf + beg, end - beg);
	free(buf);
}

static inline void
fl_out_init(struct fl_out *o, int fd)
{
	o->p = fl_xrealloc(NULL, FL_OUT_CAP);
	o->len = 0;
	o->fd = fd;
}

static inline void
fl_out_flush(struct fl_out *o)
{
	size_t done = 0;
	ssize_t w;

	while (done < o->len) {
		if ((w = write(o->fd, o->p + done, o->len - done)) < 0) {
			if (errno == EINTR)
				continue;
			fl_die("write");
		}
		done += (size_t)w;
	}
	o->len = 0;
}

static inline void
fl_out_put(struct fl_out *o, const void *p, size_t n)
{
	if (o->len + n > FL_OUT_CAP)
		fl_out_flush(o);
	if (n > FL_OUT_CAP) {
		/* Longer than the buffer: pass it through in pieces. */
		while (n > 0) {
			o->len = n < FL_OUT_CAP ? n : FL_OUT_CAP;
			memcpy(o->p, p, o->len);
			p = (const unsigned char *)p + o->len;
			n -= o->len;
			fl_out_flush(o);
		}
		return;
	}
	memcpy(o->p + o->len, p, n);
	o->len += n;
}

/* A JSON string, quoted and escaped, from the unescaped bytes yajl gave. */
static inline void
fl_out_json_str(struct fl_out *o, const unsigned char *s, size_t n)
{
	char esc[8];
	size_t i, run = 0;

	fl_out_put(o, "\"", 1);
	for (i = 0; i < n; i++) {
		if (s[i] >= 0x20 && s[i] != '"' && s[i] != '\\')
			continue;
		fl_out_put(o, s + run, i - run);
		if (s[i] < 0x20)
			snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
		else
			snprintf(esc, sizeof(esc), "\\%c", s[i]);
		fl_out_put(o, esc, strlen(esc));
		run = i + 1;
	}
	fl_out_put(o, s + run, n - run);
	fl_out_put(o, "\"", 1);
}

static inline uint64_t
fl_hash(const unsigned char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

static inline void
fl_table_init(struct fl_table *t, size_t ent_size)
{
	memset(t, 0, sizeof(*t));
	t->ent_size = ent_size;
	t->idx_cap = 1024;
	t->idx = calloc(t->idx_cap, sizeof(*t->idx));
	if (t->idx == NULL)
		fl_die("calloc");
}

static inline void *
fl_table_ent(const struct fl_table *t, size_t i)
{
	return t->ents + i * t->ent_size;
}

static inline void
fl_table_grow(struct fl_table *t)
{
	struct fl_key *k;
	size_t i, j, mask;

	free(t->idx);
	t->idx_cap *= 2;
	if ((t->idx = calloc(t->idx_cap, sizeof(*t->idx))) == NULL)
		fl_die("calloc");
	mask = t->idx_cap - 1;
	for (i = 0; i < t->n; i++) {
		k = fl_table_ent(t, i);
		for (j = k->hash & mask; t->idx[j] != 0; j = (j + 1) & mask)
			;
		t->idx[j] = (uint32_t)(i + 1);
	}
}

/*
 * The entry for key s, created zeroed (but for its key) when *created is
 * set.  The pointer lasts until the next insertion.
 */
static inline void *
fl_table_get(struct fl_table *t, const unsigned char *s, size_t n,
    int create, int *created)
{
	struct fl_key *k;
	uint64_t h = fl_hash(s, n);
	size_t j, mask = t->idx_cap - 1;

	*created = 0;
	for (j = h & mask; t->idx[j] != 0; j = (j + 1) & mask) {
		k = fl_table_ent(t, t->idx[j] - 1);
		if (k->hash == h && k->len == n &&
		    memcmp(t->keys + k->off, s, n) == 0)
			return k;
	}
	if (!create)
		return NULL;
	if (t->n == t->ent_cap) {
		t->ent_cap = t->ent_cap ? t->ent_cap * 2 : 256;
		t->ents = fl_xrealloc(t->ents, t->ent_cap * t->ent_size);
	}
	while (t->keys_len + n > t->keys_cap) {
		t->keys_cap = t->keys_cap ? t->keys_cap * 2 : 4096;
		t->keys = fl_xrealloc(t->keys, t->keys_cap);
	}
	memcpy(t->keys + t->keys_len, s, n);
	k = fl_table_ent(t, t->n);
	memset(k, 0, t->ent_size);
	k->hash = h;
	k->off = t->keys_len;
	k->len = n;
	t->keys_len += n;
	t->idx[j] = (uint32_t)++t->n;
	*created = 1;
	if (t->n * 2 > t->idx_cap)
		fl_table_grow(t);
	return k;
}

/* stdin, or the one FILE argument. */
static inline int
fl_open_input(int argc, char *argv[], int first)
{
	int fd;

	if (first >= argc || strcmp(argv[first], "-") == 0)
		return 0;
	if ((fd = open(argv[first], O_RDONLY)) < 0)
		fl_die(argv[first]);
	return fd;
}
#endif
