/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * table.c - open addressing over an entry array.
 */
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "xmalloc.h"

struct entry {
	uint64_t	 hash;
	uint32_t	 klen;
	uint32_t	 live;
	union {
		char	 in[TAB_INLINE];
		char	*out;
	} k;
	/* value bytes follow, aligned */
};

struct slot {
	uint32_t	 tag;		/* high hash bits; 0: empty */
	uint32_t	 entry;		/* entry + 1 when tag != 0 */
};

struct table {
	struct slot	*index;
	size_t		 mask;		/* index size - 1 */
	char		*entries;
	size_t		 esize;		/* bytes per entry */
	size_t		 vsize;
	size_t		 nentries;	/* used, live or free */
	size_t		 capentries;
	size_t		 count;		/* live */
	size_t		 tombs;		/* deleted index slots */
	int64_t		 freelist;	/* deleted entry numbers, chained */
	size_t		 keybytes;	/* out-of-line key bytes */
};

#define TOMB	UINT32_MAX	/* slot.entry of a deleted slot */

static inline struct entry *
E(const struct table *t, int64_t i)
{
	return (struct entry *)(t->entries + (size_t)i * t->esize);
}

static inline uint32_t
tag_of(uint64_t h)
{
	uint32_t g = (uint32_t)(h >> 32);

	return g == 0 ? 1 : g;
}

static inline const char *
ekey(const struct entry *e)
{
	return e->klen <= TAB_INLINE ? e->k.in : e->k.out;
}

struct table *
tab_new(size_t vsize)
{
	struct table *t;

	t = xcalloc(1, sizeof(*t));
	t->vsize = vsize;
	t->esize = (sizeof(struct entry) + (vsize < 8 ? 8 : vsize) + 7) &
	    ~(size_t)7;
	t->freelist = -1;
	t->mask = 15;
	t->index = xcalloc(16, sizeof(*t->index));
	return t;
}

void
tab_clear(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nentries; i++) {
		struct entry *e = E(t, (int64_t)i);

		if (e->live && e->klen > TAB_INLINE)
			free(e->k.out);
	}
	memset(t->index, 0, (t->mask + 1) * sizeof(*t->index));
	t->nentries = t->count = t->tombs = t->keybytes = 0;
	t->freelist = -1;
}

void
tab_free(struct table *t)
{
	if (t == NULL)
		return;
	tab_clear(t);
	free(t->index);
	free(t->entries);
	free(t);
}

int64_t
tab_find(const struct table *t, const void *key, size_t klen, uint64_t h)
{
	uint32_t tag = tag_of(h);
	size_t i = (size_t)h & t->mask;
	const struct slot *s;
	const struct entry *e;

	for (;; i = (i + 1) & t->mask) {
		s = &t->index[i];
		if (s->tag == 0)
			return -1;
		if (s->tag != tag || s->entry == TOMB)
			continue;
		e = E(t, s->entry - 1);
		if (e->hash == h && e->klen == klen &&
		    (klen == 0 || memcmp(ekey(e), key, klen) == 0))
			return s->entry - 1;
	}
}

void
tab_prefetch(const struct table *t, uint64_t h, int step)
{
	const struct slot *s = &t->index[(size_t)h & t->mask];

	if (step == 0) {
		__builtin_prefetch(s);
		return;
	}
	if (s->tag == tag_of(h) && s->entry != TOMB) {
		/* An entry may straddle two lines: its value too. */
		const char *e = (const char *)E(t, s->entry - 1);

		__builtin_prefetch(e);
		__builtin_prefetch(e + t->esize - 1);
	}
}

const void *
tab_peek(const struct table *t, uint64_t h)
{
	const struct slot *s = &t->index[(size_t)h & t->mask];
	const struct entry *e;

	if (s->tag != tag_of(h) || s->entry == TOMB)
		return NULL;
	e = E(t, s->entry - 1);
	return e->live ? (const void *)(e + 1) : NULL;
}

