/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_kpart.c - unit tests for lib/kpart.c: CRC-32, librdkafka's
 * consistent_random partitioner, the keys of the watermark copies.
 *
 * The expected values were computed apart from lib/kpart.c: CRC-32 with
 * python3's zlib.crc32 ("123456789" is the published check value
 * CBF43926), partitions with librdkafka 2.0.2's own
 * rd_kafka_msg_partitioner_consistent_random() (which agreed with
 * zlib.crc32 modulo the count on every key below), and the mark keys by
 * a loop over "@wm<j>" in python3 with zlib.crc32.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "hash.h"
#include "buf.h"
#include "check.h"
#include "fault.h"
#include "kpart.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static void
test_crc32(void)
{
	static const struct {
		const char	*in;
		uint32_t	 crc;
	} v[] = {
		{ "", 0 },
		{ "123456789", 0xCBF43926u },
		{ "@wm0", 0x1D64DCB2u },
		{ "@wm4", 0x1A0918ABu },
		{ "730000000461757468", 0xFB4DA215u },
	};
	size_t i;

	for (i = 0; i < NELEM(v); i++)
		CHECK_INT_EQ(hash_crc32(0, v[i].in, strlen(v[i].in)), v[i].crc);
	/* In pieces, continued: the same. */
	CHECK_INT_EQ(hash_crc32(hash_crc32(0, "1234", 4), "56789", 5),
	    0xCBF43926u);
}

static void
test_partition(void)
{
	static const struct {
		const char	*key;
		int		 n, want;
	} v[] = {
		/* librdkafka's consistent_random on these keys */
		{ "@wm0", 2, 0 }, { "@wm1", 2, 0 }, { "@wm3", 2, 0 },
		{ "@wm0", 4, 2 }, { "@wm1", 4, 0 }, { "@wm2", 4, 2 },
		{ "@wm4", 4, 3 }, { "@wm5", 4, 1 },
		{ "730000000461757468", 2, 1 },
		{ "730000000461757468", 4, 1 },
		{ "anything", 1, 0 },
	};
	/* "auth" as a canonical key: s, length 4, the bytes. */
	static const char auth[] = { 's', 0, 0, 0, 4, 'a', 'u', 't', 'h' };
	size_t i;

	for (i = 0; i < NELEM(v); i++)
		CHECK_INT_EQ(kp_partition(v[i].key, strlen(v[i].key), v[i].n),
		    v[i].want);
	/* The hex of the key bytes, hashed as kcat -K sends it. */
	CHECK_INT_EQ(kp_partition_hex(auth, sizeof(auth), 2), 1);
	CHECK_INT_EQ(kp_partition_hex(auth, sizeof(auth), 4), 1);
	CHECK_INT_EQ(kp_partition_hex("", 0, 4), 0);
}

static void
test_marks(void)
{
	static const struct {
		int		 n;
		const char	*keys[7];
	} v[] = {
		{ 1, { "@wm0" } },
		{ 2, { "@wm0", "@wm4" } },
		{ 3, { "@wm1", "@wm9", "@wm0" } },
		{ 4, { "@wm1", "@wm5", "@wm0", "@wm4" } },
		{ 7, { "@wm19", "@wm5", "@wm6", "@wm1", "@wm2", "@wm3",
		    "@wm0" } },
	};
	struct kp_marks k;
	struct fault f;
	size_t i;
	int m, ok;

	for (i = 0; i < NELEM(v); i++) {
		CHECK_INT_EQ(kp_marks_init(&k, v[i].n, &f), 0);
		CHECK_INT_EQ(k.n, v[i].n);
		for (m = 0; m < v[i].n; m++)
			CHECK_STR_EQ(k.keys[m], v[i].keys[m]);
		kp_marks_release(&k);
	}
	/* 64 partitions: partition 0 by "@wm8", 63 by "@wm17". */
	CHECK_INT_EQ(kp_marks_init(&k, 64, &f), 0);
	CHECK_STR_EQ(k.keys[0], "@wm8");
	CHECK_STR_EQ(k.keys[63], "@wm17");
	kp_marks_release(&k);
	/* The most: every key goes where it says. */
	CHECK_INT_EQ(kp_marks_init(&k, KP_PARTITIONS_MAX, &f), 0);
	for (ok = 1, m = 0; m < k.n; m++)
		ok &= kp_partition(k.keys[m], strlen(k.keys[m]), k.n) == m;
	CHECK(ok);
	kp_marks_release(&k);
	CHECK_INT_EQ(kp_marks_init(&k, 0, &f), -1);
	CHECK_INT_EQ(f.code, EX_USAGE);
	CHECK_INT_EQ(kp_marks_init(&k, KP_PARTITIONS_MAX + 1, &f), -1);
	CHECK(k.keys == NULL);
}

int
main(void)
{
	test_crc32();
	test_partition();
	test_marks();
	return check_done("test_kpart");
}
