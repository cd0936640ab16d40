/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * arena.c - a bump allocator over a list of chunks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "xmalloc.h"

struct chunk {
	struct chunk	*next;
	size_t		 size;
	size_t		 used;
	max_align_t	 data[];
};

struct arena {
	struct chunk	*head;		/* current chunk, others behind it */
	size_t		 total;		/* bytes handed out since reset */
};

struct arena *
arena_new(void)
{
	return xcalloc(1, sizeof(struct arena));
}

void
arena_free(struct arena *a)
{
	struct chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

static struct chunk *
chunk_new(size_t size)
{
	struct chunk *c = xmalloc(sizeof(*c) + size);

	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct chunk *c;
	size_t align = sizeof(max_align_t), size;
	void *p;

	n = (n + align - 1) & ~(align - 1);
	if (n > ARENA_MAX || a->total + n > ARENA_MAX)
		return NULL;
	c = a->head;
	if (c == NULL || c->size - c->used < n) {
		size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		if (c != NULL && size < c->size * 2 && c->size * 2 <= ARENA_MAX)
			size = c->size * 2;
		c = chunk_new(size);
		c->next = a->head;
		a->head = c;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	a->total += n;
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if ((p = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/*
 * Keep only the newest (largest) chunk: a stream of similar records then
 * settles into one chunk and resets cost nothing.
 */
void
arena_reset(struct arena *a)
{
	struct chunk *c, *next;

	if (a->head == NULL)
		return;
	for (c = a->head->next; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head->next = NULL;
	a->head->used = 0;
	a->total = 0;
}

size_t
arena_used(const struct arena *a)
{
	return a->total;
}
