/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_KPART_H
#define SK_KPART_H
/*
 * kpart.h - which partition a keyed Kafka message goes to.
 *
 * `stream-agg --emit partial --kafka-key M` writes each line as
 * KEY<TAB>JSON for `kcat -P -K'\t'`, and kcat's producer (librdkafka)
 * picks the partition with its default partitioner, consistent_random:
 * CRC-32 (IEEE 802.3, the zlib one) of the key bytes, modulo the
 * partition count; an empty key would go to a random partition, so no
 * key here is empty.  A partial's key is the lowercase hex of its
 * canonical --by key (key.h: no TAB or newline can appear in it), so
 * the partials of one key meet in one partition, and `--merge
 * --partition I/M` owns the keys whose hex hashes to I.  Watermarks go
 * to every partition: the key of the copy for partition m is "@wm<j>"
 * with the least j that the partitioner sends to m.  No allocation but
 * the caller's struct kp_marks (kp_marks_init(), kp_marks_release()).
 */
#include <stddef.h>
#include <stdint.h>

struct fault;

#define KP_PARTITIONS_MAX	65536

/* The partition of a message with this key, as librdkafka picks it. */
int	kp_partition(const void *key, size_t n, int partitions);
/* The partition of the lowercase hex of these key bytes. */
int	kp_partition_hex(const void *key, size_t n, int partitions);

/* The keys of the watermark copies: keys[m] goes to partition m. */
#define KP_MARK_KEY_MAX	16	/* "@wm" and up to 11 digits, NUL */
struct kp_marks {
	int	 n;
	char	(*keys)[KP_MARK_KEY_MAX];
};

/* 0, or -1 with EX_USAGE when n is not 1..KP_PARTITIONS_MAX. */
int	kp_marks_init(struct kp_marks *, int n, struct fault *);
void	kp_marks_release(struct kp_marks *);
#endif
