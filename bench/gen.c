/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gen.c - deterministic NDJSON corpus generator for the benchmarks.
 *
 * gen [-n LINES] [-s SEED] [--users N] [--user-dist zipf|uniform|distinct]
 *     [--mode events|dims|kcat]
 *
 * Defaults: 1000000 lines, seed 1, 100000 users, zipf.  dims writes one
 * row per user and ignores -n; give it the events' seed and --users.
 *
 * events: API access log records, ~307 bytes a line, event time advancing
 * ~1000 records per second from 2024-11-12T10:00:00Z with a few seconds of
 * disorder and 0.1% records minutes late.  dims: one row per user id, the
 * table the enrichment join reads.  kcat: the events in `kcat -C -J`
 * envelopes, 4 partitions keyed by user id.
 *
 * The same arguments give the same bytes on any machine: the PRNG is our
 * own, floating point uses only + - * / (correctly rounded everywhere;
 * bench/run builds with -ffp-contract=off so no compiler fuses a multiply
 * and an add into an FMA), and numbers are printed from integers, never
 * with a locale-dependent or libm-dependent "%f".
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_LINE_MAX	2048
#define GEN_OUTBUF	(1 << 20)
#define GEN_PARTITIONS	4
#define GEN_START_S	1731405600	/* 2024-11-12T10:00:00Z */
#define GEN_JITTER_MS	3000	/* usual disorder: 0..3 s behind max */
#define GEN_LATE_MIN_MS	60000	/* 0.1% of records: 60..300 s behind */
#define GEN_LATE_MAX_MS	300000

enum mode { MODE_EVENTS, MODE_DIMS, MODE_KCAT };
enum udist { UDIST_ZIPF, UDIST_UNIFORM, UDIST_DISTINCT };

struct rng {
	uint64_t	s[4];
};

struct weighted {
	const char	*name;
	unsigned	 weight;
};

struct service {
	const char	*name;
	unsigned	 weight;
	int		 lat_log2_x10;	/* median latency, log2(ms) * 10 */
	const char	*paths[3];	/* %u: an id; NULL ends the list */
};

struct place {
	const char	*country;
	const char	*city;
	const char	*region;
	unsigned	 weight;
};

struct status {
	int		 code;
	unsigned	 weight;	/* per 100000 */
};

struct buf {
	char		*p;
	size_t		 len;
};

/*
 * Popularity is skewed on purpose: a few services carry most traffic, as
 * in any real fleet, so per-key tables see both hot and cold keys.
 */
static const struct service services[] = {
	{ "catalog", 2200, 38,
	    { "/api/v1/products/%u", "/api/v1/categories/%u", NULL } },
	{ "search", 1800, 55, { "/api/v1/search", "/api/v1/suggest", NULL } },
	{ "checkout", 1300, 68,
	    { "/api/v1/orders/%u", "/api/v1/checkout",
	    "/api/v1/orders/%u/status" } },
	{ "cart", 1200, 30,
	    { "/api/v1/cart/%u", "/api/v1/cart/%u/items", NULL } },
	{ "auth", 1000, 25,
	    { "/api/v1/login", "/api/v1/token/refresh", "/api/v1/logout" } },
	{ "users", 700, 32,
	    { "/api/v1/users/%u", "/api/v1/users/%u/preferences", NULL } },
	{ "recommendations", 600, 62, { "/api/v1/recs/%u", NULL, NULL } },
	{ "payments", 400, 78,
	    { "/api/v1/payments/%u", "/api/v1/payments/authorize", NULL } },
	{ "inventory", 300, 35, { "/api/v1/stock/%u", NULL, NULL } },
	{ "shipping", 250, 52,
	    { "/api/v1/shipments/%u", "/api/v1/rates", NULL } },
	{ "reviews", 150, 40, { "/api/v1/products/%u/reviews", NULL, NULL } },
	{ "notifications", 100, 28,
	    { "/api/v1/notifications/%u", NULL, NULL } },
};

