/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_FILESINK_H
#define SK_FILESINK_H
/*
 * filesink.h - a sink (sink.h) over a file, for the tests of the engine.
 *
 * The tool runtime's out.c is not linked into unit tests and fuzzers;
 * where one needs the engine to write into a file (the reader's spill of
 * oversize lines), this is the smallest such sink: appended to, drained
 * with write(2), closed with a last drain.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "sink.h"

struct filesink {
	struct sink	 s;	/* first */
	int		 fd;
};

static void
filesink_drain(struct sink *s)
{
	struct filesink *fs = (struct filesink *)(void *)s;
	size_t off = 0;
	ssize_t n;

	while (off < s->b.len) {
		n = write(fs->fd, s->b.data + off, s->b.len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	s->b.len = 0;
}

static struct sink *
filesink_open(const char *path)
{
	struct filesink *fs;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);

	if (fd == -1 || (fs = calloc(1, sizeof(*fs))) == NULL)
		return NULL;
	fs->fd = fd;
	fs->s.drain = filesink_drain;
	return &fs->s;
}

static void
filesink_close(struct sink *s)
{
	struct filesink *fs = (struct filesink *)(void *)s;

	filesink_drain(s);
	close(fs->fd);
	buf_release(&s->b);
	free(fs);
}
#endif
