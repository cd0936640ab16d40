/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_FAULT_H
#define SK_FAULT_H
/*
 * fault.h - what went wrong, as the engine says it.
 *
 * The engine never prints and never exits: a function that fails fills a
 * struct fault (a <sysexits.h> code, the input line when there is one,
 * and a reason) and returns -1 or NULL, so an error path is one return:
 * fault_set() returns -1 and fault_null() NULL.  The tool runtime (diag)
 * decides what a fault means: a message in err(3) form, a bad record
 * counted, an exit.  A leaf: it includes nothing of ours.  The caller
 * owns struct fault; it holds no pointers.
 */
#include <stdarg.h>
#include <stdint.h>
#include <sysexits.h>

#define FAULT_MSG_MAX	256

struct fault {
	int	code;			/* sysexits code, 0 when clear */
	int64_t	line;			/* input line number, 0: not a line */
	char	msg[FAULT_MSG_MAX];
};

int	fault_set(struct fault *, int code, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	*fault_null(struct fault *, int code, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	fault_vset(struct fault *, int code, const char *, va_list)
	    __attribute__((format(printf, 3, 0)));
void	fault_clear(struct fault *);
/* Prefix the reason with "what: " (e.g. a file name). */
void	fault_prefix(struct fault *, const char *);
#endif
