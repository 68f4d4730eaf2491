/*
 * format.h - printf-style formatting, shared by kprintf, ksnprintf and every report.
 * Pure (no consoles, no hardware), so the host unit tests compare it with the C library.
 *
 * Conversions: %d %i %u %x %X %p %s %c %%, flags - 0 + space #, width and precision
 * (numbers or *), sizes hh h l ll z. %p always prints 0x and 16 hex digits. %s of NULL
 * prints "(null)". An unknown conversion is printed as written and consumes no argument
 * (beyond a `*` width or precision before it), so a bad format string cannot crash the
 * kernel. Widths and precisions are clamped to 100000.
 */
#ifndef LOCKSTEP_LIB_FORMAT_H
#define LOCKSTEP_LIB_FORMAT_H

#include <stdarg.h>
#include "compiler.h"

/* Receives the formatted text, a run of characters at a time. */
typedef void (*format_sink_fn)(const char *text, size_t len, void *ctx);

/* Format into `sink`. Returns the number of characters produced. Cannot fail. */
int format_v(format_sink_fn sink, void *ctx, const char *fmt, va_list args);

/* snprintf: writes at most size-1 characters and a NUL (if size > 0); returns the length
 * the full result would have had, like C99 snprintf. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list args);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
