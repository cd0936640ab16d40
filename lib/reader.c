/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * reader.c - line framing over read(2) and poll(2).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"
#include "reader.h"
#include "sink.h"
#include "xmalloc.h"

struct stream {
	char *const	*files;		/* NULL-terminated; NULL: stdin */
	int		 cur;		/* index into files */
	const char	*name;		/* current file, "-" for stdin */
	int		 fd;		/* -1 before open and after close */
	int		 regular;	/* reads never block */
	int		 eof_file;	/* read(2) said 0 on the current fd */
	int		 ended;		/* every file done */
	int		 end_told;	/* RD_STREAM_END returned */
	int		 skipping;	/* inside an oversize line */
	char		*buf;
	size_t		 cap;
	size_t		 start;		/* first unconsumed byte */
	size_t		 scan;		/* no '\n' in [start, scan) */
	size_t		 end;		/* end of data */
	int64_t		 lineno;
};

struct reader {
	struct stream	*s;
	int		 n;
	int		 next;		/* round-robin start */
	int		 many_files;
	struct rd_config cfg;
	uint64_t	 bytes;
	int		 cr_held;	/* spill: a '\r' not yet written */
	struct pollfd	*pfd;		/* the inputs, then wake_fd */
	int		*pidx;
	int		 first;		/* rd_first()'s stream, or -1 */
};

#define RD_PIPE_BYTES	(1 << 20)

static const char stdin_name[] = "-";

static int
stream_open_cur(struct stream *s, struct fault *f)
{
	const char *name = s->files != NULL ? s->files[s->cur] : stdin_name;
	struct stat st;

	s->name = name;
	s->eof_file = 0;
	s->lineno = 0;
	if (strcmp(name, "-") == 0) {
		s->fd = 0;
	} else if ((s->fd = open(name, O_RDONLY | O_CLOEXEC)) == -1) {
		return fault_set(f, EX_NOINPUT, "cannot open %s: %s", name,
		    strerror(errno));
	}
	if (fstat(s->fd, &st) == -1)
		st.st_mode = 0;
	s->regular = S_ISREG(st.st_mode);
#ifdef F_SETPIPE_SZ
	/*
	 * A pipe of 1 MiB, where allowed: a busy writer (a shard into
	 * --merge) wakes us 16 times less often than with 64 KiB.
	 */
	if (!s->regular && S_ISFIFO(st.st_mode))
		(void)fcntl(s->fd, F_SETPIPE_SZ, RD_PIPE_BYTES);
#endif
	return 0;
}

/* The current file is done: on to the next, or the stream ends. */
static int
stream_advance(struct stream *s, struct fault *f)
{
	if (s->fd > 0)
		close(s->fd);
	s->fd = -1;
	if (s->files == NULL || s->files[++s->cur] == NULL) {
		s->ended = 1;
		return 0;
	}
	return stream_open_cur(s, f);
}

struct reader *
rd_open(char **const *streams, int nstreams, const struct rd_config *cfg,
    struct fault *f)
{
	struct reader *rd;
	int i, j, nfiles = 0;

	if (nstreams < 1 || nstreams > RD_STREAMS_MAX)
		return fault_null(f, EX_USAGE, "too many inputs (at most %d)",
		    RD_STREAMS_MAX);
	for (i = 0; i < nstreams; i++) {
		for (j = 0; streams[i] != NULL && streams[i][j] != NULL; j++) {
			const char *p = streams[i][j];

			nfiles++;
			if (strcmp(p, "-") != 0 && access(p, R_OK) == -1)
				return fault_null(f, EX_NOINPUT,
				    "cannot open %s: %s", p, strerror(errno));
		}
	}
	rd = xcalloc(1, sizeof(*rd));
	rd->s = xcalloc((size_t)nstreams, sizeof(*rd->s));
	rd->pfd = xcalloc((size_t)nstreams + 1, sizeof(*rd->pfd));
	rd->pidx = xcalloc((size_t)nstreams, sizeof(int));
	rd->n = nstreams;
	rd->first = -1;
	rd->cfg = *cfg;
	if (rd->cfg.line_max == 0)
		rd->cfg.line_max = RD_LINE_MAX;
	rd->many_files = nfiles > 1;
	for (i = 0; i < nstreams; i++) {
		struct stream *s = &rd->s[i];

		s->fd = -1;
		s->files = streams[i] != NULL && streams[i][0] != NULL ?
		    streams[i] : NULL;
		s->cap = 2 * RD_BLOCK;
		s->buf = xmalloc(s->cap);
		if (stream_open_cur(s, f) == -1) {
			rd_free(rd);
			return NULL;
		}
	}
	return rd;
}

void
rd_free(struct reader *rd)
{
	int i;

	if (rd == NULL)
		return;
	for (i = 0; rd->s != NULL && i < rd->n; i++) {
		if (rd->s[i].fd > 0)
			close(rd->s[i].fd);
		free(rd->s[i].buf);
	}
	free(rd->s);
	free(rd->pfd);
	free(rd->pidx);
	free(rd);
}

