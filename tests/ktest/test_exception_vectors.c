/*
 * test_exception_vectors.c - one test per CPU exception the kernel can raise on purpose
 * beyond the `fault` kinds of test_exceptions.c (#DE, #BP, #UD, #PF, #DF there), through
 * the provokers of kernel/arch/x86_64/provoke.h: each must be reported under its own
 * name (trap_exception_name), counted once, and leave the kernel running, with the
 * machine setting its provoker changed put back. #DB goes to the GDB stub's debugger
 * hook first: with no GDB attached, the stub must decline a breakpoint it did not set.
 *
 * Not provoked, and why: #OF (INTO) and #BR (BOUND) are invalid opcodes in 64-bit mode;
 * #TS needs a hardware task switch, which long mode does not have; #AC happens only in
 * ring 3 (CPL 3, CR0.AM and RFLAGS.AC), so it would need a user program of its own;
 * #XM is raised by hardware but not by QEMU 7.2's TCG, which completes an unmasked SSE
 * division by zero without an exception (with SSE off, as the kernel runs, the same
 * instruction is a #UD: tested below); #MC needs a machine check the CPU detects; #VE,
 * #CP, #HV, #VC and #SX need features this kernel does not enable.
 */
#include "cpu.h"
#include "cpu_regs.h"
#include "gdbstub.h"
#include "ktest.h"
#include "provoke.h"
#include "string.h"
#include "trap.h"

#define VECTOR_DEVICE_NOT_AVAILABLE 7
#define VECTOR_SEGMENT_NOT_PRESENT  11
#define VECTOR_STACK_SEGMENT        12
#define VECTOR_X87_ERROR            16

static char report[4096];
static struct ktest_fault fault;
static volatile uint64_t sink;                  /* a used result: the read stays */
static uint64_t count_before;

#define CHECK_REPORT_HAS(text)                                                     \
    do {                                                                           \
        if (!strstr(report, text))                                                 \
            ktest_fail(__FILE__, __LINE__, "report lacks \"%s\"", text);           \
    } while (0)

/* Run `stmt`, which must raise an exception, with its report captured in `report`. */
#define PROVOKE(vec, stmt)                                                         \
    do {                                                                           \
        count_before = trap_exception_count(vec);                                  \
        ktest_capture_begin(report, sizeof(report));                               \
        KTEST_EXPECT_FAULT(&fault, stmt);                                          \
        ktest_capture_end();                                                       \
    } while (0)

/* After the machine setting is back: it was exception `vec`, once, and counted. */
#define CHECK_FAULT(vec)                                                           \
    do {                                                                           \
        KCHECK_EQ(fault.vector, vec);                                              \
        KCHECK_EQ(fault.count, 1);                                                 \
        KCHECK_EQ(trap_exception_count(vec), count_before + 1);                    \
    } while (0)

KTEST(hardware_breakpoint_is_reported_as_db_without_gdb)
{
    KCHECK(!gdbstub_attached());
    uint64_t dr7 = cpu_read_dr7();
    PROVOKE(VECTOR_DEBUG, provoke_debug());
    cpu_write_dr7(dr7);
    CHECK_FAULT(VECTOR_DEBUG);
    KCHECK_EQ(cpu_read_dr6() & 0xf, 0);          /* no stale B0-B3 for the next #DB */
    CHECK_REPORT_HAS("EXCEPTION 1: #DB Debug");
    CHECK_REPORT_HAS("RIP ffffffff");
    CHECK_REPORT_HAS("<provoke_debug_breakpoint+0x0>");   /* a fault: at the instruction */
}

/* Regression: the GDB stub claimed every single-step #DB, attached or not, and waited
 * for GDB on COM3 forever; a ring-3 `pushf; or TF; popf` could hang the kernel. It now
 * claims a single step only after stepping for GDB. */