/* Users live somewhere; the region is the one that serves them. */
static const struct place places[] = {
	{ "US", "New York", "us-east-1", 12 },
	{ "US", "Atlanta", "us-east-1", 5 },
	{ "US", "Chicago", "us-east-1", 5 },
	{ "US", "Seattle", "us-west-2", 5 },
	{ "US", "San Francisco", "us-west-2", 6 },
	{ "US", "Los Angeles", "us-west-2", 6 },
	{ "CA", "Toronto", "ca-central-1", 4 },
	{ "CA", "Montr\xc3\xa9" "al", "ca-central-1", 2 },
	{ "BR", "S\xc3\xa3o Paulo", "sa-east-1", 4 },
	{ "BR", "Rio de Janeiro", "sa-east-1", 2 },
	{ "AR", "Buenos Aires", "sa-east-1", 2 },
	{ "GB", "London", "eu-west-1", 8 },
	{ "IE", "Dublin", "eu-west-1", 2 },
	{ "FR", "Paris", "eu-west-1", 5 },
	{ "DE", "Berlin", "eu-central-1", 5 },
	{ "DE", "M\xc3\xbcnchen", "eu-central-1", 3 },
	{ "NL", "Amsterdam", "eu-central-1", 3 },
	{ "PL", "Warsaw", "eu-central-1", 2 },
	{ "JP", "Tokyo", "ap-northeast-1", 6 },
	{ "KR", "Seoul", "ap-northeast-1", 3 },
	{ "SG", "Singapore", "ap-southeast-1", 3 },
	{ "AU", "Sydney", "ap-southeast-1", 3 },
	{ "IN", "Mumbai", "ap-southeast-1", 4 },
};

static const struct weighted methods[] = {
	{ "GET", 70 }, { "POST", 20 }, { "PUT", 6 }, { "DELETE", 4 },
};

/* About 2.5% server errors, the rest a plausible client/cache mix. */
static const struct status statuses[] = {
	{ 200, 80450 }, { 201, 4000 }, { 204, 2000 }, { 301, 500 },
	{ 304, 3000 }, { 400, 2000 }, { 401, 1500 }, { 403, 800 },
	{ 404, 2500 }, { 429, 750 }, { 500, 1300 }, { 502, 600 },
	{ 503, 600 },
};

static const struct weighted plans[] = {
	{ "free", 60 }, { "pro", 25 }, { "team", 10 }, { "enterprise", 5 },
};

