/*
 * ktest.c - the in-kernel test runner (ktest.h). kmain calls ktest_main after boot in
 * test kernels only. Each test runs under a jump buffer: a failed check, an unexpected
 * exception or a panic inside a test all come back here, so one broken test cannot take
 * the rest of the suite down with it. Boot option "ktest=NAME" runs only that test.
 */
#include "ktest.h"
#include "boot_info.h"
#include "cpu.h"
#include "cpu_regs.h"
#include "debug_exit.h"
#include "executor.h"
#include "kprintf.h"
#include "layout.h"
#include "panic.h"
#include "pit.h"
#include "string.h"
#include "trace.h"
#include "trap.h"

extern const struct ktest __ktest_start[], __ktest_end[];
extern const struct ktest __kbench_start[], __kbench_end[];

struct ktest_jump ktest_fault_jump;
static struct ktest_jump test_jump;          /* back to the runner loop */
static struct ktest_fault *armed_fault;      /* non-NULL while a fault is expected */
static struct ktest_debug_traps *debug_traps; /* non-NULL while #DB traps are counted */
static const struct ktest *current;
const struct boot_info *ktest_boot;          /* for tests that check the boot path */
static char failure[256];

void ktest_fail(const char *file, int line, const char *fmt, ...)
{
    int n = ksnprintf(failure, sizeof(failure), "%s:%d: ", file, line);
    va_list args;
    va_start(args, fmt);
    if (n >= 0 && (size_t)n < sizeof(failure))
        kvsnprintf(failure + n, sizeof(failure) - (size_t)n, fmt, args);
    va_end(args);
    ktest_longjmp(&test_jump, 1);
}

void ktest_arm_fault(struct ktest_fault *fault)
{
    memset(fault, 0, sizeof(*fault));
    armed_fault = fault;
}

void ktest_disarm_fault(void)
{
    armed_fault = NULL;
}

void ktest_count_debug_traps(struct ktest_debug_traps *traps)
{
    if (traps)
        memset(traps, 0, sizeof(*traps));
    debug_traps = traps;
}

/* Make the interrupted context resume at `jump` as if ktest_setjmp returned `value`. */
static void resume_at(struct trap_frame *frame, const struct ktest_jump *jump, int value)
{
    frame->rbx = jump->rbx;
    frame->rbp = jump->rbp;
    frame->r12 = jump->r12;
    frame->r13 = jump->r13;
    frame->r14 = jump->r14;
    frame->r15 = jump->r15;
    frame->rsp = jump->rsp;
    frame->rip = jump->rip;
    frame->rflags = jump->rflags;
    frame->rax = (uint64_t)value;
    frame->cs = GDT_KERNEL_CODE;
    frame->ss = GDT_KERNEL_DATA;
}

static bool recover(struct trap_frame *frame)
{
    if (debug_traps && frame->vector == VECTOR_DEBUG) {
        debug_traps->count++;
        debug_traps->with_irqs_on += (frame->rflags & RFLAGS_IF) != 0;
        return true;                      /* a data breakpoint traps after the write */
    }
    if (armed_fault) {
        armed_fault->vector = frame->vector;
        armed_fault->error_code = frame->error_code;
        armed_fault->cr2 = cpu_read_cr2();
        armed_fault->rip = frame->rip;
        armed_fault->count++;
        armed_fault = NULL;
        resume_at(frame, &ktest_fault_jump, 1);
        return true;
    }
    if (!current)
        return false;
    ksnprintf(failure, sizeof(failure), "unexpected exception %lu (%s) at %016lx",
              frame->vector, trap_exception_name((unsigned)frame->vector), frame->rip);
    resume_at(frame, &test_jump, 1);
    return true;
}

static void on_panic(const char *message)
{
    kprintf("ktest: FAIL %s: panic: %s\n", current ? current->name : "(outside a test)",
            message);
    debug_exit(DEBUG_EXIT_FAILURE);
}

/* ---- console capture ---- */
static struct {
    struct console console;
    char *buf;
    size_t size, used;
} capture;

static void capture_write(struct console *console, const char *text, size_t len)
{
    (void)console;
    for (size_t i = 0; i < len && capture.used + 1 < capture.size; i++)
        capture.buf[capture.used++] = text[i];
    capture.buf[capture.used] = '\0';
}

