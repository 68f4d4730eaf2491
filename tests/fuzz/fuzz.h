/*
 * fuzz.h - shared by the libFuzzer targets (tests/fuzz/fuzz_*.c, built by `make fuzz`
 * with clang, ASan and UBSan). FUZZ_CHECK states an invariant of the module under test;
 * a broken one prints where and why, then aborts, which libFuzzer reports as a crash and
 * saves the input as the reproducer. Include once per target, first.
 */
#ifndef LOCKSTEP_FUZZ_H
#define LOCKSTEP_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "compiler.h"
#include "string.h"        /* the kernel's declarations: the host C library's functions */

#define FUZZ_CHECK(cond)                                                            \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__,    \
                    #cond);                                                         \
            abort();                                                                \
        }                                                                           \
    } while (0)

/* An exact-size heap copy of `len` bytes (at least 1 allocated), so that ASan reports any
 * read past what the module was given. Free it with free(). */
static inline void *fuzz_copy(const void *data, size_t len)
{
    void *copy = malloc(len ? len : 1);
    if (!copy)
        abort();
    if (len)
        memcpy(copy, data, len);
    return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
