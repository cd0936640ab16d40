/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_table.c - unit tests for lib/table.c.
 *
 * The table is checked against what table.h promises: keys are copied
 * in, entry numbers stay put while the table grows, deleted numbers are
 * no longer live (and may come back), new values are zeroed, and
 * tab_next() visits exactly the live entries.  Collisions are forced by
 * giving many keys one hash (the caller hashes), or hashes that share
 * their low bits, so equal hashes must be told apart by the key bytes.
 * Loops over many keys count as one check each and print their first
 * failures.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hash.h"
#include "key.h"
#include "table.h"

#define MANY		100000
#define COLLIDE		3000

static int loop_bad;

static void
loop_fail(const char *what, long long a, long long b)
{
	if (loop_bad++ < 5)
		fprintf(stderr, "%s: %lld vs %lld\n", what, a, b);
}

static void
loop_done(void)
{
	check_count++;
	if (loop_bad > 0)
		check_failures++;
	loop_bad = 0;
}

static size_t
key_of(char *b, size_t size, long i)
{
	return (size_t)snprintf(b, size, "key-%ld", i);
}

/* 100k keys with their real hashes: the table grows many times. */
static void
test_many(void)
{
	struct table *t = tab_new(sizeof(uint64_t));
	int64_t *ent = calloc(MANY, sizeof(*ent));
	unsigned char *seen = calloc(MANY, 1);
	char k[32];
	const char *kp;
	size_t n, kl;
	int64_t e, it;
	uint64_t *v;
	long i, live;
	int created;

	CHECK(t != NULL && ent != NULL && seen != NULL);
	if (t == NULL || ent == NULL || seen == NULL)
		return;
	CHECK_INT_EQ(tab_count(t), 0);
	CHECK_INT_EQ(tab_next(t, -1), -1);
	CHECK_INT_EQ(tab_find(t, "x", 1, hash_bytes("x", 1)), -1);
	for (i = 0; i < MANY; i++) {
		n = key_of(k, sizeof(k), i);
		e = tab_put(t, k, n, hash_bytes(k, n), &created);
		if (e < 0 || !created)
			loop_fail("put new", i, e);
		v = tab_value(t, e);
		if (*v != 0)
			loop_fail("new value zeroed", i, (long long)*v);
		*v = (uint64_t)i + 1;
		ent[i] = e;
	}
	loop_done();
	CHECK_INT_EQ(tab_count(t), MANY);
	/* The numbers given out before growth still find their keys. */
	for (i = 0; i < MANY; i++) {
		n = key_of(k, sizeof(k), i);
		e = tab_find(t, k, n, hash_bytes(k, n));
		if (e != ent[i])
			loop_fail("find after growth", i, e);
		if (*(uint64_t *)tab_value(t, ent[i]) != (uint64_t)i + 1)
			loop_fail("value after growth", i, ent[i]);
		kp = tab_key(t, ent[i], &kl);
		if (kl != n || memcmp(kp, k, n) != 0)
			loop_fail("key after growth", i, (long long)kl);
		if (tab_hash(t, ent[i]) != hash_bytes(k, n))
			loop_fail("hash after growth", i, ent[i]);
		if (!tab_live(t, ent[i]))
			loop_fail("live", i, ent[i]);
	}
	loop_done();
	/* Putting a present key finds it. */
	for (i = 0; i < MANY; i += 7) {
		n = key_of(k, sizeof(k), i);
		e = tab_put(t, k, n, hash_bytes(k, n), &created);
		if (e != ent[i] || created)
			loop_fail("put existing", i, e);
	}
	loop_done();
	CHECK_INT_EQ(tab_count(t), MANY);

	/* Delete the even keys. */
	for (i = 0; i < MANY; i += 2)
		tab_del(t, ent[i]);
	CHECK_INT_EQ(tab_count(t), MANY / 2);
	for (i = 0; i < MANY; i++) {
		n = key_of(k, sizeof(k), i);
		/* A hint changes nothing, on deleted slots too. */
		tab_prefetch(t, hash_bytes(k, n), 0);
		tab_prefetch(t, hash_bytes(k, n), 1);
		tab_prefetch(t, (uint64_t)i << 32, 1);
		e = tab_find(t, k, n, hash_bytes(k, n));
		if (i % 2 == 0 && (e != -1 || tab_live(t, ent[i])))
			loop_fail("deleted key found", i, e);
		if (i % 2 == 1 && (e != ent[i] || !tab_live(t, ent[i]) ||
		    *(uint64_t *)tab_value(t, e) != (uint64_t)i + 1))
			loop_fail("kept key lost", i, e);
	}
	loop_done();
	/* tab_next: exactly the live entries, each once. */
	live = 0;
	for (it = tab_next(t, -1); it >= 0; it = tab_next(t, it)) {
		v = tab_value(t, it);
		if (!tab_live(t, it) || *v == 0 || *v > MANY)
			loop_fail("iterated a dead entry", it, 0);
		else if (seen[*v - 1]++)
			loop_fail("iterated twice", it, (long long)*v);
		live++;
	}
	loop_done();
	CHECK_INT_EQ(live, MANY / 2);
	for (i = 0; i < MANY; i++)
		if (seen[i] != (i % 2))
			loop_fail("iteration coverage", i, seen[i]);
	loop_done();

	/* Put the even keys back: new values are zero again. */
	for (i = 0; i < MANY; i += 2) {
		n = key_of(k, sizeof(k), i);
		e = tab_put(t, k, n, hash_bytes(k, n), &created);
		if (e < 0 || !created)
			loop_fail("reinsert", i, e);
		else if (*(uint64_t *)tab_value(t, e) != 0)
			loop_fail("reinserted value zeroed", i, e);
		else
			*(uint64_t *)tab_value(t, e) = (uint64_t)i + 1;
		ent[i] = e;
	}
	loop_done();
	CHECK_INT_EQ(tab_count(t), MANY);
	memset(seen, 0, MANY);
	live = 0;
	for (it = tab_next(t, -1); it >= 0; it = tab_next(t, it)) {
		v = tab_value(t, it);
		if (*v >= 1 && *v <= MANY)
			seen[*v - 1]++;
		live++;
	}
	CHECK_INT_EQ(live, MANY);
	for (i = 0; i < MANY; i++) {
		n = key_of(k, sizeof(k), i);
		if (seen[i] != 1 || tab_find(t, k, n, hash_bytes(k, n)) !=
		    ent[i])
			loop_fail("after reinsert", i, seen[i]);
	}
	loop_done();
	CHECK(tab_bytes(t) >= MANY * sizeof(uint64_t));

	tab_clear(t);
	CHECK_INT_EQ(tab_count(t), 0);
	CHECK_INT_EQ(tab_next(t, -1), -1);
	n = key_of(k, sizeof(k), 5);
	CHECK_INT_EQ(tab_find(t, k, n, hash_bytes(k, n)), -1);
	e = tab_put(t, k, n, hash_bytes(k, n), &created);
	CHECK(e >= 0 && created);
	CHECK_INT_EQ(tab_count(t), 1);
	tab_free(t);
	free(ent);
	free(seen);
}

