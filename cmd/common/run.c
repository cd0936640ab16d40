/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * run.c - the shared main loop: events, firing, watermarks, stats, stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "diag.h"
#include "kpart.h"
#include "opts.h"
#include "out.h"
#include "progress.h"
#include "run.h"
#include "sat.h"
#include "source.h"
#include "stage.h"
#include "state.h"
#include "timeparse.h"

/* Has the tool's stage (stage.h) this entry? */
#define has(R, fn)	((R)->stage != NULL && (R)->stage->fn != NULL)

/*
 * Signals (SPEC 6).  The handler sets a flag and writes a byte to a
 * pipe that the reader polls with the inputs (reader.h wake_fd): a
 * signal that lands between the loop's look at the flag and poll()
 * still ends the wait at once.  After SIGTERM or SIGINT, an interval
 * timer sends SIGALRM every 100 ms, so that a write blocked on a stalled
 * downstream returns EINTR; out.c then gives the pending output 5 s
 * (OUT_STALL_MS) and exits 74 without a snapshot.  A second SIGINT ends
 * the tool at once, as redis does.
 */
static volatile sig_atomic_t stop_flag, stats_flag;
static int wake_pipe[2] = { -1, -1 };

static void
say_now(const char *s)
{
	const char *p = diag_progname();

	(void)!write(2, p, strlen(p));
	(void)!write(2, s, strlen(s));
}

static void
on_signal(int sig)
{
	int e = errno;
	struct itimerval it = { { 0, 100000 }, { 0, 100000 } };

	if (sig == SIGUSR1) {
		stats_flag = 1;
	} else if (sig == SIGALRM) {
		/* Only to interrupt a blocked write(2). */
	} else if (stop_flag && sig == SIGINT) {
		say_now(": second interrupt: exiting at once, "
		    "without a checkpoint\n");
		signal(SIGINT, SIG_DFL);
		raise(SIGINT);
	} else {
		if (!stop_flag)
			setitimer(ITIMER_REAL, &it, NULL);
		stop_flag = 1;
	}
	if (wake_pipe[1] != -1)
		(void)!write(wake_pipe[1], "", 1);
	errno = e;
}

/* A pipe end moved above stdin, stdout and stderr, non-blocking. */
static int
high_fd(int fd)
{
	int h = fcntl(fd, F_DUPFD_CLOEXEC, 3);

	close(fd);
	if (h != -1)
		fcntl(h, F_SETFL, O_NONBLOCK);
	return h;
}

static void
open_wake_pipe(void)
{
	int p[2];

	if (wake_pipe[0] != -1 || pipe(p) == -1)
		return;
	wake_pipe[0] = high_fd(p[0]);
	wake_pipe[1] = high_fd(p[1]);
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: write() must give up */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	out_stop = &stop_flag;
}

static int
stats_requested(void)
{
	int v = stats_flag;

	stats_flag = 0;
	return v;
}

/*
 * The side files the source opened (--late-output, --errors-output):
 * a checkpoint writes them out with stdout.
 */
#define SIDE_OUTS_MAX	8
static struct out *side_outs[SIDE_OUTS_MAX];

/* The source's hooks into the runtime: side files, flushing, reports. */
static struct sink *
sink_open(void *arg, const char *path, struct fault *f)
{
	struct out *o;
	int i;

	for (i = 0; i < SIDE_OUTS_MAX && side_outs[i] != NULL; i++)
		;
	if (i == SIDE_OUTS_MAX)
		return fault_null(f, EX_SOFTWARE, "more than %d side files",
		    SIDE_OUTS_MAX);
	if ((o = out_open(path, f)) == NULL)
		return NULL;
	side_outs[i] = o;
	return out_sink(o);
}

static void
sink_close(void *arg, struct sink *s)
{
	struct out *o = (struct out *)(void *)s;
	int i;

	for (i = 0; i < SIDE_OUTS_MAX; i++)
		if (side_outs[i] == o)
			side_outs[i] = NULL;
	out_close(o);
}

/* Before the reader waits: results and side files leave. */
static void
flush_outputs(void *arg)
{
	int i;

	out_flush(out_stdout);
	for (i = 0; i < SIDE_OUTS_MAX; i++)
		if (side_outs[i] != NULL)
			out_flush(side_outs[i]);
}

/*
 * Everything the state about to be saved has produced is written out
 * and, in regular files, on the disk.  A failure is out_on_error's:
 * exit 74 (EPIPE on stdout: quietly), with no new snapshot.
 */
