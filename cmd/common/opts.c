/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * opts.c - the option table, getopt_long, --help and --dump-options.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <pcre2.h>
#include <yajl/yajl_version.h>

#include "buf.h"
#include "diag.h"
#include "opts.h"
#include "reader.h"
#include "xmalloc.h"
#include "state.h"
#include "watermark.h"

#define T_ALL		(T_FILTER | T_WATERMARK | T_WINDOW | T_AGG | T_JOIN)
#define T_STATEFUL	(T_FILTER | T_WATERMARK | T_WINDOW | T_AGG | T_JOIN)
#define T_WINDOWED	(T_WINDOW | T_AGG)
#define T_KEYED		(T_FILTER | T_WINDOW | T_AGG)
#define T_LATE		(T_WATERMARK | T_WINDOW | T_AGG | T_JOIN)

enum {
	O_TIME = 256, O_TIME_FORMAT, O_TIME_OUTPUT, O_PROCESSING_TIME, O_YEAR,
	O_MAX_DELAY, O_IDLE, O_EMIT_WATERMARKS, O_NO_WATERMARKS, O_EOF,
	O_KCAT, O_PARTITIONS, O_KCAT_PAD, O_KEEP_ENVELOPE, O_STRICT, O_ERRORS_OUTPUT, O_MAX_LINE,
	O_STATS, O_METRICS, O_STATE, O_STATE_RESET, O_STATE_CHECK,
	O_CHECKPOINT,
	O_LATE_OUTPUT, O_LATE, O_LATENESS, O_BY, O_SHARD, O_PARTITION,
	O_EXIT_STATUS, O_INVERT, O_COUNT_ONLY, O_KEEP, O_DROP, O_DEDUPE,
	O_WITHIN, O_SAMPLE, O_ARG, O_ARGJSON,
	O_EMIT_EVERY, O_SORT, O_ANNOTATE,
	O_TUMBLING, O_HOPPING, O_SLIDE, O_SESSION, O_CUMULATE, O_STEP,
	O_COUNT_WIN, O_OFFSET, O_EMIT, O_MAX_EVENTS,
	O_EXACT, O_MERGE, O_KAFKA_KEY, O_INSTANCE, O_INSTANCES,
	O_RIGHT, O_ON, O_BETWEEN, O_TYPE, O_TABLE, O_AS_OF, O_PREFIX_RIGHT,
	O_NEST, O_LEFT_TIME, O_RIGHT_TIME, O_RIGHT_KCAT,
	O_VERBOSE, O_PROGRESS, O_NO_PROGRESS, O_THREADS,
	O_HELP, O_VERSION, O_DUMP
};

enum { A_NONE, A_REQ, A_OPT };

struct row {
	const char	*lng;
	int		 shrt;
	int		 arg;
	const char	*argname;
	unsigned	 tools;
	int		 id;
	const char	*complete;	/* file, path, duration, or words */
	const char	*help;
};

