/*
 * run.c - the shared main loop: events, firing, watermarks, stats, stop.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "diag.h"
#include "opts.h"
#include "out.h"
#include "progress.h"
#include "run.h"
#include "source.h"
#include "stage.h"
#include "state.h"
#include "timeparse.h"

/* Has the tool's stage (stage.h) this entry? */
#define has(R, fn)	((R)->stage != NULL && (R)->stage->fn != NULL)

static volatile sig_atomic_t stop_flag, stats_flag;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		stats_flag = 1;
	else
		stop_flag = 1;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: poll() must wake up */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
}

static int
stats_requested(void)
{
	int v = stats_flag;

	stats_flag = 0;
	return v;
}

/* The source's hooks into the runtime: side files, flushing, reports. */
static struct sink *
sink_open(void *arg, const char *path, struct fault *f)
{
	struct out *o = out_open(path, f);

	return o != NULL ? out_sink(o) : NULL;
}

static void
sink_close(void *arg, struct sink *s)
{
	out_close((struct out *)(void *)s);
}

static void
flush_stdout(void *arg)
{
	out_flush(out_stdout);
}

static void
report_bad(void *arg, const struct fault *f)
{
	diag_bad(f);
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
	c.by = o->by;
	c.shard_i = o->shard_i;
	c.shard_n = o->shard_n;
	c.errors_path = o->errors_output;
	c.late_path = o->late_output;
	c.sink_open = sink_open;
	c.sink_close = sink_close;
	c.wait = flush_stdout;
	c.bad = report_bad;
	c.stop = &stop_flag;
	if (o->kcat_pad)
		out_stdout->pad = KCAT_PAD;
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
		    (double)(clock_wall_ns() - wm->wm_ns) / 1e9);
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
	FILE *fp;
	int ok;

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
		    (double)(clock_wall_ns() - wm->wm_ns) / 1e9);
	}
	metric(&b, "state_bytes", "gauge", "Bytes of open state.",
	    has(R, bytes) ? (double)R->stage->bytes(R->obj) : 0);
	buf_printf(&tmp, "%s.tmp", R->o->metrics);
	ok = (fp = fopen(buf_cstr(&tmp), "w")) != NULL &&
	    fwrite(b.data, 1, b.len, fp) == b.len;
	if (fp != NULL && fclose(fp) != 0)
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
	if (R->o->state != NULL && R->o->checkpoint_ns > 0 &&
	    (d == 0 || R->next_ckpt_ms < d))
		d = R->next_ckpt_ms;
	(void)now;
	src_set_deadline(R->src, d);
}

/* A checkpoint, timed for --stats (people size intervals by it). */
static int
checkpoint(struct run *R, struct fault *f)
{
	int64_t t0 = clock_wall_ns();

	out_flush(out_stdout);
	if (state_checkpoint(R->st, f) == -1)
		return -1;
	R->ckpt_ns = clock_wall_ns() - t0;
	R->ckpt_bytes = state_size(R->st);
	return 0;
}

static void
periodic(struct run *R)
{
	int64_t now = clock_mono_ms();
	struct fault f;

	if (stats_requested())
		print_stats(R, 0);
	if ((R->o->stats_ns > 0 || R->o->metrics != NULL) &&
	    now >= R->next_stats_ms) {
		if (R->o->stats_ns > 0)
			print_stats(R, 0);
		write_metrics(R);
		R->next_stats_ms = now + stats_every_ms(R->o);
	}
	if (R->st != NULL && ((R->o->checkpoint_ns > 0 &&
	    now >= R->next_ckpt_ms) || (R->o->checkpoint_n > 0 &&
	    src_counters(R->src)->in >= R->next_ckpt_n))) {
		if (checkpoint(R, &f) == -1)
			diag_die(&f);
		R->next_ckpt_ms = now + R->o->checkpoint_ns / 1000000;
		R->next_ckpt_n = src_counters(R->src)->in +
		    (uint64_t)R->o->checkpoint_n;
	}
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
	    (R->forwarded != WM_MIN && w - R->forwarded < 1000000000))))
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
	R->next_ckpt_n = (uint64_t)R->o->checkpoint_n;
	if (R->o->state != NULL)
		open_state(R);
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
		/* --checkpoint-interval N: exactly every N records (SPEC 6). */
		if (R->o->checkpoint_n > 0 &&
		    (src_counters(R->src)->in >= R->next_ckpt_n ||
		    (src_counters(R->src)->in & 4095) == 0))
			periodic(R);
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
