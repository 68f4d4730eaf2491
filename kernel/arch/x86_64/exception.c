/*
 * exception.c - names and error-code decoding for the 32 exception vectors
 * (SDM Vol.3A Table 6-1, 6.13 error codes, 4.7 page-fault error code). Pure: the host
 * unit tests check every decoder against codes worked out by hand.
 */
#include "trap.h"
#include "format.h"

static const char *const names[EXCEPTION_VECTORS] = {
    [0]  = "#DE Divide error",
    [1]  = "#DB Debug",
    [2]  = "NMI Non-maskable interrupt",
    [3]  = "#BP Breakpoint",
    [4]  = "#OF Overflow",
    [5]  = "#BR BOUND range exceeded",
    [6]  = "#UD Invalid opcode",
    [7]  = "#NM Device not available",
    [8]  = "#DF Double fault",
    [9]  = "Coprocessor segment overrun",
    [10] = "#TS Invalid TSS",
    [11] = "#NP Segment not present",
    [12] = "#SS Stack-segment fault",
    [13] = "#GP General protection",
    [14] = "#PF Page fault",
    [16] = "#MF x87 floating-point error",
    [17] = "#AC Alignment check",
    [18] = "#MC Machine check",
    [19] = "#XM SIMD floating-point exception",
    [20] = "#VE Virtualization exception",
    [21] = "#CP Control protection",
    [28] = "#HV Hypervisor injection",
    [29] = "#VC VMM communication",
    [30] = "#SX Security exception",
};

/* Page-fault error code bits (SDM Vol.3A 4.7). */
#define PF_PRESENT     (1u << 0)   /* 0: page not present, 1: protection violation */
#define PF_WRITE       (1u << 1)   /* 0: read, 1: write */
#define PF_USER        (1u << 2)   /* 0: supervisor access, 1: user-mode access */
#define PF_RESERVED    (1u << 3)   /* a reserved bit was set in a paging entry */
#define PF_FETCH       (1u << 4)   /* instruction fetch */
#define PF_PKEY        (1u << 5)   /* protection-key violation */
#define PF_SHADOW      (1u << 6)   /* shadow-stack access */

/* Selector error code bits (SDM Vol.3A 6.13). */
#define SEL_EXTERNAL   (1u << 0)   /* raised by an event external to the program */
#define SEL_IDT        (1u << 1)   /* the index refers to the IDT */
#define SEL_LDT        (1u << 2)   /* with SEL_IDT clear: LDT (1) or GDT (0) */

const char *trap_exception_name(unsigned vector)
{
    if (vector < EXCEPTION_VECTORS && names[vector])
        return names[vector];
    return "reserved";
}

static bool has_selector_code(unsigned vector)
{
    return vector == 8 || vector == 10 || vector == 11 || vector == 12 || vector == 13 ||
           vector == 17;
}

void trap_describe_error(unsigned vector, uint64_t code, char *buf, size_t len)
{
    if (vector == VECTOR_PAGE_FAULT) {
        ksnprintf(buf, len, "%s %s, %s mode%s%s%s%s",
                  code & PF_PRESENT ? "protection violation on" : "not-present page,",
                  code & PF_FETCH ? "instruction fetch" : code & PF_WRITE ? "write" : "read",
                  code & PF_USER ? "user" : "kernel",
                  code & PF_RESERVED ? ", reserved bit set" : "",
                  code & PF_PKEY ? ", protection key" : "",
                  code & PF_SHADOW ? ", shadow stack" : "",
                  (code & ~0x7full) ? ", other bits set" : "");
    } else if (has_selector_code(vector)) {
        if (code == 0) {
            ksnprintf(buf, len, "no selector");
            return;
        }
        const char *table = code & SEL_IDT ? "IDT" : code & SEL_LDT ? "LDT" : "GDT";
        /* The selector is the index and TI bit; the RPL bits are not reported. */
        ksnprintf(buf, len, "%s index %u (selector 0x%x)%s", table,
                  (unsigned)((code >> 3) & 0x1fff),
                  (unsigned)(code & (code & SEL_IDT ? 0xfff8 : 0xfffc)),
                  code & SEL_EXTERNAL ? ", external event" : "");
    } else {
        ksnprintf(buf, len, "%s", code ? "not decoded" : "none");
    }
}
