/*
 * unit.h - a tiny host unit-test harness (built with ASan and UBSan by the Makefile).
 * Each test binary includes this once and defines tests with TEST(name) { ... }.
 *
 *   ./build/unit/test_x            run every test, one line each, then "N passed, N failed"
 *   ./build/unit/test_x --list     print the test names, one per line
 *   ./build/unit/test_x NAME       run one test (exit status 0 pass, 1 fail)
 *
 * A failed CHECK ends its test (the rest of that test is skipped) and is reported with
 * file, line and the values involved.
 */
#ifndef LOCKSTEP_UNIT_H
#define LOCKSTEP_UNIT_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_MAX_TESTS 256

struct unit_test {
    const char *name;
    void (*fn)(void);
};

static struct unit_test unit_tests[UNIT_MAX_TESTS];
static int unit_count;
static jmp_buf unit_jump;
static char unit_message[1024];

static void unit_register(const char *name, void (*fn)(void))
{
    if (unit_count == UNIT_MAX_TESTS) {
        fprintf(stderr, "unit.h: more than %d tests\n", UNIT_MAX_TESTS);
        exit(2);
    }
    unit_tests[unit_count].name = name;
    unit_tests[unit_count].fn = fn;
    unit_count++;
}

#define TEST(name)                                                                  \
    static void name(void);                                                         \
    __attribute__((constructor)) static void unit_register_##name(void)             \
    {                                                                               \
        unit_register(#name, name);                                                 \
    }                                                                               \
    static void name(void)

#define UNIT_FAIL(...)                                                              \
    do {                                                                            \
        int n_ = snprintf(unit_message, sizeof(unit_message), "%s:%d: ", __FILE__,  \
                          __LINE__);                                                \
        snprintf(unit_message + n_, sizeof(unit_message) - (size_t)n_, __VA_ARGS__); \
        longjmp(unit_jump, 1);                                                      \
    } while (0)

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond))                                                                \
            UNIT_FAIL("check failed: %s", #cond);                                   \
    } while (0)

#define CHECK_EQ(actual, expected)                                                  \
    do {                                                                            \
        uint64_t a_ = (uint64_t)(actual), e_ = (uint64_t)(expected);                \
        if (a_ != e_)                                                               \
            UNIT_FAIL("%s == 0x%" PRIx64 ", expected %s == 0x%" PRIx64, #actual, a_, \
                      #expected, e_);                                               \
    } while (0)

#define CHECK_STR(actual, expected)                                                 \
    do {                                                                            \
        const char *a_ = (actual), *e_ = (expected);                                \
        if (strcmp(a_, e_) != 0)                                                    \
            UNIT_FAIL("%s is \"%.300s\", expected \"%.300s\"", #actual, a_, e_);  \
    } while (0)

/* xorshift64 (Marsaglia): randomized tests keep a state with a fixed seed, so that a
 * failure reproduces. */
static inline uint64_t unit_rng(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static int unit_run(const struct unit_test *t)
{
    unit_message[0] = '\0';
    if (setjmp(unit_jump) == 0) {
        t->fn();
        printf("PASS %s\n", t->name);
        return 1;
    }
    printf("FAIL %s: %s\n", t->name, unit_message);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (int i = 0; i < unit_count; i++)
            printf("%s\n", unit_tests[i].name);
        return 0;
    }
    if (argc == 2) {
        for (int i = 0; i < unit_count; i++) {
            if (strcmp(unit_tests[i].name, argv[1]) == 0)
                return unit_run(&unit_tests[i]) ? 0 : 1;
        }
        fprintf(stderr, "%s: no test named %s (try --list)\n", argv[0], argv[1]);
        return 2;
    }
    if (argc > 2) {
        fprintf(stderr, "usage: %s [--list | NAME]\n", argv[0]);
        return 2;
    }
    int passed = 0;
    for (int i = 0; i < unit_count; i++)
        passed += unit_run(&unit_tests[i]);
    printf("%d passed, %d failed\n", passed, unit_count - passed);
    return passed == unit_count ? 0 : 1;
}

#endif
