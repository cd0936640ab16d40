/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_HASH_H
#define SK_HASH_H
/*
 * hash.h - XXH64, the one hash of streamkit.
 *
 * Keys (key.h), table slots (table.h), --shard and --sample, HyperLogLog
 * registers and partial signatures all hash with XXH64, seed 0 unless
 * said otherwise, so a value hashes the same in every process and on
 * every machine.  No allocation, no state.
 */
#include <stddef.h>
#include <stdint.h>

uint64_t hash_xxh64(const void *, size_t, uint64_t seed);

static inline uint64_t
hash_bytes(const void *p, size_t n)
{
	return hash_xxh64(p, n, 0);
}
/*
 * CRC-32 (IEEE 802.3, as zlib and librdkafka's partitioner): of n bytes,
 * continuing from crc (0 to start).
 */
uint32_t hash_crc32(uint32_t crc, const void *, size_t n);

#endif