void
rd_swap_hooks(struct reader *rd, struct rd_config *c)
{
	struct rd_config t = rd->cfg;

	rd->cfg.flush = c->flush;
	rd->cfg.flush_arg = c->flush_arg;
	rd->cfg.spill = c->spill;
	c->flush = t.flush;
	c->flush_arg = t.flush_arg;
	c->spill = t.spill;
}

/*
 * Oversize lines go to --errors-output piece by piece, as they arrive.
 * The line's ending is "\n" or "\r\n", and the '\r' of the latter becomes
 * "\n" like everywhere else; but a piece that ends in '\r' does not yet
 * know whether that '\r' is the ending's.  So it holds it back: the next
 * piece writes it, unless that next piece is the end of the line with
 * nothing before its newline.  The last piece comes with its own ending
 * '\r', if any, still on.
 */
static void
spill(struct reader *rd, const char *p, size_t n, int last)
{
	struct sink *o = rd->cfg.spill;

	if (o == NULL)
		return;
	/* Bytes follow the held '\r' before the newline: it was content. */
	if (rd->cr_held && n > 0) {
		buf_addc(&o->b, '\r');
		rd->cr_held = 0;
	}
	if (n > 0 && p[n - 1] == '\r') {
		n--;
		rd->cr_held = !last;	/* last: the ending's, dropped */
	}
	buf_add(&o->b, p, n);
	if (last) {
		rd->cr_held = 0;
		sink_line(o, "", 0);
	} else if (o->b.len >= SINK_DRAIN_AT) {
		o->drain(o);
	}
}

int
rd_blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

/*
 * A complete line from the buffer, or 0 when more bytes are needed.
 * Oversize lines are spilled and reported without being held.
 */
static int
take_line(struct reader *rd, struct stream *s, struct line *l)
{
	char *nl;
	size_t len;

	for (;;) {
		nl = memchr(s->buf + s->scan, '\n', s->end - s->scan);
		if (nl == NULL) {
			s->scan = s->end;
			len = s->end - s->start;
			/* A '\r' last may be the one of "\r\n": not counted. */
			if (len > 0 && s->buf[s->end - 1] == '\r')
				len--;
			if (s->skipping || len > rd->cfg.line_max) {
				if (!s->skipping)
					s->lineno++;
				s->skipping = 1;
				spill(rd, s->buf + s->start, s->end - s->start, 0);
				s->start = s->scan = s->end = 0;
				if (!s->eof_file)
					return 0;
				s->skipping = 0;
				spill(rd, "", 0, 1);
				l->lineno = s->lineno;
				return RD_OVERSIZE;
			}
			if (!s->eof_file || s->end == s->start)
				return 0;
			nl = s->buf + s->end;	/* last line, no newline */
		}
		len = (size_t)(nl - (s->buf + s->start));
		l->p = s->buf + s->start;
		s->start = s->scan = (size_t)(nl - s->buf) +
		    (nl < s->buf + s->end);
		if (s->skipping) {
			s->skipping = 0;
			spill(rd, l->p, len, 1);
			l->lineno = s->lineno;
			return RD_OVERSIZE;
		}
		s->lineno++;
		if (len > 0 && l->p[len - 1] == '\r')
			len--;
		if (len > rd->cfg.line_max) {
			spill(rd, l->p, (size_t)(nl - l->p), 1);
			l->lineno = s->lineno;
			return RD_OVERSIZE;
		}
		if (len == 0 || rd_blank(l->p, len))
			continue;
		l->len = len;
		l->lineno = s->lineno;
		return RD_LINE;
	}
}

/* One read(2) into the stream's buffer; 0, or -1 with the fault. */
static int
fill(struct reader *rd, struct stream *s, struct fault *f)
{
	size_t keep = s->end - s->start;
	ssize_t n;

	if (s->start > 0 && s->cap - s->end < RD_BLOCK) {
		memmove(s->buf, s->buf + s->start, keep);
		s->scan -= s->start;
		s->start = 0;
		s->end = keep;
	}
	if (s->cap - s->end < RD_BLOCK / 2) {
		s->buf = xrealloc(s->buf, s->cap * 2);
		s->cap *= 2;
	}
	do
		n = read(s->fd, s->buf + s->end, s->cap - s->end);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return fault_set(f, EX_IOERR, "read %s: %s", s->name,
		    strerror(errno));
	if (n == 0)
		s->eof_file = 1;
	s->end += (size_t)n;
	rd->bytes += (uint64_t)n;
	return 0;
}

void
rd_first(struct reader *rd, int i)
{
	if (i >= 0 && i < rd->n)
		rd->first = i;
}