static const struct row rows[] = {
	/* stream-filter */
	{ "exit-status", 'q', A_NONE, NULL, T_FILTER, O_EXIT_STATUS, NULL,
	  "exit 1 when no record matched" },
	{ "invert", 'v', A_NONE, NULL, T_FILTER, O_INVERT, NULL,
	  "pass the records for which EXPR is false" },
	{ "count", 'c', A_NONE, NULL, T_FILTER, O_COUNT_ONLY, NULL,
	  "print only the number of matching records" },
	{ "keep", 0, A_REQ, "PATH,...", T_FILTER, O_KEEP, "path",
	  "write only these fields (re-serialised)" },
	{ "drop", 0, A_REQ, "PATH,...", T_FILTER, O_DROP, "path",
	  "write the records without these fields (re-serialised)" },
	{ "dedupe", 0, A_REQ, "PATH,...", T_FILTER, O_DEDUPE, "path",
	  "drop repeats of this key within --within of event time" },
	{ "within", 0, A_REQ, "D", T_FILTER, O_WITHIN, "duration",
	  "--dedupe drops repeats within D of event time" },
	{ "within", 0, A_REQ, "D", T_JOIN, O_WITHIN, "duration",
	  "interval join: |l.t - r.t| <= D" },
	{ "sample", 0, A_REQ, "P", T_FILTER, O_SAMPLE, NULL,
	  "keep a deterministic fraction P of records (by --by key)" },
	{ "arg", 0, A_REQ, "NAME VALUE", T_FILTER, O_ARG, NULL,
	  "bind $NAME to the string VALUE" },
	{ "argjson", 0, A_REQ, "NAME JSON", T_FILTER, O_ARGJSON, NULL,
	  "bind $NAME to the JSON value" },

	/* stream-watermark */
	{ "emit-every", 0, A_REQ, "N|D", T_WATERMARK, O_EMIT_EVERY, "duration",
	  "at most one watermark per N events or D of event time" },
	{ "late", 0, A_REQ, "drop|pass", T_WATERMARK, O_LATE, "drop pass",
	  "what to do with late records (default drop)" },
	{ "sort", 0, A_NONE, NULL, T_WATERMARK, O_SORT, NULL,
	  "release records in event-time order as W passes them" },
	{ "annotate", 0, A_REQ, "NAME", T_WATERMARK, O_ANNOTATE, NULL,
	  "add the parsed event time as field NAME" },

	/* windows */
	{ "tumbling", 0, A_REQ, "SIZE", T_WINDOWED, O_TUMBLING, "duration",
	  "tumbling windows of SIZE" },
	{ "hopping", 0, A_REQ, "SIZE", T_WINDOWED, O_HOPPING, "duration",
	  "hopping windows of SIZE every --slide" },
	{ "slide", 0, A_REQ, "STEP|M", T_WINDOWED, O_SLIDE, "duration",
	  "hop of --hopping windows; records between --count windows" },
	{ "session", 0, A_REQ, "GAP", T_WINDOWED, O_SESSION, "duration",
	  "session windows closed by GAP of inactivity" },
	{ "cumulate", 0, A_REQ, "MAX", T_WINDOWED, O_CUMULATE, "duration",
	  "cumulating windows growing by --step up to MAX" },
	{ "step", 0, A_REQ, "STEP", T_WINDOWED, O_STEP, "duration",
	  "growth step of --cumulate windows" },
	{ "count", 0, A_REQ, "N", T_WINDOWED, O_COUNT_WIN, NULL,
	  "count windows of N records per key" },
	{ "offset", 0, A_REQ, "D", T_WINDOWED, O_OFFSET, "duration",
	  "shift window alignment by D (may be negative)" },
	{ "max-events", 0, A_REQ, "N", T_WINDOW, O_MAX_EVENTS, NULL,
	  "fire a window early, truncated, at N events" },
	{ "lateness", 0, A_REQ, "L", T_WINDOWED, O_LATENESS,
	  "duration", "allowed lateness: keep fired windows for L" },
	{ "lateness", 0, A_REQ, "L", T_JOIN, O_LATENESS,
	  "duration", "keep buffered rows L longer before evicting" },
	{ "emit", 0, A_REQ, "MODE", T_WINDOW, O_EMIT, "window assign",
	  "window (default): one record per window; assign: tag records" },
	{ "emit", 0, A_REQ, "MODE", T_AGG, O_EMIT,
	  "final updates every partial",
	  "final (default), updates, every D, or partial (for --merge)" },

	/* stream-agg */
	{ "exact", 0, A_NONE, NULL, T_AGG, O_EXACT, NULL,
	  "exact quantiles (keeps the values)" },
	{ "merge", 0, A_NONE, NULL, T_AGG, O_MERGE, NULL,
	  "merge @partial records from the FILE inputs, read concurrently" },
	{ "kafka-key", 0, A_REQ, "M", T_AGG, O_KAFKA_KEY, NULL,
	  "partials as KEY<TAB>JSON for kcat -K, marks to M partitions" },
	{ "instance", 0, A_REQ, "I/N", T_AGG, O_INSTANCE, NULL,
	  "this instance is I of N: its partials and marks say so" },
	{ "instances", 0, A_REQ, "N", T_AGG, O_INSTANCES, NULL,
	  "--merge of N --instance's: a watermark for each" },

	/* stream-join */
	{ "right", 0, A_REQ, "FILE", T_JOIN, O_RIGHT, "file",
	  "the right stream (file, FIFO, <(cmd))" },
	{ "on", 0, A_REQ, "KEY", T_JOIN, O_ON, "path",
	  "join key paths: .a,.b or .left=.right" },
	{ "between", 0, A_REQ, "LO,HI", T_JOIN, O_BETWEEN, NULL,
	  "interval join: r.t in [l.t+LO, l.t+HI]" },
	{ "type", 0, A_REQ, "TYPE", T_JOIN, O_TYPE, "inner left right full",
	  "inner (default), left, right or full" },
	{ "table", 0, A_NONE, NULL, T_JOIN, O_TABLE, NULL,
	  "the right side is a table: latest row per key" },
	{ "as-of", 0, A_NONE, NULL, T_JOIN, O_AS_OF, NULL,
	  "temporal join: the right row valid at the left time" },
	{ "prefix-right", 0, A_REQ, "STR", T_JOIN, O_PREFIX_RIGHT, NULL,
	  "rename every right field to STR+name" },
	{ "nest", 0, A_NONE, NULL, T_JOIN, O_NEST, NULL,
	  "emit {\"left\":{...},\"right\":{...}}" },
	{ "left-time", 0, A_REQ, "PATH", T_JOIN, O_LEFT_TIME, "path",
	  "event-time field of the left side" },
	{ "right-time", 0, A_REQ, "PATH", T_JOIN, O_RIGHT_TIME, "path",
	  "event-time field of the right side" },
	{ "right-kcat", 0, A_NONE, NULL, T_JOIN, O_RIGHT_KCAT, NULL,
	  "the right side is kcat -J envelopes" },

	/* keys */
	{ "by", 0, A_REQ, "PATH,...", T_KEYED, O_BY, "path",
	  "key paths (a missing key groups under null)" },
	{ "shard", 0, A_REQ, "I/N", T_KEYED, O_SHARD, NULL,
	  "keep the records whose --by key hashes to shard I of N" },
	{ "partition", 0, A_REQ, "I/N", T_AGG, O_PARTITION, NULL,
	  "input is partition I of N, keyed by --by; --merge: its keys" },

	/* event time, common */
	{ "time", 't', A_REQ, "PATH", T_ALL, O_TIME, "path",
	  "event-time field (default .ts; @kafka: the envelope's ts)" },
	{ "time-format", 0, A_REQ, "FMT", T_ALL, O_TIME_FORMAT,
	  "auto rfc3339 epoch-s epoch-ms epoch-us epoch-ns",
	  "auto|rfc3339|epoch-s|epoch-ms|epoch-us|epoch-ns|STRPTIME" },
	{ "year", 0, A_REQ, "Y", T_ALL, O_YEAR, NULL,
	  "year of syslog times, which have none (default: by the clock)" },
	{ "time-output", 0, A_REQ, "FMT", T_ALL, O_TIME_OUTPUT,
	  "rfc3339 epoch-s epoch-ms epoch-us epoch-ns",
	  "how times are written (default rfc3339)" },
	{ "processing-time", 0, A_NONE, NULL, T_ALL, O_PROCESSING_TIME, NULL,
	  "use the arrival wall clock as event time" },
	{ "max-delay", 0, A_REQ, "D", T_ALL, O_MAX_DELAY, "duration",
	  "watermark = max event time - D" },
	{ "idle", 0, A_REQ, "D", T_ALL, O_IDLE, "duration",
	  "advance the watermark after D without input" },
	{ "emit-watermarks", 0, A_NONE, NULL, T_ALL, O_EMIT_WATERMARKS, NULL,
	  "write @watermark records downstream" },
	{ "no-watermarks", 0, A_NONE, NULL, T_ALL, O_NO_WATERMARKS, NULL,
	  "never write @watermark records" },
	{ "late-output", 0, A_REQ, "FILE", T_LATE | T_FILTER, O_LATE_OUTPUT,
	  "file", "append dropped-late records to FILE" },
	{ "kcat", 0, A_NONE, NULL, T_ALL, O_KCAT, NULL,
	  "input lines are kcat -J envelopes" },
	{ "partitions", 0, A_REQ, "N", T_ALL, O_PARTITIONS, NULL,
	  "with --kcat, hold W until partitions 0..N-1 are seen or idle" },
	{ "kcat-pad", 0, A_NONE, NULL, T_ALL, O_KCAT_PAD, NULL,
	  "pad each write to 1024 bytes, so kcat -P sends it at once" },
	{ "keep-envelope", 0, A_NONE, NULL, T_FILTER | T_WATERMARK,
	  O_KEEP_ENVELOPE, NULL, "with --kcat, write the envelopes" },

	/* state */
	{ "state", 0, A_REQ, "FILE", T_STATEFUL, O_STATE, "file",
	  "restore from and checkpoint to FILE" },
	{ "state-reset", 0, A_NONE, NULL, T_STATEFUL, O_STATE_RESET, NULL,
	  "ignore an existing --state file and start fresh" },
	{ "state-check", 0, A_REQ, "FILE", T_STATEFUL, O_STATE_CHECK, "file",
	  "print what a snapshot holds and exit (78: unusable)" },
	{ "checkpoint-interval", 0, A_REQ, "D|N", T_STATEFUL, O_CHECKPOINT,
	  "duration", "checkpoint every D of wall clock or N records" },
	{ "eof", 0, A_REQ, "flush|keep", T_STATEFUL, O_EOF, "flush keep",
	  "at end of input fire everything, or keep it in --state" },

	/* errors and operations */
	{ "strict", 0, A_NONE, NULL, T_ALL, O_STRICT, NULL,
	  "stop at the first bad record (exit 65)" },
	{ "errors-output", 0, A_REQ, "FILE", T_ALL, O_ERRORS_OUTPUT, "file",
	  "append bad lines to FILE byte for byte" },
	{ "max-line-bytes", 0, A_REQ, "N", T_ALL, O_MAX_LINE, NULL,
	  "longest accepted line (default 16777216)" },
	{ "threads", 'j', A_REQ, "N|auto", T_ALL, O_THREADS, "auto",
	  "decode on N threads; same output (default auto)" },
	{ "stats", 0, A_OPT, "D", T_ALL, O_STATS, "duration",
	  "a summary line on stderr every D (default 10s) and at exit" },
	{ "metrics", 0, A_REQ, "FILE", T_ALL, O_METRICS, "file",
	  "write Prometheus metrics to FILE every interval" },
	{ "verbose", 'v', A_NONE, NULL, T_ALL & ~T_FILTER, O_VERBOSE, NULL,
	  "a summary line on stderr at exit (else silent on success)" },
	{ "verbose", 0, A_NONE, NULL, T_FILTER, O_VERBOSE, NULL,
	  "a summary line on stderr at exit (else silent on success)" },
	{ "progress", 0, A_NONE, NULL, T_ALL, O_PROGRESS, NULL,
	  "a progress line on stderr (default: on a terminal, for files)" },
	{ "no-progress", 0, A_NONE, NULL, T_ALL, O_NO_PROGRESS, NULL,
	  "never show the progress line" },
	{ "help", 'h', A_NONE, NULL, T_ALL, O_HELP, NULL,
	  "show this help and exit" },
	{ "version", 0, A_NONE, NULL, T_ALL, O_VERSION, NULL,
	  "show versions (and those of yajl, jansson, PCRE2)" },
	{ "dump-options", 0, A_NONE, NULL, T_ALL, O_DUMP, NULL, NULL },
};
#define NROWS	(sizeof(rows) / sizeof(rows[0]))