static void
rehash(struct table *t, size_t size)
{
	struct slot *ix = xcalloc(size, sizeof(*ix));
	size_t i, j, mask = size - 1;

	for (i = 0; i < t->nentries; i++) {
		struct entry *e = E(t, (int64_t)i);

		if (!e->live)
			continue;
		for (j = (size_t)e->hash & mask; ix[j].tag != 0;
		    j = (j + 1) & mask)
			;
		ix[j].tag = tag_of(e->hash);
		ix[j].entry = (uint32_t)i + 1;
	}
	free(t->index);
	t->index = ix;
	t->mask = mask;
	t->tombs = 0;
}

static int64_t
new_entry(struct table *t)
{
	int64_t i;

	if (t->freelist >= 0) {
		i = t->freelist;
		memcpy(&t->freelist, (char *)(E(t, i) + 1), sizeof(int64_t));
		return i;
	}
	if (t->nentries == t->capentries) {
		size_t cap = t->capentries ? t->capentries * 2 : 64;

		if (cap > TAB_MAX)
			return -1;
		t->entries = xrealloc(t->entries, cap * t->esize);
		t->capentries = cap;
	}
	return (int64_t)t->nentries++;
}

int64_t
tab_put(struct table *t, const void *key, size_t klen, uint64_t h,
    int *created)
{
	struct entry *e;
	size_t i;
	int64_t n;

	*created = 0;
	if ((n = tab_find(t, key, klen, h)) >= 0)
		return n;
	if ((t->count + t->tombs + 1) * 4 > (t->mask + 1) * 3)
		rehash(t, t->count * 4 > (t->mask + 1) * 3 / 2 ?
		    (t->mask + 1) * 2 : t->mask + 1);
	if (klen > UINT32_MAX || (n = new_entry(t)) == -1)
		return -1;
	e = E(t, n);
	memset(e, 0, t->esize);
	e->hash = h;
	e->klen = (uint32_t)klen;
	e->live = 1;
	if (klen <= TAB_INLINE) {
		if (klen > 0)
			memcpy(e->k.in, key, klen);
	} else {
		e->k.out = xmalloc(klen);
		memcpy(e->k.out, key, klen);
		t->keybytes += klen;
	}
	for (i = (size_t)h & t->mask; t->index[i].tag != 0 &&
	    t->index[i].entry != TOMB; i = (i + 1) & t->mask)
		;
	if (t->index[i].entry == TOMB && t->index[i].tag != 0)
		t->tombs--;
	t->index[i].tag = tag_of(h);
	t->index[i].entry = (uint32_t)n + 1;
	t->count++;
	*created = 1;
	return n;
}

void
tab_del(struct table *t, int64_t n)
{
	struct entry *e = E(t, n);
	size_t i;

	for (i = (size_t)e->hash & t->mask; t->index[i].tag != 0;
	    i = (i + 1) & t->mask) {
		if (t->index[i].entry == (uint32_t)n + 1) {
			t->index[i].entry = TOMB;
			t->tombs++;
			break;
		}
	}
	if (e->klen > TAB_INLINE) {
		free(e->k.out);
		t->keybytes -= e->klen;
	}
	e->live = 0;
	memcpy((char *)(e + 1), &t->freelist, sizeof(int64_t));
	t->freelist = n;
	t->count--;
}

int
tab_live(const struct table *t, int64_t n)
{
	return n >= 0 && (size_t)n < t->nentries && E(t, n)->live;
}

void *
tab_value(const struct table *t, int64_t n)
{
	return (char *)(E(t, n) + 1);
}

const char *
tab_key(const struct table *t, int64_t n, size_t *len)
{
	const struct entry *e = E(t, n);

	*len = e->klen;
	return ekey(e);
}

uint64_t
tab_hash(const struct table *t, int64_t n)
{
	return E(t, n)->hash;
}

size_t
tab_count(const struct table *t)
{
	return t->count;
}

size_t
tab_bytes(const struct table *t)
{
	return (t->mask + 1) * sizeof(struct slot) +
	    t->capentries * t->esize + t->keybytes;
}

int64_t
tab_next(const struct table *t, int64_t it)
{
	size_t i;

	for (i = (size_t)(it + 1); i < t->nentries; i++)
		if (E(t, (int64_t)i)->live)
			return (int64_t)i;
	return -1;
}