KTEST(single_step_trap_is_reported_as_db_without_gdb)
{
    KCHECK(!gdbstub_attached());
    PROVOKE(VECTOR_DEBUG, provoke_single_step());
    CHECK_FAULT(VECTOR_DEBUG);
    KCHECK_EQ(cpu_read_dr6() & DR6_BS, 0);         /* DR6.BS consumed */
    CHECK_REPORT_HAS("EXCEPTION 1: #DB Debug");
    CHECK_REPORT_HAS("<provoke_single_step+");
}

KTEST(x87_instruction_with_cr0_ts_is_reported_as_nm)
{
    uint64_t cr0 = cpu_read_cr0();
    PROVOKE(VECTOR_DEVICE_NOT_AVAILABLE, provoke_device_not_available());
    uint64_t faulted_cr0 = cpu_read_cr0();
    cpu_write_cr0(cr0);
    CHECK_FAULT(VECTOR_DEVICE_NOT_AVAILABLE);
    KCHECK(faulted_cr0 & CR0_TS);
    CHECK_REPORT_HAS("EXCEPTION 7: #NM Device not available");
    CHECK_REPORT_HAS("<provoke_device_not_available+");
}

KTEST(not_present_data_segment_is_reported_as_np)
{
    struct descriptor_pointer gdt;
    cpu_sgdt(&gdt);
    uint16_t ds = cpu_read_ds();
    PROVOKE(VECTOR_SEGMENT_NOT_PRESENT, provoke_segment_not_present());
    cpu_lgdt(&gdt);
    CHECK_FAULT(VECTOR_SEGMENT_NOT_PRESENT);
    KCHECK_EQ(fault.error_code, PROVOKE_SPARE_SELECTOR);
    KCHECK_EQ(cpu_read_ds(), ds);                /* the load never happened */
    CHECK_REPORT_HAS("EXCEPTION 11: #NP Segment not present");
    CHECK_REPORT_HAS("error code 0x38: GDT index 7 (selector 0x38)");
}

KTEST(not_present_stack_segment_is_reported_as_ss)
{
    struct descriptor_pointer gdt;
    cpu_sgdt(&gdt);
    PROVOKE(VECTOR_STACK_SEGMENT, provoke_stack_segment());
    cpu_lgdt(&gdt);
    CHECK_FAULT(VECTOR_STACK_SEGMENT);
    KCHECK_EQ(fault.error_code, PROVOKE_SPARE_SELECTOR);
    CHECK_REPORT_HAS("EXCEPTION 12: #SS Stack-segment fault");
    CHECK_REPORT_HAS("error code 0x38: GDT index 7 (selector 0x38)");
}

KTEST(non_canonical_address_is_reported_as_gp)
{
    PROVOKE(VECTOR_GENERAL_PROTECTION, sink = provoke_general_protection());
    CHECK_FAULT(VECTOR_GENERAL_PROTECTION);
    KCHECK_EQ(fault.error_code, 0);
    CHECK_REPORT_HAS("EXCEPTION 13: #GP General protection");
    CHECK_REPORT_HAS("error code 0x0: no selector");
    CHECK_REPORT_HAS("<provoke_general_protection+");
}

KTEST(x87_divide_by_zero_is_reported_as_mf)
{
    uint64_t cr0 = cpu_read_cr0();
    PROVOKE(VECTOR_X87_ERROR, provoke_x87_error());
    provoke_x87_clear();
    cpu_write_cr0(cr0);
    CHECK_FAULT(VECTOR_X87_ERROR);
    CHECK_REPORT_HAS("EXCEPTION 16: #MF x87 floating-point error");
    CHECK_REPORT_HAS("<provoke_x87_error+");
}

KTEST(sse_instruction_without_osfxsr_is_reported_as_ud)
{
    KCHECK(!(cpu_read_cr4() & CR4_OSFXSR));      /* the kernel runs without SSE */
    PROVOKE(VECTOR_INVALID_OPCODE, provoke_simd_divide());
    CHECK_FAULT(VECTOR_INVALID_OPCODE);
    CHECK_REPORT_HAS("EXCEPTION 6: #UD Invalid opcode");
    CHECK_REPORT_HAS("<provoke_simd_divide+0x0>");   /* LDMXCSR, its first instruction */
}