struct toolinfo {
	enum tool	 t;
	const char	*name;
	const char	*synopsis;
	const char	*summary;
	const char	*examples;
};

static const struct toolinfo tools[] = {
	{ T_FILTER, "stream-filter", "[options] EXPR [FILE...]",
	  "Pass the records for which EXPR is true, byte for byte.",
	  "  stream-filter '.status >= 500' access.ndjson\n"
	  "  stream-filter '.msg =~ \"(?i)timeout\" and .region == $r' "
	  "--arg r eu-west-1\n"
	  "  stream-filter -c 'exists(.error)' app.ndjson\n"
	  "  stream-filter --keep .ts,.service,.status 'true'\n" },
	{ T_WATERMARK, "stream-watermark", "[options] [FILE...]",
	  "Decide event time: pass events and write @watermark records.",
	  "  stream-watermark --max-delay 5s access.ndjson\n"
	  "  kcat -C -J -t access | stream-watermark --kcat --max-delay 5s "
	  "--idle 30s\n"
	  "  stream-watermark --max-delay 10s --sort --late-output late.ndjson\n" },
	{ T_WINDOW, "stream-window", "WINDOW [options] [FILE...]",
	  "Group records into windows and emit each window when it fires.",
	  "  stream-window --tumbling 1m --by .service access.ndjson\n"
	  "  stream-window --session 30s --by .user_id --max-delay 5s\n"
	  "  stream-window --hopping 10m --slide 1m --emit assign\n" },
	{ T_AGG, "stream-agg", "[options] AGG... [FILE...]",
	  "Aggregate records, per window or over the whole stream.\n"
	  "AGG: count, sum(P), avg(P), min(P), max(P), first(P), last(P), "
	  "var(P), stddev(P),\n"
	  "pNN(P), quantile(P, q), distinct(P), approx_distinct(P), "
	  "top(P, k), approx_top(P, k),\n"
	  "collect(P); each may be named with 'as NAME'.",
	  "  stream-agg --by .status count access.ndjson\n"
	  "  stream-agg --by .service count 'avg(.latency_ms)' "
	  "'p99(.latency_ms)'\n"
	  "  stream-agg --tumbling 1m --by .service count "
	  "'p99(.latency_ms) as p99' --max-delay 5s\n"
	  "  stream-agg --merge --tumbling 1m --by .service count "
	  "'p99(.latency_ms)' s0.ndjson s1.ndjson\n" },
	{ T_JOIN, "stream-join", "--right FILE --on KEY [options] [FILE...]",
	  "Join the left stream with the right stream on a key.",
	  "  stream-join --table --right users.ndjson --on .user_id events\n"
	  "  stream-join --right clicks.ndjson --on .ad_id --within 5m "
	  "impressions.ndjson\n"
	  "  stream-join --as-of --right rates.ndjson --on .currency trades\n" },
};

