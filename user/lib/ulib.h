/*
 * ulib.h - the tiny runtime every user program links with (ulib.c): print and a small
 * printf over sys_write, errno names, number arguments, exit; memory and string functions are the
 * kernel's own (kernel/lib/string.c, built a second time for user space). No heap, no
 * buffering across calls: one print or printf is one write syscall (for up to
 * ULIB_PRINTF_BUFFER bytes), so output from two programs interleaves only at call
 * boundaries and a trace shows one write per line printed.
 */
#ifndef LOCKSTEP_USER_ULIB_H
#define LOCKSTEP_USER_ULIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"           /* kernel/include: ARRAY_SIZE and the like */
#include "errno.h"              /* kernel/include/errno.h: the one list of numbers */
#include "string.h"             /* kernel/lib/string.c, compiled for user space too */
#include "syscall.h"

#define ULIB_PRINTF_BUFFER 256  /* longer output goes out in several writes */

/* Every program defines this; _start (start.S) calls it with the kernel's argc/argv. */
int main(int argc, char **argv);

/* Write `s` to fd 1 as it is (no newline added). Returns what sys_write returned: the
 * length, or a negated errno. */
long print(const char *s);

/* printf to fd 1 / to `fd`: %d %i %u %x %ld %lu %lx %s %c %p %%, with an optional '-'
 * or '0' flag and a width (%5d, %08lx, %-10s). Returns the number of bytes written, or
 * the first negated errno from sys_write. An unknown conversion is printed as written;
 * %s of NULL prints "(null)". */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vdprintf(int fd, const char *fmt, va_list args);

/* The name of a negated errno as a syscall returns it: errno_name(-EFAULT) is "EFAULT".
 * Returns "OK" for values >= 0 and "E?" for numbers errno.h does not define. */
const char *errno_name(long negated_errno);

/* The decimal integer `text`, all of it: an optional '-', then digits only, the value
 * within [min, max]. Returns 0 and sets *value, or -EINVAL (nothing stored) for an empty
 * text, a sign alone, any other character, or a value out of range, however long. */
int parse_long(const char *text, long min, long max, long *value);

/* A program's number argument: parse_long(text, min, max), or, when that fails,
 * "PROGRAM: WHAT must be a whole number from MIN to MAX, not "TEXT"" on fd 2 and
 * exit(2), the code for a usage error. */
long number_argument(const char *program, const char *what, const char *text, long min,
                     long max);

/* End the program with `code` (sys_exit). Never returns. */
__attribute__((noreturn)) void exit(int code);

#endif
