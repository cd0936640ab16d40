/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_KCAT_H
#define SK_KCAT_H
/*
 * kcat.h - kcat -J envelopes around Kafka messages.
 *
 * `kcat -C -J` writes each message as {"topic","partition","offset",
 * "tstype","ts","broker","key","payload"}.  The event is the JSON text in
 * "payload" (a string holding JSON, or an object); null is a tombstone.
 * kcat_fields() adds the envelope paths to a fields set and kcat_decode()
 * reads them from a parsed envelope.  Pretty-printed payload text is
 * compacted so that every record stays on one line.  Decoded strings
 * live in the arena, like every per-record value.
 */
#include <stddef.h>
#include <stdint.h>

struct arena;
struct fault;
struct fields;
struct record;

enum { KC_TOPIC, KC_PARTITION, KC_OFFSET, KC_TS, KC_KEY, KC_PAYLOAD,
	KC_NSLOTS };

struct kcat_env {
	const char	*topic;
	size_t		 topiclen;
	int64_t		 partition;
	int64_t		 offset;
	int64_t		 ts_ms;
	int		 has_ts;
	int		 tombstone;	/* payload null */
	const char	*key;		/* decoded key, NULL when null */
	size_t		 keylen;
	const char	*payload;	/* event JSON text, one line */
	size_t		 payloadlen;
};

int	kcat_fields(struct fields *, int slots[KC_NSLOTS], struct fault *);
int	kcat_decode(const struct record *, const int slots[KC_NSLOTS],
	    struct arena *, struct kcat_env *, struct fault *);
#endif