static const struct toolinfo *
toolinfo(enum tool t)
{
	size_t i;

	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		if (tools[i].t == t)
			return &tools[i];
	return &tools[0];
}

static void
help(const struct opts *o)
{
	const struct toolinfo *ti = toolinfo(o->tool);
	char left[64];
	size_t i;

	printf("usage: %s %s\n%s\n\nExamples:\n%s\nOptions:\n", ti->name,
	    ti->synopsis, ti->summary, ti->examples);
	for (i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];

		if (!(r->tools & o->tool) || r->help == NULL)
			continue;
		if (r->shrt)
			snprintf(left, sizeof(left), "-%c, --%s%s%s%s",
			    r->shrt, r->lng, r->arg == A_OPT ? "[=" :
			    r->arg == A_REQ ? " " : "",
			    r->argname ? r->argname : "",
			    r->arg == A_OPT ? "]" : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s%s", r->lng,
			    r->arg == A_OPT ? "[=" : r->arg == A_REQ ? " " : "",
			    r->argname ? r->argname : "",
			    r->arg == A_OPT ? "]" : "");
		printf("  %-30s %s\n", left, r->help);
	}
	printf("\nDurations: 250ms, 10s, 5m, 1h30m, 2d.  "
	    "Exit: 0 ok, 64 usage, 65 bad records, 66 no input,\n"
	    "73 cannot create, 74 I/O error, 75 state locked, "
	    "78 state unusable.\n"
	    "STREAMKIT_TIME and STREAMKIT_TIME_FORMAT, when set, are the "
	    "defaults of --time and\n--time-format.  See %s(1).\n",
	    ti->name);
	exit(0);
}

static void
version(const struct opts *o)
{
	char pcre[64];
	int yv = yajl_version();

	pcre2_config(PCRE2_CONFIG_VERSION, pcre);
	printf("%s (streamkit) %s\n", o->prog, SK_VERSION);
	printf("yajl %d.%d.%d, jansson %s, PCRE2 %s\n", yv / 10000,
	    yv / 100 % 100, yv % 100, jansson_version_str(), pcre);
	exit(0);
}

/* Rows for the completion generator: tool, option, arg, completion. */
static void
dump(const struct opts *o)
{
	size_t i;

	for (i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];

		if (!(r->tools & o->tool) || r->help == NULL)
			continue;
		printf("%s\t%c\t%s\t%s\t%s\n", r->lng, r->shrt ? r->shrt : '-',
		    r->arg == A_NONE ? "-" : r->argname,
		    r->complete ? r->complete : "-", r->help);
	}
	exit(0);
}

/* A topic as one segment of a name: bytes outside [A-Za-z0-9._-] as %XX. */
static void
print_segment(const char *s)
{
	for (; *s != '\0'; s++)
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("._-", *s) != NULL)
			putchar(*s);
		else
			printf("%%%02X", (unsigned char)*s);
}

static void
print_time(const char *name, int64_t ns)
{
	char tb[TP_BUF];

	if (ns == WM_MIN)
		printf("%s: none\n", name);
	else if (ns == WM_MAX)
		printf("%s: end\n", name);
	else {
		tp_format(ns, TPO_RFC3339, tb);
		printf("%s: %s\n", name, tb);
	}
	printf("%s_ns: %lld\n", name, (long long)ns);
}

/*
 * --state-check FILE: what the snapshot holds, as "name: value" lines a
 * script can read, exit 0; or exit 78 naming what is wrong.  No lock is
 * taken and nothing is written, so it is safe beside a running tool.
 */
static void
print_state_check(const struct opts *o)
{
	struct state_info si;
	struct fault f;
	const char *p, *e, *nl;
	int i;

	if (state_inspect(o->state_check, o->prog, &si, &f) == -1) {
		state_info_release(&si);
		diag_die(&f);
	}
	printf("file: %s\nformat: %s %d\ntool: %.*s\n", o->state_check,
	    STATE_FORMAT, STATE_VERSION, (int)si.tool_len, si.tool);
	for (p = si.options, e = p + si.options_len; p < e; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		if (nl > p)
			printf("option: %.*s\n", (int)(nl - p), p);
	}
	print_time("watermark", si.wm_ns);
	print_time("max_time", si.max_ns);
	printf("inputs: %d\n", si.inputs);
	for (i = 0; i < si.ncounts; i++)
		printf("%s: %llu\n", si.counts[i].name,
		    (unsigned long long)si.counts[i].n);
	for (i = 0; i < si.noffsets; i++) {
		printf("offset.%d.", si.offsets[i].stream);
		print_segment(si.offsets[i].topic);
		printf(".%lld: %lld\n", (long long)si.offsets[i].partition,
		    (long long)si.offsets[i].offset);
	}
	printf("in: %llu\nout: %llu\nbad: %llu\nlate: %llu\n"
	    "replayed: %llu\nbytes: %zu\n", (unsigned long long)si.in,
	    (unsigned long long)si.out, (unsigned long long)si.bad,
	    (unsigned long long)si.late, (unsigned long long)si.replayed,
	    si.len);
	state_info_release(&si);
	if (fflush(stdout) != 0 || ferror(stdout))
		exit(EX_IOERR);
	exit(0);
}

void
opt_usage_error(const struct opts *o, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", o->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", o->prog);
	exit(EX_USAGE);
}

static int64_t
duration(const struct opts *o, const char *flag, const char *s, int sign)
{
	struct fault f;
	int64_t ns;

	if (tp_duration(s, sign, &ns, &f) == -1)
		opt_usage_error(o, "--%s: %s", flag, f.msg);
	return ns;
}

static int64_t
positive_duration(const struct opts *o, const char *flag, const char *s)
{
	int64_t ns = duration(o, flag, s, 0);

	if (ns <= 0)
		opt_usage_error(o, "--%s: must be more than 0", flag);
	return ns;
}