void ktest_capture_begin(char *buf, size_t size)
{
    capture.console.name = "ktest-capture";
    capture.console.write = capture_write;
    capture.buf = buf;
    capture.size = size;
    capture.used = 0;
    buf[0] = '\0';
    console_register(&capture.console);
}

void ktest_capture_end(void)
{
    console_unregister(&capture.console);
}

int32_t ktest_run_to_exit(int id, uint64_t limit)
{
    uint64_t deadline = pit_ticks() + limit;
    const struct task *t;
    while ((t = task_find((uint16_t)id)) && t->state != TASK_DONE && pit_ticks() < deadline) {
        while (executor_poll_one())
            ;
        executor_idle();
    }
    int32_t code = -1000;
    if (task_join_poll((uint16_t)id, &code) != 1)
        return -1000;
    return code;
}

bool ktest_timer_still_ticks(void)
{
    uint64_t start = pit_ticks();
    for (uint64_t spin = 0; spin < 200000000; spin++) {
        if (pit_ticks() != start)
            return true;
        cpu_pause();
    }
    return false;
}

/* The value of `key` (e.g. "ktest=") on the command line, copied into buf; NULL if absent. */
static const char *option(const struct boot_info *boot, const char *key, char *buf,
                          size_t size)
{
    const char *p = strstr(boot->cmdline, key);
    if (!p)
        return NULL;
    p += strlen(key);
    size_t n = 0;
    while (p[n] && p[n] != ' ') {
        if (n + 1 == size) {                     /* no silent truncation to another name */
            kprintf("ktest: the %s option is longer than %lu characters\n", key, size - 1);
            debug_exit(DEBUG_EXIT_FAILURE);
        }
        buf[n] = p[n];
        n++;
    }
    buf[n] = '\0';
    return buf;
}

/* Run one test under the jump buffer; true if it passed. Kept apart from the loop so
 * that no local of the caller lives across the non-local return. */
static __noinline bool run_one(const struct ktest *t)
{
    current = t;
    failure[0] = '\0';
    if (ktest_setjmp(&test_jump) == 0) {
        current->run();
        current = NULL;
        return true;
    }
    ktest_capture_end();                         /* in case the test was capturing */
    ktest_disarm_fault();
    current = NULL;
    return false;
}

void ktest_main(const struct boot_info *boot)
{
    char only_buf[128];
    const char *only = option(boot, "ktest=", only_buf, sizeof(only_buf));
    const char *bench = option(boot, "kbench=", only_buf, sizeof(only_buf));
    unsigned passed = 0, failed = 0;

    if (bench) {                                 /* make bench: one benchmark, then exit */
        for (const struct ktest *b = __kbench_start; b < __kbench_end; b++) {
            if (strcmp(bench, b->name) == 0) {
                b->run();
                trace_flush();
                debug_exit(DEBUG_EXIT_SUCCESS);
            }
        }
        kprintf("kbench: no benchmark named %s\n", bench);
        debug_exit(DEBUG_EXIT_FAILURE);
    }

    ktest_boot = boot;
    panic_add_hook(on_panic);
    trap_set_recovery(recover);
    long count = 0;                              /* the tests that will run: ktest=NAME picks one */
    for (const struct ktest *t = __ktest_start; t < __ktest_end; t++)
        count += !only || strcmp(only, t->name) == 0;
    kprintf("ktest: running %ld test%s (boot: %s)\n", count, count == 1 ? "" : "s",
            boot_protocol_name(boot->protocol));

    for (const struct ktest *t = __ktest_start; t < __ktest_end; t++) {
        if (only && strcmp(only, t->name) != 0)
            continue;
        if (run_one(t)) {
            kprintf("ktest: PASS %s\n", t->name);
            passed++;
        } else {
            kprintf("ktest: FAIL %s: %s\n", t->name, failure);
            failed++;
        }
    }
    if (only && passed + failed == 0)
        kprintf("ktest: no test named %s\n", only);
    kprintf("ktest: %u passed, %u failed\n", passed, failed);
    trace_flush();                               /* the host may be reading COM2 */
    debug_exit(failed || (only && passed == 0) ? DEBUG_EXIT_FAILURE : DEBUG_EXIT_SUCCESS);
}
