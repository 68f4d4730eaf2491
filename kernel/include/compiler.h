/*
 * compiler.h - the compiler attributes and checks the whole kernel uses.
 * Cross-cutting basics only: nothing here knows about hardware or subsystems.
 * Included by C and (guarded) by assembly through the headers that need it.
 */
#ifndef LOCKSTEP_COMPILER_H
#define LOCKSTEP_COMPILER_H

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define __packed        __attribute__((packed))
#define __aligned(n)    __attribute__((aligned(n)))
#define __noreturn      __attribute__((noreturn))
#define __noinline      __attribute__((noinline))
#ifndef __always_inline                 /* glibc's <sys/cdefs.h> has the same, for host tests */
#define __always_inline inline __attribute__((always_inline))
#endif
#define __section(s)    __attribute__((section(s)))
#define __used          __attribute__((used))
#define __weak          __attribute__((weak))
#define __printf(f, a)  __attribute__((format(printf, f, a)))
#define __unused        __attribute__((unused))

#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#define STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)

/* Pin a structure's layout: size and the offsets that assembly or the wire touch. */
#define ASSERT_SIZE(type, size) \
    _Static_assert(sizeof(type) == (size), "sizeof(" #type ") != " #size)
#define ASSERT_OFFSET(type, field, off) \
    _Static_assert(offsetof(type, field) == (off), "offsetof(" #type ", " #field ") != " #off)

#define ALIGN_UP(x, a)   (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))

#define barrier()       __asm__ __volatile__("" ::: "memory")
/* Make the compiler forget how `var` was computed, so it keeps the value in a register
 * instead of recomputing it at every use (Linux's OPTIMIZER_HIDE_VAR). No instruction. */
#define OPTIMIZER_HIDE_VAR(var) __asm__("" : "+r"(var))
#define READ_ONCE(x)    (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#endif

#endif
