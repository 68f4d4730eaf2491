/*
 * string.h - the freestanding string and memory functions the kernel uses. gcc may emit
 * calls to memcpy/memset/memmove/memcmp itself, so these keep the standard names.
 * All are pure, IRQ-safe and cannot fail (NULL arguments are the caller's bug).
 */
#ifndef LOCKSTEP_LIB_STRING_H
#define LOCKSTEP_LIB_STRING_H

#include "compiler.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strstr(const char *haystack, const char *needle);

/* Copy at most size-1 bytes of src and always NUL-terminate (if size > 0).
 * Returns strlen(src), so a result >= size means the copy was truncated. */
size_t strlcpy(char *dst, const char *src, size_t size);

#endif
