/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kpart.c - librdkafka's consistent_random partitioner, and the keys
 * that send a watermark to each partition.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "hash.h"
#include "kpart.h"
#include "xmalloc.h"

int
kp_partition(const void *key, size_t n, int partitions)
{
	return (int)(hash_crc32(0, key, n) % (uint32_t)partitions);
}

int
kp_partition_hex(const void *key, size_t n, int partitions)
{
	static const char d[] = "0123456789abcdef";
	const unsigned char *s = key;
	uint32_t crc = 0;
	char two[2];
	size_t i;

	for (i = 0; i < n; i++) {
		two[0] = d[s[i] >> 4];
		two[1] = d[s[i] & 15];
		crc = hash_crc32(crc, two, 2);
	}
	return (int)(crc % (uint32_t)partitions);
}

int
kp_marks_init(struct kp_marks *k, int n, struct fault *f)
{
	char key[KP_MARK_KEY_MAX];
	long j, left = n, tries;
	int m, len;

	memset(k, 0, sizeof(*k));
	if (n < 1 || n > KP_PARTITIONS_MAX)
		return fault_set(f, EX_USAGE, "expected 1 to %d partitions",
		    KP_PARTITIONS_MAX);
	k->keys = xcalloc((size_t)n, sizeof(*k->keys));
	k->n = n;
	/*
	 * Each try hits a given partition with probability 1/n: missing
	 * one after 64n tries has odds of about e^-64.
	 */
	tries = 64L * n + 1024;
	for (j = 0; left > 0 && j < tries; j++) {
		len = snprintf(key, sizeof(key), "@wm%ld", j);
		m = kp_partition(key, (size_t)len, n);
		if (k->keys[m][0] == '\0') {
			memcpy(k->keys[m], key, (size_t)len + 1);
			left--;
		}
	}
	if (left > 0) {
		kp_marks_release(k);
		return fault_set(f, EX_SOFTWARE, "no watermark key found for "
		    "some of %d partitions", n);
	}
	return 0;
}

void
kp_marks_release(struct kp_marks *k)
{
	free(k->keys);
	k->keys = NULL;
	k->n = 0;
}