static int
sync_outputs(void)
{
	int i;

	for (i = 0; i < SIDE_OUTS_MAX; i++)
		if (side_outs[i] != NULL && out_sync(side_outs[i]) == -1)
			return -1;
	return out_sync(out_stdout);
}

static void
report_bad(void *arg, const struct fault *f)
{
	diag_bad(f);
}

/*
 * -j auto (SPEC 10): the online CPUs, at most 8, when an input is a
 * regular file of more than 64 MiB (named, or stdin redirected from it);
 * else one thread, since a stage of a pipeline shares the cores with its
 * neighbours.
 */
#define AUTO_THREADS_MAX	8
#define AUTO_FILE_BYTES		((off_t)64 << 20)

static int
threads(const struct opts *o, char **const *streams, int nsides)
{
	struct stat st;
	long n;
	int i, j, big = 0;

	if (o->threads > 0)
		return o->threads;
	for (i = 0; i < nsides; i++) {
		for (j = 0; streams[i] != NULL && streams[i][j] != NULL; j++)
			if (strcmp(streams[i][j], "-") != 0 &&
			    stat(streams[i][j], &st) == 0 &&
			    S_ISREG(st.st_mode) && st.st_size > AUTO_FILE_BYTES)
				big = 1;
		/* Stdin redirected from a file (< FILE) is a file too. */
		if ((streams[i] == NULL || streams[i][0] == NULL) &&
		    fstat(0, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_size > AUTO_FILE_BYTES)
			big = 1;
	}
	if (!big)
		return 1;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > AUTO_THREADS_MAX ? AUTO_THREADS_MAX : (int)n;
}

/* STREAMKIT_BLOCK_SIZE: the decode threads' block, in bytes (tests). */
static size_t
block_bytes(void)
{
	const char *e = getenv("STREAMKIT_BLOCK_SIZE");
	unsigned long long n;
	char *end;

	if (e == NULL || *e == '\0')
		return 0;
	n = strtoull(e, &end, 10);
	if (*end != '\0' || n < 1 || n > ((size_t)1 << 30))
		return 0;
	return (size_t)n;
}

void
run_open(struct run *R, char **const *streams, const struct src_side *sides,
    int nsides)
{
	const struct opts *o = R->o;
	struct src_config c;
	struct fault f;

	memset(&c, 0, sizeof(c));
	c.time_path = o->time_path;
	c.time_fmt = o->time_fmt;
	c.time_out = o->time_out;
	c.processing_time = o->processing_time;
	c.max_delay_ns = o->max_delay_ns;
	c.idle_ns = o->idle_ns;
	c.watermarks = o->wm_out == WMO_ALWAYS ? 1 :
	    o->wm_out == WMO_NEVER ? -1 : 0;
	c.keep_envelope = o->keep_envelope;
	c.partitions = o->partitions;
	c.max_line_bytes = o->max_line_bytes;
	c.threads = threads(o, streams, nsides);
	c.block_bytes = block_bytes();
	c.by = o->by;
	c.shard_i = o->shard_i;
	c.shard_n = o->shard_n;
	c.instances = o->instances;
	c.from_i = o->inst_i;
	c.from_n = o->inst_n;
	if (o->kafka_key > 0) {
		/* Reachable until exit, as the source that reads it. */
		static struct kp_marks marks;

		if (kp_marks_init(&marks, o->kafka_key, &f) == -1)
			diag_die(&f);
		c.marks = &marks;
	}
	c.errors_path = o->errors_output;
	c.late_path = o->late_output;
	c.sink_open = sink_open;
	c.sink_close = sink_close;
	c.wait = flush_outputs;
	c.bad = report_bad;
	c.stop = &stop_flag;
	if (o->kcat_pad)
		out_stdout->pad = KCAT_PAD;
	open_wake_pipe();
	c.wake_fd = wake_pipe[0] > 0 ? wake_pipe[0] : -1;
	if ((R->src = src_open(&c, streams, sides, nsides, &f)) == NULL)
		diag_die(&f);
	R->progress = progress_new(o, streams, nsides);
	install_signals();
}

static void
human_bytes(struct buf *b, double n)
{
	static const char *unit[] = { "B", "kB", "MB", "GB", "TB" };
	int u = 0;

	while (n >= 1000 && u < 4) {
		n /= 1000;
		u++;
	}
	buf_printf(b, u == 0 ? "%.0f %s" : "%.1f %s", n, unit[u]);
}

/* One --stats line: counters, throughput, watermark and its lag. */
/* --stats D, or 10 s for --metrics alone. */
static int64_t
stats_every_ms(const struct opts *o)
{
	return o->stats_ns > 0 ? o->stats_ns / 1000000 : 10000;
}

static void
print_stats(struct run *R, int final)
{
	struct src_counters *c = src_counters(R->src);
	struct watermark *wm = src_wm(R->src);
	int64_t now = clock_mono_ms(), el = now - R->started_ms;
	char tb[TP_BUF];
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "%s: %sin %llu, out %llu, bad %llu, late %llu",
	    diag_progname(), final ? "done: " : "",
	    (unsigned long long)c->in, (unsigned long long)c->out,
	    (unsigned long long)c->bad, (unsigned long long)c->late);
	if (c->replayed > 0)
		buf_printf(&b, ", replayed %llu",
		    (unsigned long long)c->replayed);
	buf_adds(&b, ", ");
	human_bytes(&b, el > 0 ? (double)src_bytes(R->src) * 1000 /
	    (double)el : 0);
	buf_adds(&b, "/s");
	if (wm->wm_ns != WM_MIN && wm->wm_ns != WM_MAX) {
		tp_format(wm->wm_ns, TPO_RFC3339, tb);
		buf_printf(&b, ", watermark %s, lag %.1fs", tb,
		    ((double)clock_wall_ns() - (double)wm->wm_ns) / 1e9);
	}
	if (has(R, bytes)) {
		buf_adds(&b, ", state ");
		human_bytes(&b, (double)R->stage->bytes(R->obj));
	}
	if (R->h->stats != NULL)
		R->h->stats(R->ctx, &b);
	if (has(R, stats))
		R->stage->stats(R->obj, &b);
	if (R->o->state != NULL && final) {
		buf_printf(&b, ", restored in %.3fs, checkpoint %.3fs (",
		    (double)R->restore_ns / 1e9, (double)R->ckpt_ns / 1e9);
		human_bytes(&b, (double)R->ckpt_bytes);
		buf_addc(&b, ')');
	}
	diag_erase();
	fprintf(stderr, "%s\n", buf_cstr(&b));
	buf_release(&b);
}

