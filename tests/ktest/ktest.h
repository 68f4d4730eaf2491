/*
 * ktest.h - the in-kernel test harness. A test is a function registered with KTEST();
 * the test kernel (make ktest) runs every registered test after boot, prints one line
 * per test on the console ("ktest: PASS name" / "ktest: FAIL name: where: why"), then a
 * total, and leaves QEMU through isa-debug-exit with pass (33) or fail (35).
 *
 * A failed check ends the test at once (the harness jumps back to its loop), and so do
 * expected faults: KTEST_EXPECT_FAULT runs a statement that must raise an exception and
 * resumes after it through the trap recovery hook, with the fault recorded.
 */
#ifndef LOCKSTEP_KTEST_H
#define LOCKSTEP_KTEST_H

#include "compiler.h"
#include "format.h"

struct ktest {
    const char *name;
    void (*run)(void);
};
ASSERT_SIZE(struct ktest, 16);           /* kernel.ld collects them as an array */

/* A kernel benchmark: not a test (it asserts nothing). Run only when the boot command
 * line says kbench=NAME; it prints "kbench: NAME key=value ..." lines for make bench. */
#define KBENCH(fn)                                                                  \
    static void fn(void);                                                           \
    static const struct ktest kbench_entry_##fn __used __section(".kbench")         \
        __aligned(8) = { #fn, fn };                                                 \
    static void fn(void)

#define KTEST(fn)                                                                   \
    static void fn(void);                                                           \
    static const struct ktest ktest_entry_##fn __used __section(".ktest")           \
        __aligned(8) = { #fn, fn };                                                 \
    static void fn(void)

/* Saved callee-saved state for a non-local return (ktest_jump.S). */
struct ktest_jump {
    uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip, rflags;
};

/* Returns 0 when saving; returns again with the value passed to ktest_longjmp. */
int ktest_setjmp(struct ktest_jump *jump) __attribute__((returns_twice));
__noreturn void ktest_longjmp(const struct ktest_jump *jump, int value);

/* What the last expected fault looked like. */
struct ktest_fault {
    uint64_t vector, error_code, cr2, rip;
    unsigned count;                       /* faults taken while armed */
};

/* Fail the current test with a message (does not return). */
__noreturn void ktest_fail(const char *file, int line, const char *fmt, ...) __printf(3, 4);

#define KCHECK(cond)                                                                \
    do {                                                                            \
        if (!(cond))                                                                \
            ktest_fail(__FILE__, __LINE__, "check failed: %s", #cond);              \
    } while (0)

#define KCHECK_EQ(actual, expected)                                                 \
    do {                                                                            \
        uint64_t a_ = (uint64_t)(actual), e_ = (uint64_t)(expected);                \
        if (a_ != e_)                                                               \
            ktest_fail(__FILE__, __LINE__, "%s == 0x%lx, expected %s == 0x%lx",     \
                       #actual, a_, #expected, e_);                                 \
    } while (0)

#define KCHECK_STR(actual, expected)                                                \
    do {                                                                            \
        const char *a_ = (actual), *e_ = (expected);                                \
        if (strcmp(a_, e_) != 0)                                                    \
            ktest_fail(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"",         \
                       #actual, a_, e_);                                            \
    } while (0)

/* Arm fault recovery, run `stmt`, and store the fault in *fault_out. Fails the test if
 * `stmt` returns normally. The statement must not rely on locals it modifies. */
extern struct ktest_jump ktest_fault_jump;
void ktest_arm_fault(struct ktest_fault *fault);
void ktest_disarm_fault(void);
#define KTEST_EXPECT_FAULT(fault_out, stmt)                                         \
    do {                                                                            \
        ktest_arm_fault(fault_out);                                                 \
        if (ktest_setjmp(&ktest_fault_jump) == 0) {                                 \
            stmt;                                                                   \
            ktest_disarm_fault();                                                   \
            ktest_fail(__FILE__, __LINE__, "no fault from: %s", #stmt);             \
        }                                                                           \
        ktest_disarm_fault();                                                       \
    } while (0)

/* Count #DB traps instead of failing the test on them: while `traps` is armed (it is
 * zeroed here), each #DB, from a data breakpoint the test set in DR0-DR3, is counted,
 * and so is each that interrupted code running with IRQs on; the code then goes on
 * after the instruction that trapped (the kernel's report is printed all the same).
 * NULL disarms. */
struct ktest_debug_traps {
    unsigned count, with_irqs_on;
};
void ktest_count_debug_traps(struct ktest_debug_traps *traps);

/* Poll tasks, halting between interrupts, until task `id` is done or `limit` ticks pass;
 * then join it. Returns its exit code, or -1000 if it never finished or cannot be joined. */
int32_t ktest_run_to_exit(int id, uint64_t limit);

/* Busy-wait with IRQs on until the PIT's tick moves (bounded): true if it did, i.e. the
 * kernel still takes timer interrupts. */
bool ktest_timer_still_ticks(void);

/* Run fn(arg) on another stack (stack_top 16-byte aligned), then return here. */
void ktest_call_on_stack(void (*fn)(uint64_t), uint64_t arg, uint64_t stack_top);

/* Capture everything printed on the consoles into `buf` until ktest_capture_end. */
void ktest_capture_begin(char *buf, size_t size);
void ktest_capture_end(void);

#endif