static int64_t
count(const struct opts *o, const char *flag, const char *s)
{
	char *end;
	long long v;

	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v <= 0)
		opt_usage_error(o, "--%s: expected a positive integer, "
		    "got \"%s\"", flag, s);
	return v;
}

/* "N" (a count) or "D" (a duration). */
static void
count_or_duration(const struct opts *o, const char *flag, const char *s,
    int64_t *n, int64_t *ns)
{
	size_t k = strspn(s, "0123456789");

	*n = *ns = 0;
	if (k > 0 && s[k] == '\0')
		*n = count(o, flag, s);
	else
		*ns = positive_duration(o, flag, s);
}

static void
set_window(struct opts *o, enum win_kind k, const char *flag,
    const char *s)
{
	if (o->win != WIN_NONE)
		opt_usage_error(o, "--%s: only one window type may be given",
		    flag);
	o->win = k;
	if (k == WIN_COUNT)
		o->count_n = count(o, flag, s);
	else
		o->size_ns = positive_duration(o, flag, s);
}

static void
add_var(struct opts *o, const char *flag, char *name, const char *value,
    int is_json)
{
	struct expr_var *v;
	json_t *j;
	json_error_t je;
	char *text;

	if (name == NULL || value == NULL)
		opt_usage_error(o, "--%s needs NAME and VALUE", flag);
	if (is_json) {
		j = json_loads(value, JSON_DECODE_ANY, &je);
		if (j == NULL)
			opt_usage_error(o, "--%s %s: invalid JSON: %s", flag,
			    name, je.text);
	} else {
		j = json_string(value);
		if (j == NULL)
			opt_usage_error(o, "--%s %s: not valid UTF-8", flag,
			    name);
	}
	text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(j);
	if (text == NULL)
		xmalloc_oom(0);
	o->vars = v = xrealloc(o->vars, sizeof(*v) * (size_t)(o->nvars + 1));
	v[o->nvars].name = xstrdup(name);
	v[o->nvars].json = text;
	o->nvars++;
}

static void
set_emit(struct opts *o, const char *s, int argc, char **argv)
{
	if (o->tool == T_WINDOW) {
		if (strcmp(s, "window") == 0)
			o->emit_assign = 0;
		else if (strcmp(s, "assign") == 0)
			o->emit_assign = 1;
		else
			opt_usage_error(o, "--emit: expected window or assign, "
			    "got \"%s\"", s);
		return;
	}
	if (strcmp(s, "final") == 0)
		o->emit = EMIT_FINAL;
	else if (strcmp(s, "updates") == 0)
		o->emit = EMIT_UPDATES;
	else if (strcmp(s, "partial") == 0)
		o->emit = EMIT_PARTIAL;
	else if (strncmp(s, "every", 5) == 0) {
		const char *d = s + 5;

		if (*d == '=' || *d == ' ')
			d++;
		else if (*d == '\0' && optind < argc)
			d = argv[optind++];
		o->emit = EMIT_EVERY;
		o->emit_every_agg_ns = positive_duration(o, "emit every", d);
	} else
		opt_usage_error(o, "--emit: expected final, updates, every D "
		    "or partial, got \"%s\"", s);
}

static void
defaults(struct opts *o, enum tool t, const char *prog)
{
	memset(o, 0, sizeof(*o));
	o->tool = t;
	o->prog = prog;
	o->time_path = ".ts";
	o->time_fmt.kind = TP_AUTO;
	o->time_out = TPO_RFC3339;
	o->max_delay_ns = -1;
	o->max_line_bytes = RD_LINE_MAX;
	o->checkpoint_ns = 10 * INT64_C(1000000000);
	o->sample = -1;
	o->progress = -1;
}

static void
parse_between(struct opts *o, const char *s)
{
	char lo[64];
	const char *comma = strchr(s, ',');

	if (comma == NULL || (size_t)(comma - s) >= sizeof(lo))
		opt_usage_error(o, "--between: expected LO,HI, got \"%s\"", s);
	memcpy(lo, s, (size_t)(comma - s));
	lo[comma - s] = '\0';
	o->between_lo_ns = duration(o, "between", lo, 1);
	o->between_hi_ns = duration(o, "between", comma + 1, 1);
	if (o->between_lo_ns > o->between_hi_ns)
		opt_usage_error(o, "--between: LO is after HI");
	o->between_set = 1;
}

/* --shard I/N, --partition I/N */
static void
parse_shard(struct opts *o, const char *flag, const char *s, int *pi,
    int *pn)
{
	char *end;
	long i, n;

	i = strtol(s, &end, 10);
	if (end == s || *end != '/')
		opt_usage_error(o, "--%s: expected I/N, got \"%s\"", flag, s);
	n = strtol(end + 1, &end, 10);
	if (*end != '\0' || n < 1 || n > 65536 || i < 0 || i >= n)
		opt_usage_error(o, "--%s: need 0 <= I < N <= 65536, "
		    "got \"%s\"", flag, s);
	*pi = (int)i;
	*pn = (int)n;
}

