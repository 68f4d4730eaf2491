/*
 * test_exceptions.c - every exception path a student provokes with `fault`: each is
 * caught, reported with its vector name (and CR2 for #PF), and survivable here because
 * the ktest recovery hook resumes after it. A stack overflow must reach the double-fault
 * handler on its IST stack rather than triple-faulting the machine.
 */
#include "cpu.h"
#include "ktest.h"
#include "layout.h"
#include "provoke.h"
#include "string.h"
#include "trap.h"

extern char boot_stack_guard[];

static char report[4096];
static struct ktest_fault fault;

#define CHECK_REPORT_HAS(text)                                                     \
    do {                                                                           \
        if (!strstr(report, text))                                                 \
            ktest_fail(__FILE__, __LINE__, "report lacks \"%s\"", text);           \
    } while (0)

static volatile int quotient;          /* a used result: gcc may not drop the division */

KTEST(int3_reports_and_resumes)
{
    uint64_t before = trap_exception_count(VECTOR_BREAKPOINT);
    ktest_capture_begin(report, sizeof(report));
    cpu_int3();
    ktest_capture_end();
    KCHECK_EQ(trap_exception_count(VECTOR_BREAKPOINT), before + 1);
    CHECK_REPORT_HAS("EXCEPTION 3: #BP Breakpoint");
    CHECK_REPORT_HAS("(resuming)");
}

KTEST(divide_error_is_caught)
{
    ktest_capture_begin(report, sizeof(report));
    KTEST_EXPECT_FAULT(&fault, quotient = provoke_divide(1, 0));
    ktest_capture_end();
    KCHECK_EQ(fault.vector, VECTOR_DIVIDE_ERROR);
    CHECK_REPORT_HAS("EXCEPTION 0: #DE Divide error");
    CHECK_REPORT_HAS("<provoke_divide");  /* RIP resolved to its function (or a gcc clone) */
}

KTEST(page_fault_reports_cr2)
{
    ktest_capture_begin(report, sizeof(report));
    KTEST_EXPECT_FAULT(&fault, *(volatile uint64_t *)0xdead0000ul = 1);
    ktest_capture_end();
    KCHECK_EQ(fault.vector, VECTOR_PAGE_FAULT);
    KCHECK_EQ(fault.cr2, 0xdead0000ul);
    KCHECK_EQ(fault.error_code, 0x2);                /* not present, write, kernel */
    CHECK_REPORT_HAS("EXCEPTION 14: #PF Page fault");
    CHECK_REPORT_HAS("CR2 00000000dead0000");
    CHECK_REPORT_HAS("not-present page, write, kernel mode");
    CHECK_REPORT_HAS("backtrace:");
}

KTEST(invalid_opcode_is_caught)
{
    ktest_capture_begin(report, sizeof(report));
    KTEST_EXPECT_FAULT(&fault, cpu_ud2());
    ktest_capture_end();
    KCHECK_EQ(fault.vector, VECTOR_INVALID_OPCODE);
    CHECK_REPORT_HAS("EXCEPTION 6: #UD Invalid opcode");
}

KTEST(stack_guard_page_is_unmapped)
{
    volatile uint8_t *guard = (volatile uint8_t *)boot_stack_guard + 64;
    ktest_capture_begin(report, sizeof(report));
    KTEST_EXPECT_FAULT(&fault, *guard = 1);
    ktest_capture_end();
    KCHECK_EQ(fault.vector, VECTOR_PAGE_FAULT);
    KCHECK_EQ(fault.cr2, (uint64_t)guard);
}

KTEST(stack_overflow_reaches_double_fault)
{
    ktest_capture_begin(report, sizeof(report));
    KTEST_EXPECT_FAULT(&fault, provoke_recursion(0));
    ktest_capture_end();
    KCHECK_EQ(fault.vector, VECTOR_DOUBLE_FAULT);
    KCHECK_EQ(fault.error_code, 0);
    CHECK_REPORT_HAS("EXCEPTION 8: #DF Double fault");
    /* The handler ran on the IST stack, not on the overflowed one. */
    uint64_t ist_rsp = cpu_read_rsp();
    KCHECK(ist_rsp > (uint64_t)boot_stack_guard);    /* and we are back on the boot stack */
}
