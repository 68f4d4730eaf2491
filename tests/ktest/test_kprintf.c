/*
 * test_kprintf.c - kprintf formatting as the kernel builds it (freestanding, -mcmodel
 * kernel), and that kprintf reaches every console.
 */
#include "ktest.h"
#include "kprintf.h"
#include "string.h"

static void check_format(const char *expected, const char *fmt, ...) __printf(2, 3);

static void check_format(const char *expected, const char *fmt, ...)
{
    char buf[128];
    va_list args;
    va_start(args, fmt);
    int n = kvsnprintf(buf, sizeof(buf), fmt, args);
    va_end(args);
    if (strcmp(buf, expected) != 0 || n != (int)strlen(expected))
        ktest_fail(__FILE__, __LINE__, "format \"%s\" gave \"%s\" (%d), expected \"%s\"",
                   fmt, buf, n, expected);
}

KTEST(kprintf_conversions)
{
    check_format("42 -7 4294967295", "%d %i %u", 42, -7, 4294967295u);
    check_format("ff FF 0xff", "%x %X %#x", 255, 255, 255);
    check_format("0xffffffff80100000", "%p", (void *)0xffffffff80100000ul);
    check_format("hi x %", "%s %c %%", "hi", 'x');
    check_format("-9223372036854775808", "%lld", (long long)(-9223372036854775807ll - 1));
    check_format("18446744073709551615", "%lu", 18446744073709551615ul);
}

KTEST(kprintf_width_and_padding)
{
    check_format("[   42]", "[%5d]", 42);
    check_format("[42   ]", "[%-5d]", 42);
    check_format("[00042]", "[%05d]", 42);
    check_format("[-0042]", "[%05d]", -42);
    check_format("[0000beef]", "[%08x]", 0xbeef);
    check_format("[  abc]", "[%5s]", "abc");
    check_format("[ab]", "[%.2s]", "abc");
    const char *volatile null_string = NULL;     /* hidden from gcc's format checks */
    check_format("[(null)]", "[%s]", null_string);
}

KTEST(kprintf_reaches_every_console)
{
    char captured[64];
    ktest_capture_begin(captured, sizeof(captured));
    kprintf("probe %d\n", 1234);
    ktest_capture_end();
    KCHECK_STR(captured, "probe 1234\n");
}