static void
apply(struct opts *o, int id, const char *lng, char *a, int argc,
    char **argv)
{
	struct fault f;
	long nthreads;
	char *end;

	switch (id) {
	case O_TIME:
		o->time_path = a;
		o->time_set = 1;
		break;
	case O_TIME_FORMAT:
		if (tp_format_parse(&o->time_fmt, a, &f) == -1)
			opt_usage_error(o, "--time-format: %s", f.msg);
		o->time_format_set = 1;
		break;
	case O_YEAR:
		o->year = (int)strtol(a, &end, 10);
		if (strlen(a) != 4 || *end != '\0' || o->year < TP_YEAR_MIN ||
		    o->year > TP_YEAR_MAX)
			opt_usage_error(o, "--year: expected a year from %d to "
			    "%d, got \"%s\"", TP_YEAR_MIN, TP_YEAR_MAX, a);
		break;
	case O_TIME_OUTPUT:
		if (tp_out_parse(&o->time_out, a, &f) == -1)
			opt_usage_error(o, "--time-output: %s", f.msg);
		break;
	case O_PROCESSING_TIME: o->processing_time = 1; break;
	case O_MAX_DELAY: o->max_delay_ns = duration(o, lng, a, 0); break;
	case O_IDLE: o->idle_ns = positive_duration(o, lng, a); break;
	case O_EMIT_WATERMARKS: o->wm_out = WMO_ALWAYS; break;
	case O_NO_WATERMARKS: o->wm_out = WMO_NEVER; break;
	case O_EOF:
		if (strcmp(a, "flush") == 0)
			o->eof = EOF_FLUSH;
		else if (strcmp(a, "keep") == 0)
			o->eof = EOF_KEEP;
		else
			opt_usage_error(o, "--eof: expected flush or keep");
		break;
	case O_KCAT: o->kcat = 1; break;
	case O_PARTITIONS:
		o->partitions = (int)strtol(a, &end, 10);
		if (*a == '\0' || *end != '\0' || o->partitions < 1 ||
		    o->partitions > WM_CHANNELS_MAX / 2)
			opt_usage_error(o, "--partitions: expected 1 to %d, "
			    "got \"%s\"", WM_CHANNELS_MAX / 2, a);
		break;
	case O_KCAT_PAD: o->kcat_pad = 1; break;
	case O_KEEP_ENVELOPE: o->keep_envelope = 1; break;
	case O_STRICT: o->strict = 1; break;
	case O_ERRORS_OUTPUT: o->errors_output = a; break;
	case O_MAX_LINE:
		o->max_line_bytes = (size_t)count(o, lng, a);
		break;
	case O_STATS:
		o->stats_ns = a != NULL ? positive_duration(o, lng, a) :
		    10 * INT64_C(1000000000);
		break;
	case O_METRICS: o->metrics = a; break;
	case O_VERBOSE: o->verbose = 1; break;
	case O_THREADS:
		if (strcmp(a, "auto") == 0) {
			o->threads = 0;
			break;
		}
		nthreads = strtol(a, &end, 10);
		if (end == a || *end != '\0' || nthreads < 1 ||
		    nthreads > OPT_THREADS_MAX)
			opt_usage_error(o, "-j: expected auto or 1 to %d "
			    "threads, got \"%s\"", OPT_THREADS_MAX, a);
		o->threads = (int)nthreads;
		break;
	case O_PROGRESS: o->progress = 1; break;
	case O_NO_PROGRESS: o->progress = 0; break;
	case O_STATE: o->state = a; break;
	case O_STATE_RESET: o->state_reset = 1; break;
	case O_STATE_CHECK: o->state_check = a; break;
	case O_CHECKPOINT:
		count_or_duration(o, lng, a, &o->checkpoint_n,
		    &o->checkpoint_ns);
		break;
	case O_LATE_OUTPUT: o->late_output = a; break;
	case O_LATE:
		if (strcmp(a, "drop") == 0)
			o->late_pass = 0;
		else if (strcmp(a, "pass") == 0)
			o->late_pass = 1;
		else
			opt_usage_error(o, "--late: expected drop or pass");
		break;
	case O_LATENESS: o->lateness_ns = duration(o, lng, a, 0); break;
	case O_BY: o->by = a; break;
	case O_SHARD:
		parse_shard(o, "shard", a, &o->shard_i, &o->shard_n);
		break;
	case O_PARTITION:
		parse_shard(o, "partition", a, &o->part_i, &o->part_n);
		break;
	case O_EXIT_STATUS: o->exit_status = 1; break;
	case O_INVERT: o->invert = 1; break;
	case O_COUNT_ONLY: o->count_only = 1; break;
	case O_KEEP: o->keep = a; break;
	case O_DROP: o->drop = a; break;
	case O_DEDUPE: o->dedupe = a; break;
	case O_WITHIN:
		o->within_ns = duration(o, lng, a, 0);
		o->within_set = 1;
		break;
	case O_SAMPLE:
		o->sample = strtod(a, &end);
		if (*a == '\0' || *end != '\0' || !(o->sample >= 0) ||
		    o->sample > 1)
			opt_usage_error(o, "--sample: expected a fraction "
			    "between 0 and 1, got \"%s\"", a);
		break;
	case O_ARG:
	case O_ARGJSON:
		add_var(o, lng, a, optind < argc ? argv[optind++] : NULL,
		    id == O_ARGJSON);
		break;
	case O_EMIT_EVERY:
		count_or_duration(o, lng, a, &o->emit_every_n,
		    &o->emit_every_ns);
		break;
	case O_SORT: o->sort = 1; break;
	case O_ANNOTATE: o->annotate = a; break;
	case O_TUMBLING: set_window(o, WIN_TUMBLING, lng, a); break;
	case O_HOPPING: set_window(o, WIN_HOPPING, lng, a); break;
	case O_SESSION: set_window(o, WIN_SESSION, lng, a); break;
	case O_CUMULATE: set_window(o, WIN_CUMULATE, lng, a); break;
	case O_COUNT_WIN: set_window(o, WIN_COUNT, lng, a); break;
	case O_SLIDE:
	case O_STEP:
		if (strspn(a, "0123456789") == strlen(a))
			o->count_slide = count(o, lng, a);
		else
			o->slide_ns = positive_duration(o, lng, a);
		break;
	case O_OFFSET: o->offset_ns = duration(o, lng, a, 1); break;
	case O_EMIT: set_emit(o, a, argc, argv); break;
	case O_MAX_EVENTS: o->max_events = count(o, lng, a); break;
	case O_EXACT: o->exact = 1; break;
	case O_MERGE: o->merge = 1; break;
	case O_KAFKA_KEY:
		o->kafka_key = (int)strtol(a, &end, 10);
		if (*a == '\0' || *end != '\0' || o->kafka_key < 1 ||
		    o->kafka_key > 65536)
			opt_usage_error(o, "--kafka-key: expected 1 to 65536 "
			    "partitions, got \"%s\"", a);
		break;
	case O_INSTANCE:
		parse_shard(o, "instance", a, &o->inst_i, &o->inst_n);
		break;
	case O_INSTANCES:
		o->instances = (int)strtol(a, &end, 10);
		if (*a == '\0' || *end != '\0' || o->instances < 1 ||
		    o->instances > 65536)
			opt_usage_error(o, "--instances: expected 1 to 65536, "
			    "got \"%s\"", a);
		break;
	case O_RIGHT: o->right = a; break;
	case O_ON: o->on = a; break;
	case O_BETWEEN: parse_between(o, a); break;
	case O_TYPE:
		if (strcmp(a, "inner") == 0)
			o->join_type = JOIN_INNER;
		else if (strcmp(a, "left") == 0)
			o->join_type = JOIN_LEFT;
		else if (strcmp(a, "right") == 0)
			o->join_type = JOIN_RIGHT;
		else if (strcmp(a, "full") == 0)
			o->join_type = JOIN_FULL;
		else
			opt_usage_error(o, "--type: expected inner, left, "
			    "right or full");
		break;
	case O_TABLE: o->table = 1; break;
	case O_AS_OF: o->as_of = 1; break;
	case O_PREFIX_RIGHT: o->prefix_right = a; break;
	case O_NEST: o->nest = 1; break;
	case O_LEFT_TIME: o->left_time = a; break;
	case O_RIGHT_TIME: o->right_time = a; break;
	case O_RIGHT_KCAT: o->right_kcat = 1; break;
	case O_HELP: help(o); break;
	case O_VERSION: version(o); break;
	case O_DUMP: dump(o); break;
	}
}

