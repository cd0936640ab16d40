/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * progress.c - the self-rewriting progress line on stderr (--progress).
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "diag.h"
#include "opts.h"
#include "progress.h"
#include "timeparse.h"
#include "xmalloc.h"

struct progress {
	const char	*prog;
	uint64_t	 total;		/* bytes; 0: not known */
	int64_t		 start_ms;
	int64_t		 last_ms;
	int		 shown;		/* a line is on stderr now */
	struct buf	 b;
};

/* The one line that diag.h erases before it speaks. */
static struct progress *active;

static void
erase_active(void)
{
	progress_erase(active);
}

/*
 * The size of an input when it is a regular file ("-" and no files:
 * standard input, which may be one too); -1 when it is not.
 */
static int64_t
input_size(const char *path)
{
	struct stat st;
	int r;

	r = path == NULL || strcmp(path, "-") == 0 ? fstat(0, &st) :
	    stat(path, &st);
	if (r == -1 || !S_ISREG(st.st_mode))
		return -1;
	return st.st_size;
}

/* Sum the regular files' sizes; *all tells whether every input is one. */
static uint64_t
inputs_size(char **const *streams, int nstreams, int *all, int *any)
{
	uint64_t total = 0;
	int64_t sz;
	int i, k;

	*all = 1;
	*any = 0;
	for (i = 0; i < nstreams; i++) {
		k = 0;
		do {
			sz = input_size(streams[i][k]);	/* NULL: stdin */
			if (sz < 0) {
				*all = 0;
			} else {
				*any = 1;
				total += (uint64_t)sz;
			}
		} while (streams[i][k] != NULL && streams[i][++k] != NULL);
	}
	return total;
}

struct progress *
progress_new(const struct opts *o, char **const *streams, int nstreams)
{
	struct progress *p;
	uint64_t total;
	int all, any;

	if (o->progress == 0)
		return NULL;
	total = inputs_size(streams, nstreams, &all, &any);
	if (o->progress < 0 && (!any || !isatty(2)))
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->prog = o->prog;
	p->total = all ? total : 0;
	p->start_ms = p->last_ms = clock_mono_ms();
	buf_init(&p->b);
	active = p;
	diag_set_erase(erase_active);
	return p;
}

static void
human(struct buf *b, double n)
{
	static const char *unit[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	int u = 0;

	while (n >= 1000 && u < 5) {
		n /= 1000;
		u++;
	}
	buf_printf(b, u == 0 ? "%.0f %s" : "%.1f %s", n, unit[u]);
}

static void
draw(struct progress *p, uint64_t bytes, uint64_t records, int64_t now)
{
	double secs = (double)(now - p->start_ms) / 1000, rate;
	char left[TP_BUF];

	rate = secs > 0 ? (double)bytes / secs : 0;
	buf_clear(&p->b);
	buf_printf(&p->b, "\r%s: ", p->prog);
	if (p->total > 0 && bytes <= p->total)
		buf_printf(&p->b, "%.0f%% ", 100.0 * (double)bytes /
		    (double)p->total);
	human(&p->b, (double)bytes);
	if (p->total > 0) {
		buf_adds(&p->b, " of ");
		human(&p->b, (double)p->total);
	}
	buf_printf(&p->b, ", %llu records, ", (unsigned long long)records);
	human(&p->b, rate);
	buf_adds(&p->b, "/s");
	if (p->total > bytes && rate > 0) {
		tp_format_duration((int64_t)((double)(p->total - bytes) /
		    rate + 0.5) * 1000000000, left);
		buf_printf(&p->b, ", %s left", left);
	}
	buf_adds(&p->b, "\033[K");
	if (write(2, p->b.data, p->b.len) > 0)
		p->shown = 1;
}

void
progress_update(struct progress *p, uint64_t bytes, uint64_t records)
{
	int64_t now = clock_mono_ms();

	if (now - p->last_ms < PROGRESS_EVERY_MS)
		return;
	p->last_ms = now;
	draw(p, bytes, records, now);
}

void
progress_erase(struct progress *p)
{
	if (p == NULL || !p->shown)
		return;
	p->shown = 0;
	if (write(2, "\r\033[K", 4) < 0)
		return;
}

void
progress_free(struct progress *p)
{
	if (p == NULL)
		return;
	progress_erase(p);
	if (active == p) {
		active = NULL;
		diag_set_erase(NULL);
	}
	buf_release(&p->b);
	free(p);
}