static void
metric(struct buf *b, const char *name, const char *type, const char *help,
    double v)
{
	char num[32];

	buf_fmt_double(v, num);
	buf_printf(b, "# HELP streamkit_%s %s\n# TYPE streamkit_%s %s\n"
	    "streamkit_%s{tool=\"%s\"} %s\n", name, help, name, type, name,
	    diag_progname(), strcmp(num, "null") == 0 ? "NaN" : num);
}

static int
write_full(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * --metrics FILE: the counters in Prometheus text format, replaced
 * atomically (write FILE.tmp, rename) for node_exporter's textfile
 * collector.  A failure is reported once and the run goes on: metrics
 * must not stop the data.
 */
static void
write_metrics(struct run *R)
{
	struct src_counters *c = src_counters(R->src);
	struct watermark *wm = src_wm(R->src);
	struct buf b, tmp;
	int fd, ok;

	if (R->o->metrics == NULL)
		return;
	buf_init(&b);
	buf_init(&tmp);
	metric(&b, "records_in_total", "counter", "Events read.",
	    (double)c->in);
	metric(&b, "records_out_total", "counter", "Records written.",
	    (double)c->out);
	metric(&b, "records_bad_total", "counter", "Bad records skipped.",
	    (double)c->bad);
	metric(&b, "records_late_total", "counter",
	    "Records dropped as late.", (double)c->late);
	metric(&b, "records_replayed_total", "counter",
	    "Kafka records skipped by offset.", (double)c->replayed);
	metric(&b, "bytes_read_total", "counter", "Input bytes read.",
	    (double)src_bytes(R->src));
	if (wm->wm_ns != WM_MIN && wm->wm_ns != WM_MAX) {
		metric(&b, "watermark_seconds", "gauge",
		    "Event-time watermark, Unix seconds.",
		    (double)wm->wm_ns / 1e9);
		metric(&b, "watermark_lag_seconds", "gauge",
		    "Wall clock minus watermark.",
		    ((double)clock_wall_ns() - (double)wm->wm_ns) / 1e9);
	}
	metric(&b, "state_bytes", "gauge", "Bytes of open state.",
	    has(R, bytes) ? (double)R->stage->bytes(R->obj) : 0);
	buf_printf(&tmp, "%s.tmp", R->o->metrics);
	/* A fresh file, never one a symlink planted at FILE.tmp points to. */
	unlink(buf_cstr(&tmp));
	fd = open(tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	ok = fd != -1 && write_full(fd, b.data, b.len) == 0;
	if (fd != -1 && close(fd) == -1)
		ok = 0;
	if (!ok || rename(tmp.data, R->o->metrics) == -1) {
		if (!R->metrics_failed)
			diag_warn("cannot write --metrics %s", R->o->metrics);
		R->metrics_failed = 1;
		unlink(tmp.data);
	}
	buf_release(&b);
	buf_release(&tmp);
}

static void
set_deadline(struct run *R)
{
	int64_t d = 0, now = clock_mono_ms();

	if (R->o->stats_ns > 0 || R->o->metrics != NULL)
		d = R->next_stats_ms;
	if (R->o->state != NULL && R->o->checkpoint_n == 0 &&
	    R->o->checkpoint_ns > 0 && (d == 0 || R->next_ckpt_ms < d))
		d = R->next_ckpt_ms;
	(void)now;
	src_set_deadline(R->src, d);
}

/* A checkpoint, timed for --stats (people size intervals by it). */
static int
checkpoint(struct run *R, struct fault *f)
{
	int64_t t0 = clock_wall_ns();

	if (sync_outputs() == -1)
		return fault_set(f, EX_IOERR, "output cannot be written: no "
		    "checkpoint (the previous snapshot stands)");
	if (state_checkpoint(R->st, f) == -1)
		return -1;
	R->ckpt_ns = clock_wall_ns() - t0;
	R->ckpt_bytes = state_size(R->st);
	return 0;
}

/* Input records so far: events and bad lines (what a snapshot counts). */
static uint64_t
records_in(struct run *R)
{
	struct src_counters *c = src_counters(R->src);

	return c->in + c->bad;
}

/*
 * A checkpoint when one is due: every --checkpoint-interval N input
 * records exactly, or every D of wall clock, also while the input is
 * quiet (the reader's wait ends at the deadline: set_deadline()).
 */
static void
checkpoint_if_due(struct run *R, int64_t now)
{
	struct fault f;

	if (R->st == NULL)
		return;
	if (R->o->checkpoint_n > 0 ? records_in(R) < R->next_ckpt_n :
	    (R->o->checkpoint_ns <= 0 || now < R->next_ckpt_ms))
		return;
	if (checkpoint(R, &f) == -1)
		diag_die(&f);
	R->next_ckpt_ms = now + R->o->checkpoint_ns / 1000000;
	R->next_ckpt_n = records_in(R) + (uint64_t)R->o->checkpoint_n;
}

static void
periodic(struct run *R)
{
	int64_t now = clock_mono_ms();

	if (stats_requested())
		print_stats(R, 0);
	if ((R->o->stats_ns > 0 || R->o->metrics != NULL) &&
	    now >= R->next_stats_ms) {
		if (R->o->stats_ns > 0)
			print_stats(R, 0);
		write_metrics(R);
		R->next_stats_ms = now + stats_every_ms(R->o);
	}
	checkpoint_if_due(R, now);
	set_deadline(R);
}

/*
 * Fire what W released, then forward W.  Unless the tool decides, a
 * watermark record goes out after windows fired (a rollup downstream
 * waits for exactly that), on an idle tick, or (tools that pass records
 * through) once W has moved a second of event time since the last one:
 * never after every event.
 */
static void
after(struct run *R, int tick)
{
	int64_t w = src_wm(R->src)->wm_ns;
	uint64_t out = src_counters(R->src)->out;
	int fired = 0;

	if (w > R->advanced) {
		R->advanced = w;
		if (has(R, advance))
			R->stage->advance(R->obj, w);
		if (R->h->advance != NULL)
			R->h->advance(R->ctx, w);
		fired = src_counters(R->src)->out > out;
	}
	if (R->h->may_forward != NULL) {
		if (R->h->may_forward(R->ctx, w, tick))
			src_forward_wm(R->src, out_sink(out_stdout));
		return;
	}
	if (w == R->forwarded || (!fired && !tick && (R->forward_on_fire ||
	    (R->forwarded != WM_MIN &&
	    sat_sub_ns(w, R->forwarded) < 1000000000))))
		return;
	if (src_forward_wm(R->src, out_sink(out_stdout)))
		R->forwarded = w;
}

static void
save_tool(void *ctx, struct buf *b)
{
	struct run *R = ctx;

	if (has(R, save))
		R->stage->save(R->obj, b);
}

static int
load_tool(void *ctx, const char *p, size_t n, struct fault *f)
{
	struct run *R = ctx;

	return has(R, load) ? R->stage->load(R->obj, p, n, f) : 0;
}

static void
save_source(void *ctx, struct buf *b)
{
	src_save(ctx, b);
}

static int
load_source(void *ctx, const char *p, size_t n, struct fault *f)
{
	return src_load(ctx, p, n, f);
}

/*
 * --state: the snapshot holds the source's part and the tool's, under
 * the fingerprint of the options that shape them; restoring it puts W
 * back where the last run left it.
 */
static void
open_state(struct run *R)
{
	struct state_config c;
	struct fault f;
	int64_t t0 = clock_wall_ns();

	R->parts[0] = (struct state_part){ "source", "source section",
	    save_source, load_source, R->src };
	R->parts[1] = (struct state_part){ "tool-state", "tool section",
	    save_tool, load_tool, R };
	buf_init(&R->fp);
	opt_fingerprint(R->o, &R->fp);
	if (R->h->fingerprint != NULL)
		R->h->fingerprint(R->ctx, &R->fp);
	memset(&c, 0, sizeof(c));
	c.path = R->o->state;
	c.reset = R->o->state_reset;
	c.tool = diag_progname();
	c.fingerprint = R->fp.data != NULL ? R->fp.data : "";
	c.fingerprint_len = R->fp.len;
	c.parts = R->parts;
	c.nparts = 2;
	if ((R->st = state_open(&c, &f)) == NULL)
		diag_die(&f);
	R->advanced = src_wm(R->src)->wm_ns;
	R->restore_ns = clock_wall_ns() - t0;
}

int
run_loop(struct run *R)
{
	struct src_event ev;
	struct fault f;
	int rc, flush;

	R->advanced = WM_MIN;
	R->forwarded = WM_MIN;
	R->started_ms = clock_mono_ms();
	R->next_stats_ms = R->started_ms + stats_every_ms(R->o);
	R->next_ckpt_ms = R->started_ms + R->o->checkpoint_ns / 1000000;
	if (R->o->state != NULL)
		open_state(R);
	/* Counted from what the snapshot restored. */
	R->next_ckpt_n = records_in(R) + (uint64_t)R->o->checkpoint_n;
	set_deadline(R);
	while ((rc = src_next(R->src, &ev, &f)) != SRC_EOF) {
		switch (rc) {
		case SRC_FATAL:
			diag_die(&f);
		case SRC_STOP:
			R->stopped = 1;
			break;
		case SRC_BAD:
			diag_bad(&f);
			break;
		case SRC_EVENT:
			R->h->event(R->ctx, &ev);
			break;
		case SRC_PARTIAL:
			if (R->h->partial != NULL)
				R->h->partial(R->ctx, &ev);
			else
				out_line(out_stdout, ev.out_p, ev.out_len);
			break;
		case SRC_TOMBSTONE:
			if (R->h->tombstone != NULL)
				R->h->tombstone(R->ctx, &ev);
			break;
		case SRC_TICK:
			periodic(R);
			break;
		default:
			break;
		}
		if (R->stopped)
			break;
		after(R, rc == SRC_TICK);
		if (R->o->checkpoint_n > 0 && R->st != NULL &&
		    records_in(R) >= R->next_ckpt_n)
			checkpoint_if_due(R, 0);
		/* The clock is read every 64 steps, and only with --progress. */
		if (R->progress != NULL && ((++R->steps & 63) == 0 ||
		    rc == SRC_TICK))
			progress_update(R->progress, src_bytes(R->src),
			    src_counters(R->src)->in);
	}
	progress_free(R->progress);
	R->progress = NULL;
	flush = R->o->eof == EOF_FLUSH ||
	    (R->o->eof == EOF_DEFAULT && R->o->state == NULL);
	if (flush && has(R, flush))
		R->stage->flush(R->obj);
	out_flush(out_stdout);
	if (R->st != NULL) {
		if (checkpoint(R, &f) == -1)
			diag_die(&f);
		state_close(R->st);
		R->st = NULL;
		buf_release(&R->fp);
	}
	if (R->o->stats_ns > 0 || (R->o->verbose && !R->quiet_late))
		print_stats(R, 1);
	else if (src_counters(R->src)->late > 0 && !R->quiet_late)
		diag_note("%llu record%s dropped as late%s",
		    (unsigned long long)src_counters(R->src)->late,
		    src_counters(R->src)->late == 1 ? "" : "s",
		    R->o->late_output != NULL ? " (written to --late-output)" :
		    " (--late-output FILE keeps them)");
	write_metrics(R);
	return diag_finish();
}