/* Many keys under one hash, or under hashes equal in their low bits. */
static void
test_collisions(int mode)
{
	struct table *t = tab_new(sizeof(uint32_t));
	int64_t ent[COLLIDE], e;
	char k[32];
	size_t n;
	long i;
	int created;

#define H(i)	(mode == 0 ? UINT64_C(42) : mode == 1 ? \
	    ((uint64_t)(i) << 32 | 5) : ((uint64_t)5 << 32 | 3))
	for (i = 0; i < COLLIDE; i++) {
		n = key_of(k, sizeof(k), i);
		e = tab_put(t, k, n, H(i), &created);
		if (e < 0 || !created)
			loop_fail("collide put", i, e);
		else
			*(uint32_t *)tab_value(t, e) = (uint32_t)i;
		ent[i] = e;
	}
	loop_done();
	CHECK_INT_EQ(tab_count(t), COLLIDE);
	for (i = 0; i < COLLIDE; i++) {
		n = key_of(k, sizeof(k), i);
		e = tab_find(t, k, n, H(i));
		if (e != ent[i] || *(uint32_t *)tab_value(t, e) != (uint32_t)i)
			loop_fail("collide find", i, e);
	}
	loop_done();
	/* A key not in the table, under the shared hash. */
	CHECK_INT_EQ(tab_find(t, "nope", 4, H(0)), -1);
	for (i = 0; i < COLLIDE; i += 3)
		tab_del(t, ent[i]);
	for (i = 0; i < COLLIDE; i++) {
		n = key_of(k, sizeof(k), i);
		e = tab_find(t, k, n, H(i));
		if ((i % 3 == 0) != (e == -1) || (e >= 0 && e != ent[i]))
			loop_fail("collide after delete", i, e);
	}
	loop_done();
	for (i = 0; i < COLLIDE; i += 3) {
		n = key_of(k, sizeof(k), i);
		e = tab_put(t, k, n, H(i), &created);
		if (e < 0 || !created || *(uint32_t *)tab_value(t, e) != 0)
			loop_fail("collide reinsert", i, e);
		else
			*(uint32_t *)tab_value(t, e) = (uint32_t)i;
	}
	loop_done();
	CHECK_INT_EQ(tab_count(t), COLLIDE);
	for (i = 0; i < COLLIDE; i++) {
		n = key_of(k, sizeof(k), i);
		e = tab_find(t, k, n, H(i));
		if (e < 0 || *(uint32_t *)tab_value(t, e) != (uint32_t)i)
			loop_fail("collide final", i, e);
	}
	loop_done();