/* Is stream i waiting for rd_first()'s stream to end? */
static int
deferred(const struct reader *rd, int i)
{
	const struct stream *s;

	if (rd->first < 0 || i == rd->first)
		return 0;
	s = &rd->s[rd->first];
	return !s->ended && s->regular;
}

/* Produce a line from any stream that has one buffered, round robin. */
static int
take_any(struct reader *rd, struct line *l, struct fault *f)
{
	int k, i, r, live = 0;

	for (k = 0; k < rd->n; k++) {
		struct stream *s;

		i = (rd->next + k) % rd->n;
		s = &rd->s[i];
		if (deferred(rd, i)) {
			live++;
			continue;
		}
		while (!s->ended) {
			if ((r = take_line(rd, s, l)) != 0) {
				l->stream = i;
				l->file = s->name;
				rd->next = (i + 1) % rd->n;
				return r;
			}
			if (!s->eof_file)
				break;
			if (stream_advance(s, f) == -1)
				return RD_ERROR;
		}
		if (s->ended && !s->end_told) {
			s->end_told = 1;
			l->stream = i;
			l->p = NULL;
			l->len = 0;
			return RD_STREAM_END;
		}
		live += !s->ended;
	}
	return live == 0 ? RD_EOF : 0;
}

/* Was the wake pipe written to?  Then empty it. */
static int
woken(struct reader *rd, int np)
{
	char b[64];

	if (rd->cfg.wake_fd <= 0 || rd->pfd[np].revents == 0)
		return 0;
	while (read(rd->cfg.wake_fd, b, sizeof(b)) > 0)
		;
	return 1;
}

int
rd_next(struct reader *rd, struct line *l, int timeout_ms, struct fault *f)
{
	int i, r, np, nw, waited = 0;

	for (;;) {
		if ((r = take_any(rd, l, f)) != 0)
			return r;
		/* Every live stream needs bytes: read files, poll pipes. */
		np = 0;
		for (i = 0; i < rd->n; i++) {
			struct stream *s = &rd->s[i];

			if (s->ended || deferred(rd, i))
				continue;
			if (s->regular) {
				if (fill(rd, s, f) == -1)
					return RD_ERROR;
				waited = 1;
				continue;
			}
			rd->pfd[np].fd = s->fd;
			rd->pfd[np].events = POLLIN;
			rd->pidx[np++] = i;
		}
		if (np == 0)
			continue;
		/*
		 * The wake pipe is polled with the inputs: a signal that
		 * lands after the caller last looked at its flag, but before
		 * poll() sleeps, still ends the wait.
		 */
		nw = np;
		if (rd->cfg.wake_fd > 0) {
			rd->pfd[np].fd = rd->cfg.wake_fd;
			rd->pfd[np].events = POLLIN;
			rd->pfd[np].revents = 0;
			nw = np + 1;
		}
		r = poll(rd->pfd, (nfds_t)nw, 0);
		if (r == 0 && !waited) {
			if (timeout_ms == 0)
				return RD_TIMEOUT;
			if (rd->cfg.flush != NULL)
				rd->cfg.flush(rd->cfg.flush_arg);
			r = poll(rd->pfd, (nfds_t)nw, timeout_ms);
			if (r == 0)
				return RD_TIMEOUT;
		}
		if (r == -1) {
			if (errno == EINTR)
				return RD_TIMEOUT;
			fault_set(f, EX_IOERR, "poll: %s", strerror(errno));
			return RD_ERROR;
		}
		if (woken(rd, np))
			return RD_TIMEOUT;
		for (i = 0; i < np; i++) {
			if (rd->pfd[i].revents == 0)
				continue;
			if (fill(rd, &rd->s[rd->pidx[i]], f) == -1)
				return RD_ERROR;
		}
		waited = 0;
	}
}

int
rd_nstreams(const struct reader *rd)
{
	return rd->n;
}

int
rd_stream_ended(const struct reader *rd, int i)
{
	return rd->s[i].ended;
}

uint64_t
rd_bytes(const struct reader *rd)
{
	return rd->bytes;
}

int
rd_many_files(const struct reader *rd)
{
	return rd->many_files;
}

int
rd_regular(const char *path)
{
	struct stat st;

	return strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
	    S_ISREG(st.st_mode);
}

char *const *
rd_regular_files(const struct reader *rd, int i)
{
	static char *const std_in[] = { (char *)stdin_name, NULL };
	const struct stream *s = &rd->s[i];
	int k;

	if (s->cur != 0 || rd->bytes != 0 || s->ended)
		return NULL;
	if (s->files == NULL)		/* stdin, redirected from a file */
		return s->regular ? std_in : NULL;
	for (k = 0; s->files[k] != NULL; k++)
		if (!rd_regular(s->files[k]))
			return NULL;
	return s->files;
}

size_t
rd_line_max(const struct reader *rd)
{
	return rd->cfg.line_max;
}

int
rd_first_stream(const struct reader *rd)
{
	return rd->first;
}
