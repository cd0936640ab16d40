/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fault.c - an LD_PRELOAD shim that makes one chosen system call fail.
 *
 * It wraps write, writev, fsync, fdatasync, rename, renameat, open,
 * open64, openat and openat64.  Calls of the chosen kind on the chosen
 * files are counted; the Nth fails (or, with "N+", every one from the Nth
 * on).  Nothing else changes, so a run without FAULT_N behaves as the
 * tool alone.  Set in the environment:
 *
 *   FAULT_OP    write (write, writev), sync (fsync, fdatasync), rename
 *               (rename, renameat), open (open, openat and their 64
 *               forms); several separated by commas, or "all" (to log
 *               the order of a checkpoint's calls).  Unset: the shim
 *               does nothing.
 *   FAULT_ON    which calls count: "stdout" (descriptor 1), or a
 *               substring of the file's path ("st.tmp", "/late"): the
 *               descriptor's file for write and sync, either name for
 *               rename, the path for open.  Unset: every call.
 *   FAULT_N     the call to fail, from 1; "N+" fails every call from the
 *               Nth on.  Unset or 0: count only.
 *   FAULT_ERR   ENOSPC, EIO or EINTR (the call does nothing and fails
 *               with it), or "short" (a write writes half of what it was
 *               given, at least one byte, and says so).
 *   FAULT_LOG   a file that gets one line per counted call:
 *               "N OP PATH" and " FAILED ERR" when it was made to fail.
 *
 * The log is written with the raw system call, and the shim keeps no
 * state but a counter, so it is safe in any process the tool starts.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum { F_WRITE, F_SYNC, F_RENAME, F_OPEN };

static unsigned long counted;

/* The real function f as name, looked up once per call site. */
#define REAL(name, f) \
	static __typeof__(f) *name; \
	if (name == NULL) \
		name = (__typeof__(f) *)dlsym(RTLD_NEXT, #f)

/* FAULT_OP is one kind, a comma-separated list, or "all". */
static int
op_wanted(int op)
{
	static const char *names[] = { "write", "sync", "rename", "open" };
	const char *e = getenv("FAULT_OP"), *p;
	size_t n = strlen(names[op]);

	if (e == NULL)
		return 0;
	if (strcmp(e, "all") == 0)
		return 1;
	for (p = e; (p = strstr(p, names[op])) != NULL; p += n)
		if ((p == e || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

static void
fd_path(int fd, char *out, size_t n)
{
	char link[64];
	ssize_t k;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	k = readlink(link, out, n - 1);
	out[k > 0 ? k : 0] = '\0';
}

static int
on_wanted(int fd, const char *a, const char *b)
{
	const char *on = getenv("FAULT_ON");

	if (on == NULL || *on == '\0')
		return 1;
	if (strcmp(on, "stdout") == 0)
		return fd == 1;
	return (a != NULL && strstr(a, on) != NULL) ||
	    (b != NULL && strstr(b, on) != NULL);
}

static void
log_call(unsigned long n, int op, const char *path, const char *failed)
{
	static const char *names[] = { "write", "sync", "rename", "open" };
	const char *file = getenv("FAULT_LOG");
	char line[4400];
	int fd, len;

	if (file == NULL)
		return;
	len = snprintf(line, sizeof(line), "%lu %s %s%s%s\n", n, names[op],
	    path, failed ? " FAILED " : "", failed ? failed : "");
	if (len < 0 || (size_t)len >= sizeof(line))
		len = (int)sizeof(line) - 1;
	fd = (int)syscall(SYS_open, file, O_WRONLY | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0644);
	if (fd >= 0) {
		syscall(SYS_write, fd, line, (size_t)len);
		syscall(SYS_close, fd);
	}
}

/*
 * Should this call fail?  0: no; else the errno to fail with, or -1 for
 * a short write.
 */
static int
decide(int op, int fd, const char *a, const char *b)
{
	char path[4096];
	const char *n = getenv("FAULT_N"), *err = getenv("FAULT_ERR");
	unsigned long want;
	char *end;
	int e = 0, saved = errno;

	if (!op_wanted(op))
		return 0;
	path[0] = '\0';
	if (a == NULL)
		fd_path(fd, path, sizeof(path));
	if (!on_wanted(fd, a != NULL ? a : path, b)) {
		errno = saved;
		return 0;
	}
	counted++;
	want = n != NULL ? strtoul(n, &end, 10) : 0;
	if (want != 0 && (counted == want || (*end == '+' && counted > want))) {
		if (err == NULL || strcmp(err, "EIO") == 0)
			e = EIO;
		else if (strcmp(err, "ENOSPC") == 0)
			e = ENOSPC;
		else if (strcmp(err, "EINTR") == 0)
			e = EINTR;
		else if (strcmp(err, "short") == 0)
			e = op == F_WRITE ? -1 : 0;
	}
	log_call(counted, op, a != NULL ? a : path, e == 0 ? NULL :
	    err != NULL ? err : "EIO");
	errno = saved;
	return e;
}

ssize_t
write(int fd, const void *p, size_t n)
{
	REAL(real, write);
	int e = decide(F_WRITE, fd, NULL, NULL);

	if (e == -1 && n > 1)
		return real(fd, p, n / 2);
	if (e > 0) {
		errno = e;
		return -1;
	}
	return real(fd, p, n);
}

ssize_t
writev(int fd, const struct iovec *iov, int cnt)
{
	REAL(real, writev);
	REAL(real_write, write);
	int e = decide(F_WRITE, fd, NULL, NULL);

	if (e == -1 && cnt > 0 && iov[0].iov_len > 1)
		return real_write(fd, iov[0].iov_base, iov[0].iov_len / 2);
	if (e > 0) {
		errno = e;
		return -1;
	}
	return real(fd, iov, cnt);
}

int
fsync(int fd)
{
	REAL(real, fsync);
	int e = decide(F_SYNC, fd, NULL, NULL);

	if (e > 0) {
		errno = e;
		return -1;
	}
	return real(fd);
}

int
fdatasync(int fd)
{
	REAL(real, fdatasync);
	int e = decide(F_SYNC, fd, NULL, NULL);

	if (e > 0) {
		errno = e;
		return -1;
	}
	return real(fd);
}

int
rename(const char *from, const char *to)
{
	REAL(real, rename);
	int e = decide(F_RENAME, -1, from, to);

	if (e > 0) {
		errno = e;
		return -1;
	}
	return real(from, to);
}

int
renameat(int dfrom, const char *from, int dto, const char *to)
{
	REAL(real, renameat);
	int e = decide(F_RENAME, -1, from, to);

	if (e > 0) {
		errno = e;
		return -1;
	}
	return real(dfrom, from, dto, to);
}

/* open's mode argument is there only with O_CREAT or O_TMPFILE. */
#define MODE(flags, mode) do {						\
	va_list ap;							\
	mode = 0;							\
	if ((flags) & (O_CREAT | __O_TMPFILE)) {			\
		va_start(ap, flags);					\
		mode = va_arg(ap, int);					\
		va_end(ap);						\
	}								\
} while (0)

int
open(const char *path, int flags, ...)
{
	REAL(real, open);
	int mode, e = decide(F_OPEN, -1, path, NULL);

	MODE(flags, mode);
	if (e > 0) {
		errno = e;
		return -1;
	}
	return real(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	REAL(real, open64);
	int mode, e = decide(F_OPEN, -1, path, NULL);

	MODE(flags, mode);
	if (e > 0) {
		errno = e;
		return -1;
	}
	return real(path, flags, mode);
}

int
openat(int dir, const char *path, int flags, ...)
{
	REAL(real, openat);
	int mode, e = decide(F_OPEN, -1, path, NULL);

	MODE(flags, mode);
	if (e > 0) {
		errno = e;
		return -1;
	}
	return real(dir, path, flags, mode);
}

int
openat64(int dir, const char *path, int flags, ...)
{
	REAL(real, openat64);
	int mode, e = decide(F_OPEN, -1, path, NULL);

	MODE(flags, mode);
	if (e > 0) {
		errno = e;
		return -1;
	}
	return real(dir, path, flags, mode);
}