static const char *const segments[][2] = {
	{ "consumer", "smb" }, { "smb", "consumer" }, { "smb", "midmarket" },
	{ "enterprise", "midmarket" },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z;

	z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_seed(struct rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256**: fast, and its output is fixed by its definition. */
static uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result, t;

	result = rotl(s[1] * 5, 7) * 9;
	t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n); the modulo bias is below 2^-32 for our n. */
static uint64_t
rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

/* Uniform in [0, 1), exactly representable, so the same everywhere. */
static double
rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static size_t
pick_weight(struct rng *r, const unsigned *w, size_t n, unsigned total)
{
	uint64_t x;
	size_t i;

	x = rng_below(r, total);
	for (i = 0; i < n - 1; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

/*
 * 2^x with basic arithmetic only.  libm's exp() and pow() may differ in
 * the last bit between libraries, which would change printed values.
 */
static double
exp2_det(double x)
{
	double fl, f, term, sum;
	int k, i;

	fl = (double)(int64_t)x;
	if (fl > x)
		fl -= 1.0;
	k = (int)fl;
	f = (x - fl) * 0.6931471805599453;	/* ln 2 */
	term = 1.0;
	sum = 1.0;
	for (i = 1; i < 20; i++) {
		term = term * f / i;
		sum += term;
	}
	while (k > 0) {
		sum *= 2.0;
		k--;
	}
	while (k < 0) {
		sum *= 0.5;
		k++;
	}
	return sum;
}

/* Roughly standard normal: Irwin-Hall of 4 uniforms, rescaled. */
static double
rng_normal(struct rng *r)
{
	double s;

	s = rng_unit(r) + rng_unit(r) + rng_unit(r) + rng_unit(r);
	return (s - 2.0) * 1.7320508075688772;
}

static void
put_mem(struct buf *b, const char *s, size_t n)
{
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
put_str(struct buf *b, const char *s)
{
	put_mem(b, s, strlen(s));
}

static void
put_u64(struct buf *b, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		b->p[b->len++] = tmp[--n];
}

static void
put_dig(struct buf *b, unsigned v, int width)
{
	char tmp[8];
	int i;

	for (i = width - 1; i >= 0; i--) {
		tmp[i] = (char)('0' + v % 10);
		v /= 10;
	}
	put_mem(b, tmp, (size_t)width);
}

/* Howard Hinnant's civil_from_days: no time.h, no time zone, no locale. */
static void
civil(int64_t days, int *y, unsigned *m, unsigned *d)
{
	int64_t z, era, yy;
	unsigned doe, yoe, doy, mp;

	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

/* RFC 3339, UTC, milliseconds: 2024-11-12T10:00:00.123Z */
static void
put_time(struct buf *b, int64_t ms, int with_ms)
{
	int64_t s, days, sod;
	unsigned m, d;
	int y;

	s = ms / 1000;
	days = s / 86400;
	sod = s % 86400;
	civil(days, &y, &m, &d);
	put_dig(b, (unsigned)y, 4);
	put_mem(b, "-", 1);
	put_dig(b, m, 2);
	put_mem(b, "-", 1);
	put_dig(b, d, 2);
	put_mem(b, "T", 1);
	put_dig(b, (unsigned)(sod / 3600), 2);
	put_mem(b, ":", 1);
	put_dig(b, (unsigned)(sod / 60 % 60), 2);
	put_mem(b, ":", 1);
	put_dig(b, (unsigned)(sod % 60), 2);
	if (with_ms) {
		put_mem(b, ".", 1);
		put_dig(b, (unsigned)(ms % 1000), 3);
	}
	put_mem(b, "Z", 1);
}

/* Per-user facts come from a hash of the id, so dims and events agree. */
static uint64_t
user_hash(uint64_t seed, uint64_t user, uint64_t salt)
{
	uint64_t x;

	x = seed * 0x9e3779b97f4a7c15ULL ^ user * 0xd1b54a32d192ed03ULL ^ salt;
	return splitmix64(&x);
}

static const struct place *
user_place(uint64_t seed, uint64_t user)
{
	unsigned total = 0, x;
	size_t i;

	for (i = 0; i < NELEM(places); i++)
		total += places[i].weight;
	x = (unsigned)(user_hash(seed, user, 1) % total);
	for (i = 0; i < NELEM(places) - 1; i++) {
		if (x < places[i].weight)
			break;
		x -= places[i].weight;
	}
	return &places[i];
}

struct gen {
	struct rng	 rng;
	uint64_t	 seed;
	uint64_t	 users;
	enum udist	 udist;
	uint64_t	 perm_a;	/* distinct ids: i * a + b mod users */
	uint64_t	 perm_b;
	int64_t		 max_ms;	/* newest event time so far */
	unsigned	 svc_w[NELEM(services)];
	unsigned	 svc_total;
	unsigned	 meth_w[NELEM(methods)];
	unsigned	 meth_total;
	unsigned	 st_w[NELEM(statuses)];
	unsigned	 st_total;
	uint64_t	 offsets[GEN_PARTITIONS];
};

static uint64_t
gcd(uint64_t a, uint64_t b)
{
	uint64_t t;

	while (b != 0) {
		t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static void
gen_init(struct gen *g, uint64_t seed, uint64_t users, enum udist ud)
{
	size_t i;

	memset(g, 0, sizeof(*g));
	rng_seed(&g->rng, seed);
	g->seed = seed;
	g->users = users;
	g->udist = ud;
	/* A multiplier coprime to users makes i -> user a bijection. */
	g->perm_a = (0x9e3779b97f4a7c15ULL ^ seed) % users;
	while (g->perm_a == 0 || gcd(g->perm_a, users) != 1)
		g->perm_a = (g->perm_a + 1) % users;
	g->perm_b = splitmix64(&seed) % users;
	g->max_ms = (int64_t)GEN_START_S * 1000 + GEN_JITTER_MS;
	for (i = 0; i < NELEM(services); i++)
		g->svc_total += g->svc_w[i] = services[i].weight;
	for (i = 0; i < NELEM(methods); i++)
		g->meth_total += g->meth_w[i] = methods[i].weight;
	for (i = 0; i < NELEM(statuses); i++)
		g->st_total += g->st_w[i] = statuses[i].weight;
}

/*
 * Zipf-ish: users * u^3 puts ~2% of traffic on user 0 and a long cold
 * tail behind it, like real customer activity.  distinct walks a
 * permutation so n <= users lines have n different users.
 */
static uint64_t
gen_user(struct gen *g, uint64_t line)
{
	double u;
	uint64_t n;

	switch (g->udist) {
	case UDIST_DISTINCT:
		return (line % g->users * g->perm_a + g->perm_b) % g->users;
	case UDIST_UNIFORM:
		return rng_below(&g->rng, g->users);
	default:
		u = rng_unit(&g->rng);
		n = (uint64_t)(u * u * u * (double)g->users);
		return n < g->users ? n : g->users - 1;
	}
}

/* The event time: behind the running max by a little, rarely by a lot. */
static int64_t
gen_time(struct gen *g)
{
	int64_t t, floor_ms;

	g->max_ms += (int64_t)rng_below(&g->rng, 3);	/* ~1000/s */
	if (rng_below(&g->rng, 1000) == 0)
		t = g->max_ms - GEN_LATE_MIN_MS - (int64_t)rng_below(&g->rng,
		    GEN_LATE_MAX_MS - GEN_LATE_MIN_MS + 1);
	else
		t = g->max_ms - (int64_t)rng_below(&g->rng, GEN_JITTER_MS + 1);
	floor_ms = (int64_t)GEN_START_S * 1000;
	return t < floor_ms ? floor_ms : t;
}

/* Latency in tenths of a ms: lognormal body, a heavy tail, slow errors. */
static uint64_t
gen_latency(struct gen *g, const struct service *sv, int code, int timeout)
{
	double l2, ms;
	uint64_t tenths;

	l2 = sv->lat_log2_x10 / 10.0 + 0.9 * rng_normal(&g->rng);
	if (rng_below(&g->rng, 100) == 0)
		l2 += 2.0 + 3.0 * rng_unit(&g->rng);
	if (timeout)
		l2 = 11.5 + 2.0 * rng_unit(&g->rng);	/* ~3..11 s */
	else if (code >= 500)
		l2 += 1.5;
	ms = exp2_det(l2);
	tenths = (uint64_t)(ms * 10.0 + 0.5);
	return tenths == 0 ? 1 : tenths;
}

static uint64_t
gen_bytes(struct gen *g, int code, const char *method)
{
	if (code == 204 || code == 304 || code == 301)
		return 0;
	if (code >= 400)
		return 80 + rng_below(&g->rng, 300);
	if (strcmp(method, "GET") != 0)
		return 120 + rng_below(&g->rng, 900);
	return (uint64_t)exp2_det(11.0 + 1.2 * rng_normal(&g->rng));
}

/*
 * The message.  About 1% of records mention a timeout, in mixed case, so
 * case-insensitive regex filters have something to find; some messages
 * hold escaped quotes, so parsers cannot skip unescaping.
 */
static void
gen_msg_timeout(char *m, size_t sz, unsigned k, unsigned v, const char *svc)
{
	if (k % 4 == 0)
		snprintf(m, sz, "upstream timeout after %u ms waiting for "
		    "%s-db primary", v % 9000 + 1000, svc);
	else if (k % 4 == 1)
		snprintf(m, sz, "bad gateway: Timeout connecting to "
		    "%s.internal:%u", svc, v % 64 + 8000);
	else if (k % 4 == 2)
		snprintf(m, sz, "service unavailable: request Timeout in %s "
		    "pool %u", svc, v % 16);
	else
		snprintf(m, sz, "deadline exceeded (TIMEOUT) calling %s, "
		    "attempt %u of 3", svc, v % 3 + 1);
}

/* Returns 1 when the request timed out (its latency is then seconds). */
static int
gen_msg(struct gen *g, char *m, size_t sz, int code, const char *svc)
{
	uint64_t r = rng_next(&g->rng);
	unsigned v = (unsigned)(r >> 40), k = (unsigned)(r & 0xff);
	unsigned long long tr = (unsigned long long)rng_next(&g->rng);

	if (code >= 500 && k < 105) {
		gen_msg_timeout(m, sz, k, v, svc);
		return 1;
	}
	if (code < 300 && (r >> 20 & 0x3ff) == 7) {
		snprintf(m, sz, "slow upstream, served stale cache near "
		    "timeout budget of %u ms", v % 400 + 100);
		return 0;
	}
	switch (code) {
	case 200:
		if (k < 96)
			snprintf(m, sz, "request completed ok trace=%016llx "
			    "span=%08x", tr, v);
		else if (k < 176)
			snprintf(m, sz, "cache hit for key %s:%u, served by "
			    "edge node %02u", svc, v % 100000, k % 40);
		else
			snprintf(m, sz, "handled by worker %02u after queue "
			    "wait %u us trace=%012llx", k % 32, v % 5000,
			    tr >> 16);
		break;
	case 201:
		snprintf(m, sz, "created resource id=%u in %s trace=%016llx",
		    v, svc, tr);
		break;
	case 204:
		snprintf(m, sz, "no content: resource %u deleted, "
		    "trace=%016llx", v, tr);
		break;
	case 301:
		snprintf(m, sz, "moved permanently to canonical path, "
		    "trace=%016llx", tr);
		break;
	case 304:
		snprintf(m, sz, "not modified: etag \\\"%08x\\\" matched, "
		    "trace=%012llx", v, tr >> 16);
		break;
	case 400:
		snprintf(m, sz, "validation failed: field \\\"%s\\\" is not "
		    "valid (code %u)", k % 2 ? "email" : "quantity",
		    v % 90 + 10);
		break;
	case 401:
		snprintf(m, sz, "missing or expired bearer token for session "
		    "%08x", v);
		break;
	case 403:
		snprintf(m, sz, "forbidden: user lacks scope \\\"%s:write\\\" "
		    "for request %06x", svc, v);
		break;
	case 404:
		snprintf(m, sz, "not found: no resource at this path, "
		    "trace=%016llx", tr);
		break;
	case 429:
		snprintf(m, sz, "rate limit exceeded: %u req/s over quota for "
		    "client %06x", v % 500 + 50, k);
		break;
	default:
		snprintf(m, sz, "internal error in %s handler: %s at line %u",
		    svc, k % 2 ? "NullPointerException" : "connection reset",
		    v % 2000);
		break;
	}
	return 0;
}

static void
put_place(struct buf *b, const struct place *pl)
{
	put_str(b, "\"geo\":{\"country\":\"");
	put_str(b, pl->country);
	put_str(b, "\",\"city\":\"");
	put_str(b, pl->city);
	put_str(b, "\"}");
}

/* One event, without newline; returns its time and user for kcat. */
static void
gen_event(struct gen *g, struct buf *b, uint64_t line, int64_t *ms,
    uint64_t *user)
{
	const struct service *sv;
	const struct place *pl;
	const char *method, *tmpl;
	char msg[160], path[96];
	uint64_t lat;
	unsigned host, np;
	int code, timeout;

	*ms = gen_time(g);
	host = (unsigned)rng_below(&g->rng, 20) + 1;
	sv = &services[pick_weight(&g->rng, g->svc_w, NELEM(services),
	    g->svc_total)];
	method = methods[pick_weight(&g->rng, g->meth_w, NELEM(methods),
	    g->meth_total)].name;
	code = statuses[pick_weight(&g->rng, g->st_w, NELEM(statuses),
	    g->st_total)].code;
	*user = gen_user(g, line);
	pl = user_place(g->seed, *user);
	for (np = 0; np < 3 && sv->paths[np] != NULL; np++)
		;
	tmpl = sv->paths[rng_below(&g->rng, np)];
	snprintf(path, sizeof(path), tmpl,
	    (unsigned)rng_below(&g->rng, 100000));
	timeout = gen_msg(g, msg, sizeof(msg), code, sv->name);
	lat = gen_latency(g, sv, code, timeout);

	put_str(b, "{\"ts\":\"");
	put_time(b, *ms, 1);
	put_str(b, "\",\"host\":\"web-");
	put_dig(b, host, 2);
	put_str(b, "\",\"service\":\"");
	put_str(b, sv->name);
	put_str(b, "\",\"method\":\"");
	put_str(b, method);
	put_str(b, "\",\"path\":\"");
	put_str(b, path);
	put_str(b, "\",\"status\":");
	put_u64(b, (uint64_t)code);
	put_str(b, ",\"latency_ms\":");
	/* Two old hosts report whole milliseconds: integers in the mix. */
	if (host >= 19) {
		put_u64(b, (lat + 5) / 10);
	} else {
		put_u64(b, lat / 10);
		put_mem(b, ".", 1);
		put_dig(b, (unsigned)(lat % 10), 1);
	}
	put_str(b, ",\"bytes\":");
	put_u64(b, gen_bytes(g, code, method));
	put_str(b, ",\"user_id\":\"u");
	put_u64(b, *user);
	put_str(b, "\",\"region\":\"");
	put_str(b, pl->region);
	put_str(b, "\",\"msg\":\"");
	put_str(b, msg);
	put_str(b, "\",");
	put_place(b, pl);
	put_mem(b, "}", 1);
}

static void
gen_dim(struct gen *g, struct buf *b, uint64_t user)
{
	const struct place *pl;
	uint64_t h;
	unsigned total = 0, x;
	size_t i;
	int64_t signup_s;

	pl = user_place(g->seed, user);
	h = user_hash(g->seed, user, 2);
	for (i = 0; i < NELEM(plans); i++)
		total += plans[i].weight;
	x = (unsigned)(h % total);
	for (i = 0; i < NELEM(plans) - 1 && x >= plans[i].weight; i++)
		x -= plans[i].weight;
	/* Signups spread over 2021-01-01 .. 2024-11-11. */
	signup_s = 1609459200 + (int64_t)(h >> 20) % (1412 * 86400);

	put_str(b, "{\"user_id\":\"u");
	put_u64(b, user);
	put_str(b, "\",\"plan\":\"");
	put_str(b, plans[i].name);
	put_str(b, "\",\"signup\":\"");
	put_time(b, signup_s * 1000, 0);
	put_str(b, "\",\"country\":\"");
	put_str(b, pl->country);
	put_str(b, "\",\"segment\":\"");
	put_str(b, segments[i][(h >> 8) % 4 == 0]);
	put_str(b, "\"}");
}

static uint32_t
fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* Wrap an event in a kcat -J envelope; the payload is a JSON string. */
static void
gen_kcat(struct gen *g, struct buf *b, const struct buf *ev, int64_t ms,
    uint64_t user)
{
	char key[24];
	unsigned part;
	size_t i;
	int n;

	n = snprintf(key, sizeof(key), "u%" PRIu64, user);
	part = fnv1a(key, (size_t)n) % GEN_PARTITIONS;
	put_str(b, "{\"topic\":\"access\",\"partition\":");
	put_u64(b, part);
	put_str(b, ",\"offset\":");
	put_u64(b, g->offsets[part]++);
	put_str(b, ",\"tstype\":\"create\",\"ts\":");
	put_u64(b, (uint64_t)ms);
	put_str(b, ",\"broker\":0,\"key\":\"");
	put_str(b, key);
	put_str(b, "\",\"payload\":\"");
	for (i = 0; i < ev->len; i++) {
		if (ev->p[i] == '"' || ev->p[i] == '\\')
			put_mem(b, "\\", 1);
		put_mem(b, ev->p + i, 1);
	}
	put_str(b, "\"}");
}

static void
usage(void)
{
	fprintf(stderr, "usage: gen [-n LINES] [-s SEED] [--users N] "
	    "[--user-dist zipf|uniform|distinct]\n"
	    "           [--mode events|dims|kcat]\n");
	exit(64);
}

static uint64_t
num_arg(const char *s)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		usage();
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		usage();
	return v;
}

static void
parse_args(int argc, char *argv[], uint64_t *lines, uint64_t *seed,
    uint64_t *users, enum udist *ud, enum mode *mode)
{
	const char *a, *v;
	int i;

	/* Every option takes a value. */
	for (i = 1; i < argc; i += 2) {
		a = argv[i];
		v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-n") == 0)
			*lines = num_arg(v);
		else if (strcmp(a, "-s") == 0)
			*seed = num_arg(v);
		else if (strcmp(a, "--users") == 0)
			*users = num_arg(v);
		else if (strcmp(a, "--user-dist") == 0 && v != NULL)
			*ud = strcmp(v, "zipf") == 0 ? UDIST_ZIPF :
			    strcmp(v, "uniform") == 0 ? UDIST_UNIFORM :
			    strcmp(v, "distinct") == 0 ? UDIST_DISTINCT :
			    (usage(), UDIST_ZIPF);
		else if (strcmp(a, "--mode") == 0 && v != NULL)
			*mode = strcmp(v, "events") == 0 ? MODE_EVENTS :
			    strcmp(v, "dims") == 0 ? MODE_DIMS :
			    strcmp(v, "kcat") == 0 ? MODE_KCAT :
			    (usage(), MODE_EVENTS);
		else
			usage();
	}
	if (*users == 0)
		usage();
}

int
main(int argc, char *argv[])
{
	struct gen g;
	struct buf out, ev;
	uint64_t lines = 1000000, seed = 1, users = 100000, i, user;
	enum udist ud = UDIST_ZIPF;
	enum mode mode = MODE_EVENTS;
	int64_t ms;

	parse_args(argc, argv, &lines, &seed, &users, &ud, &mode);
	gen_init(&g, seed, users, ud);
	if (mode == MODE_DIMS)
		lines = users;
	out.p = malloc(GEN_OUTBUF + 2 * GEN_LINE_MAX);
	ev.p = malloc(GEN_LINE_MAX);
	if (out.p == NULL || ev.p == NULL) {
		perror("gen");
		return 71;
	}
	out.len = 0;
	for (i = 0; i < lines; i++) {
		if (mode == MODE_DIMS) {
			gen_dim(&g, &out, i);
		} else if (mode == MODE_EVENTS) {
			gen_event(&g, &out, i, &ms, &user);
		} else {
			ev.len = 0;
			gen_event(&g, &ev, i, &ms, &user);
			gen_kcat(&g, &out, &ev, ms, user);
		}
		out.p[out.len++] = '\n';
		if (out.len >= GEN_OUTBUF) {
			if (fwrite(out.p, 1, out.len, stdout) != out.len)
				break;
			out.len = 0;
		}
	}
	if (out.len > 0)
		fwrite(out.p, 1, out.len, stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("gen: stdout");
		return 74;
	}
	free(out.p);
	free(ev.p);
	return 0;
}