/* stream-join: one join, its flags, two inputs. */
static void
check_join(struct opts *o)
{
	int interval = o->within_set || o->between_set;

	if (o->right == NULL)
		opt_usage_error(o, "missing --right FILE");
	if (o->on == NULL)
		opt_usage_error(o, "missing --on KEY");
	if (o->within_set && o->between_set)
		opt_usage_error(o, "--within and --between exclude each other");
	if (o->table && (interval || o->as_of))
		opt_usage_error(o, "--table excludes --within, --between and "
		    "--as-of");
	if (o->as_of && interval)
		opt_usage_error(o, "--as-of excludes --within and --between");
	if (!o->table && !o->as_of && !interval)
		opt_usage_error(o, "a join is needed: --within D, --between "
		    "LO,HI, --table or --as-of");
	if ((o->table || o->as_of) && (o->join_type == JOIN_RIGHT ||
	    o->join_type == JOIN_FULL))
		opt_usage_error(o, "--type right and full need an interval "
		    "join (--within or --between)");
	if (o->table && o->lateness_ns != 0)
		opt_usage_error(o, "--lateness does not apply to --table");
	if (o->nest && o->prefix_right != NULL)
		opt_usage_error(o, "--nest and --prefix-right exclude each "
		    "other");
	if (strcmp(o->right, "-") == 0 && (o->nargs == 0 ||
	    strcmp(o->args[0], "-") == 0))
		opt_usage_error(o, "the left and the right cannot both be "
		    "standard input");
}

/*
 * STREAMKIT_TIME and STREAMKIT_TIME_FORMAT, when set and not empty, are
 * the defaults of --time and --time-format (SPEC 3), so that a pipeline
 * names its time field once.  A flag overrides its variable; a bad value
 * is a usage error that names the variable.  Then --year joins the
 * format, whichever set it.
 */
static void
env_defaults(struct opts *o)
{
	struct fault f;
	struct path p;
	const char *v;

	v = getenv("STREAMKIT_TIME");
	if (!o->time_set && v != NULL && *v != '\0') {
		if (strcmp(v, "@kafka") != 0) {
			if (path_parse(&p, v, &f) == -1)
				opt_usage_error(o, "STREAMKIT_TIME: %s", f.msg);
			path_release(&p);
		}
		o->time_path = v;
	}
	v = getenv("STREAMKIT_TIME_FORMAT");
	if (!o->time_format_set && v != NULL && *v != '\0' &&
	    tp_format_parse(&o->time_fmt, v, &f) == -1)
		opt_usage_error(o, "STREAMKIT_TIME_FORMAT: %s", f.msg);
	o->time_fmt.year = o->year;
}

/* Cross-flag rules that hold for every tool. */
static void
check(struct opts *o)
{
	int64_t span;

	if (o->processing_time && o->time_set)
		opt_usage_error(o, "--processing-time and --time exclude "
		    "each other");
	if (strcmp(o->time_path, "@kafka") == 0 && !o->kcat)
		opt_usage_error(o, "%s needs --kcat", o->time_set ?
		    "--time @kafka" : "STREAMKIT_TIME=@kafka");
	if (o->keep_envelope && !o->kcat)
		opt_usage_error(o, "--keep-envelope needs --kcat");
	if (o->partitions > 0 && !o->kcat)
		opt_usage_error(o, "--partitions needs --kcat");
	if (o->state_reset && o->state == NULL)
		opt_usage_error(o, "--state-reset needs --state");
	if (o->shard_n > 0 && o->by == NULL)
		opt_usage_error(o, "--shard needs --by");
	if (o->part_n > 0 && o->by == NULL)
		opt_usage_error(o, "--partition needs --by");
	if (o->part_n > 0 && o->shard_n > 0)
		opt_usage_error(o, "--partition and --shard exclude each other");
	if (o->win == WIN_HOPPING && o->slide_ns == 0)
		opt_usage_error(o, "--hopping needs --slide STEP");
	if (o->win == WIN_CUMULATE && o->slide_ns == 0)
		opt_usage_error(o, "--cumulate needs --step STEP");
	if ((o->slide_ns || o->count_slide) && o->win != WIN_HOPPING &&
	    o->win != WIN_CUMULATE && o->win != WIN_COUNT)
		opt_usage_error(o, "--slide/--step need --hopping, --cumulate "
		    "or --count");
	if (o->win == WIN_COUNT && o->slide_ns)
		opt_usage_error(o, "--count windows slide by a record count");
	if ((o->win == WIN_HOPPING || o->win == WIN_CUMULATE) &&
	    o->count_slide)
		opt_usage_error(o, "--slide/--step take a duration here");
	if ((o->win == WIN_HOPPING || o->win == WIN_CUMULATE) &&
	    o->slide_ns > o->size_ns)
		opt_usage_error(o, "--%s must not exceed the window size",
		    o->win == WIN_HOPPING ? "slide" : "step");
	if (o->win == WIN_CUMULATE && o->size_ns % o->slide_ns != 0)
		opt_usage_error(o, "--cumulate MAX must be a multiple of "
		    "--step");
	span = o->win == WIN_HOPPING ? o->slide_ns : o->size_ns;
	if (o->offset_ns != 0 && (o->win == WIN_TUMBLING ||
	    o->win == WIN_HOPPING || o->win == WIN_CUMULATE) &&
	    (o->offset_ns >= span || -o->offset_ns >= span))
		opt_usage_error(o, "--offset: |offset| must be less than the "
		    "window %s", o->win == WIN_HOPPING ? "slide" : "size");
	if (o->offset_ns != 0 && (o->win == WIN_SESSION ||
	    o->win == WIN_COUNT || o->win == WIN_NONE))
		opt_usage_error(o, "--offset needs --tumbling, --hopping or "
		    "--cumulate");
	if (o->max_line_bytes > ((size_t)1 << 30))
		opt_usage_error(o, "--max-line-bytes: at most 1073741824");
}