#undef H
	tab_free(t);
}

/* Deleting and re-adding one key many times does not fill the index. */
static void
test_churn(void)
{
	struct table *t = tab_new(8);
	int64_t e;
	long i;
	int created;

	for (i = 0; i < 200000; i++) {
		e = tab_put(t, "k", 1, 99, &created);
		if (e < 0 || !created)
			loop_fail("churn put", i, e);
		else
			tab_del(t, e);
	}
	loop_done();
	CHECK_INT_EQ(tab_count(t), 0);
	CHECK_INT_EQ(tab_find(t, "k", 1, 99), -1);
	tab_free(t);
}

static void
test_keys(void)
{
	struct table *t = tab_new(24);
	static const size_t lens[] = { 0, 1, TAB_INLINE - 1, TAB_INLINE,
	    TAB_INLINE + 1, 100, 1000, 70000 };
	int64_t ent[sizeof(lens) / sizeof(lens[0])], e;
	char *big = malloc(70000);
	const char *kp;
	size_t i, kl, bytes0;
	int created;

	if (t == NULL || big == NULL)
		return;
	for (i = 0; i < 70000; i++)
		big[i] = (char)('a' + i % 26);
	bytes0 = tab_bytes(t);
	/* Same hash for all: only the bytes and lengths tell them apart. */
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		ent[i] = tab_put(t, big, lens[i], 7, &created);
		CHECK(ent[i] >= 0 && created);
		CHECK((uintptr_t)tab_value(t, ent[i]) % 8 == 0);
		memset(tab_value(t, ent[i]), (int)i + 1, 24);
	}
	CHECK(tab_bytes(t) >= bytes0 + 70000 + 1000 + 100);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		e = tab_find(t, big, lens[i], 7);
		CHECK_INT_EQ(e, ent[i]);
		kp = tab_key(t, ent[i], &kl);
		CHECK_INT_EQ(kl, lens[i]);
		CHECK(kl == 0 || memcmp(kp, big, kl) == 0);
		CHECK_INT_EQ(((unsigned char *)tab_value(t, ent[i]))[23],
		    i + 1);
	}
	/* A long key that differs only in its last byte. */
	big[999] = '#';
	CHECK_INT_EQ(tab_find(t, big, 1000, 7), -1);
	e = tab_put(t, big, 1000, 7, &created);
	CHECK(e >= 0 && created);
	CHECK_INT_EQ(tab_count(t), 9);
	/* The key was copied in: changing ours changes nothing. */
	big[999] = 'l';
	CHECK_INT_EQ(tab_find(t, big, 1000, 7), ent[6]);
	/* The empty key is a key like any other. */
	CHECK_INT_EQ(tab_find(t, "", 0, 7), ent[0]);
	CHECK_INT_EQ(tab_find(t, "", 0, 8), -1);
	tab_del(t, ent[0]);
	CHECK_INT_EQ(tab_find(t, "", 0, 7), -1);
	CHECK_INT_EQ(tab_find(t, big, 1, 7), ent[1]);
	tab_del(t, ent[7]);
	tab_del(t, ent[5]);
	CHECK_INT_EQ(tab_find(t, big, 70000, 7), -1);
	CHECK_INT_EQ(tab_find(t, big, 100, 7), -1);
	CHECK_INT_EQ(tab_find(t, big, 1000, 7), ent[6]);
	CHECK_INT_EQ(tab_count(t), 6);
	CHECK_INT_EQ(tab_live(t, ent[0]), 0);
	CHECK_INT_EQ(tab_live(t, ent[6]), 1);
	CHECK_INT_EQ(tab_live(t, -1), 0);
	CHECK_INT_EQ(tab_live(t, 1000000), 0);
	free(big);
	tab_free(t);

	/* Zero-sized values work too. */
	t = tab_new(0);
	e = tab_put(t, "a", 1, 1, &created);
	CHECK(e >= 0 && created);
	tab_del(t, e);
	e = tab_put(t, "b", 1, 1, &created);
	CHECK(e >= 0 && created);
	CHECK_INT_EQ(tab_find(t, "a", 1, 1), -1);
	CHECK_INT_EQ(tab_find(t, "b", 1, 1), e);
	tab_free(t);
	tab_free(NULL);
}

int
main(void)
{
	test_many();
	test_collisions(0);
	test_collisions(1);
	test_collisions(2);
	test_churn();
	test_keys();
	return check_done("test_table");
}