void
opt_parse(struct opts *o, enum tool t, int argc, char **argv)
{
	struct option lo[NROWS + 1];
	char shorts[64];
	const char *prog = toolinfo(t)->name;
	size_t i, nl = 0, ns = 0;
	int c;

	defaults(o, t, prog);
	shorts[ns++] = '+';
	shorts[ns++] = ':';
	for (i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];

		if (!(r->tools & t))
			continue;
		lo[nl].name = r->lng;
		lo[nl].has_arg = r->arg == A_NONE ? no_argument :
		    r->arg == A_REQ ? required_argument : optional_argument;
		lo[nl].flag = NULL;
		lo[nl].val = r->id;
		nl++;
		if (r->shrt) {
			shorts[ns++] = (char)r->shrt;
			if (r->arg == A_REQ)
				shorts[ns++] = ':';
		}
	}
	memset(&lo[nl], 0, sizeof(lo[nl]));
	shorts[ns] = '\0';
	opterr = 0;
	/* Options may follow operands, as with GNU tools; "--" ends them. */
	while (optind < argc) {
		int before = optind, li = -1;

		c = getopt_long(argc, argv, shorts, lo, &li);
		if (c == -1) {
			if (optind == before + 1 &&
			    strcmp(argv[before], "--") == 0) {
				while (optind < argc)
					argv[o->nargs++] = argv[optind++];
				break;
			}
			if (optind >= argc)
				break;
			argv[o->nargs++] = argv[optind++];
			continue;
		}
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];

			if (c == ':')
				opt_usage_error(o, "option '%s' needs an "
				    "argument", bad);
			if (optopt != 0)
				opt_usage_error(o, "unknown option '-%c'",
				    optopt);
			opt_usage_error(o, "unknown option '%s'", bad);
		}
		for (i = 0; i < NROWS; i++) {
			if (!(rows[i].tools & t))
				continue;
			if (rows[i].id == c || (c < 256 && rows[i].shrt == c))
				break;
		}
		apply(o, rows[i].id, rows[i].lng, optarg, argc, argv);
	}
	o->args = argv;
	argv[o->nargs] = NULL;
	if (o->state_check != NULL)
		print_state_check(o);	/* the other options do not matter */
	diag_set_strict(o->strict);
	env_defaults(o);
	check(o);
	if (t == T_JOIN)
		check_join(o);
}

void
opt_release(struct opts *o)
{
	int i;

	for (i = 0; i < o->nvars; i++) {
		free(o->vars[i].name);
		free(o->vars[i].json);
	}
	free(o->vars);
	o->vars = NULL;
	o->nvars = 0;
}

/* The join and what shapes its buffers (the type: the interval's only). */
static void
join_fingerprint(const struct opts *o, struct buf *b)
{
	static const char *mode[] = { "interval", "table", "as-of" };
	int m = o->table ? 1 : o->as_of ? 2 : 0;

	buf_printf(b, "join=%s on=%s type=%d lo=%lld hi=%lld lateness=%lld\n",
	    mode[m], o->on, m == 0 ? (int)o->join_type : 0,
	    (long long)(o->within_set ? -o->within_ns : o->between_lo_ns),
	    (long long)(o->within_set ? o->within_ns : o->between_hi_ns),
	    (long long)o->lateness_ns);
	buf_printf(b, "left-time=%s right-time=%s right-kcat=%d\n",
	    o->left_time != NULL ? o->left_time : "",
	    o->right_time != NULL ? o->right_time : "", o->right_kcat);
}

void
opt_fingerprint(const struct opts *o, struct buf *b)
{
	buf_printf(b, "tool=%s\n", toolinfo(o->tool)->name);
	buf_printf(b, "time=%s\n", o->processing_time ? "(processing time)" :
	    o->time_path);
	buf_printf(b, "time-format=%d:%s", (int)o->time_fmt.kind,
	    o->time_fmt.pattern);
	/* On the same line, and only when given: older states still fit. */
	if (o->year != 0)
		buf_printf(b, " year=%d", o->year);
	buf_addc(b, '\n');
	buf_printf(b, "kcat=%d\n", o->kcat);
	/* Only when given: they lay out the watermark channels. */
	if (o->partitions > 0)
		buf_printf(b, "partitions=%d\n", o->partitions);
	if (o->instances > 0)
		buf_printf(b, "instances=%d\n", o->instances);
	buf_printf(b, "by=%s\n", o->by != NULL ? o->by : "");
	/*
	 * --merge takes its windows from the partials; its snapshots have
	 * always said so as a 1 ns tumbling window, and still do.
	 */
	buf_printf(b, "window=%d size=%lld slide=%lld count=%lld/%lld "
	    "offset=%lld\n", o->merge ? (int)WIN_TUMBLING : (int)o->win,
	    o->merge ? 1LL : (long long)o->size_ns, (long long)o->slide_ns,
	    (long long)o->count_n, (long long)o->count_slide,
	    o->merge ? 0LL : (long long)o->offset_ns);
	if (o->tool == T_FILTER && o->dedupe != NULL)
		buf_printf(b, "dedupe=%s within=%lld\n", o->dedupe,
		    (long long)o->within_ns);
	if (o->tool == T_JOIN)
		join_fingerprint(o, b);
}
