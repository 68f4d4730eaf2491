/*
 * test_exception.c - host tests of exception names and error-code decoding
 * (kernel/arch/x86_64/exception.c, trap.h). Source of truth: SDM Vol.3A Table 6-1
 * (vectors), 6.13 (selector error code: bit 0 EXT, bit 1 IDT, bit 2 TI, bits 15:3 index)
 * and 4.7 (page-fault error code: P, W/R, U/S, RSVD, I/D, PK, SS). Each code below is
 * decoded by hand in its comment; the strings are the exact wording exception.c uses.
 */
#include "unit.h"
#include "trap.h"

#define CANARY '\x5a'

static const char *describe(unsigned vector, uint64_t code)
{
    static char buf[160];
    trap_describe_error(vector, code, buf, sizeof(buf));
    return buf;
}

TEST(vector_names_follow_table_6_1)
{
    CHECK_STR(trap_exception_name(VECTOR_DIVIDE_ERROR), "#DE Divide error");
    CHECK_STR(trap_exception_name(VECTOR_NMI), "NMI Non-maskable interrupt");
    CHECK_STR(trap_exception_name(VECTOR_BREAKPOINT), "#BP Breakpoint");
    CHECK_STR(trap_exception_name(VECTOR_INVALID_OPCODE), "#UD Invalid opcode");
    CHECK_STR(trap_exception_name(VECTOR_DOUBLE_FAULT), "#DF Double fault");
    CHECK_STR(trap_exception_name(VECTOR_GENERAL_PROTECTION), "#GP General protection");
    CHECK_STR(trap_exception_name(VECTOR_PAGE_FAULT), "#PF Page fault");
    CHECK_STR(trap_exception_name(VECTOR_MACHINE_CHECK), "#MC Machine check");
    CHECK_STR(trap_exception_name(21), "#CP Control protection");
}

TEST(reserved_and_out_of_range_vectors_are_reserved)
{
    static const unsigned reserved[] = { 15, 22, 23, 27, 31, 32, 40, 255, 1000, ~0u };
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        CHECK_STR(trap_exception_name(reserved[i]), "reserved");
    for (unsigned v = 0; v < 256; v++)
        CHECK(trap_exception_name(v) != NULL && trap_exception_name(v)[0] != '\0');
}

/* Page-fault codes, SDM 4.7: bit 0 P (0 not present, 1 protection), bit 1 W/R,
 * bit 2 U/S, bit 3 RSVD, bit 4 I/D (fetch), bit 5 PK, bit 6 SS. */
TEST(page_fault_codes_decode_by_hand)
{
    /* 0x0: P=0 W=0 U=0 - a kernel read of an unmapped page */
    CHECK_STR(describe(14, 0x0), "not-present page, read, kernel mode");
    /* 0x2: P=0 W=1 U=0 - a kernel write of an unmapped page (the ktest case) */
    CHECK_STR(describe(14, 0x2), "not-present page, write, kernel mode");
    /* 0x4: P=0 W=0 U=1 - a user read of an unmapped page */
    CHECK_STR(describe(14, 0x4), "not-present page, read, user mode");
    /* 0x7: P=1 W=1 U=1 - a user write to a read-only or supervisor page */
    CHECK_STR(describe(14, 0x7), "protection violation on write, user mode");
    /* 0x11: P=1 I/D=1 - a kernel fetch from a no-execute page */
    CHECK_STR(describe(14, 0x11), "protection violation on instruction fetch, kernel mode");
    /* 0x15: P=1 U=1 I/D=1 - a user fetch from a no-execute page */
    CHECK_STR(describe(14, 0x15), "protection violation on instruction fetch, user mode");
    /* 0x9: P=1 RSVD=1 - a reserved bit set in a paging entry, on a kernel read */
    CHECK_STR(describe(14, 0x9), "protection violation on read, kernel mode, reserved bit set");
    /* 0x8: RSVD=1 alone (the SDM sets P with it, but the decoder reports what it sees) */
    CHECK_STR(describe(14, 0x8), "not-present page, read, kernel mode, reserved bit set");
    /* 0x27: P=1 W=1 U=1 PK=1 - a user write denied by a protection key */
    CHECK_STR(describe(14, 0x27), "protection violation on write, user mode, protection key");
    /* 0x43: P=1 W=1 SS=1 - a shadow-stack write */
    CHECK_STR(describe(14, 0x43), "protection violation on write, kernel mode, shadow stack");
    /* 0x8001: P=1 and bit 15 (SGX), which the decoder does not name */
    CHECK_STR(describe(14, 0x8001), "protection violation on read, kernel mode, other bits set");
    /* 0x7f: every named bit; fetch wins over write for the access kind */
    CHECK_STR(describe(14, 0x7f), "protection violation on instruction fetch, user mode, "
                                  "reserved bit set, protection key, shadow stack");
}

/* Selector error codes, SDM 6.13: bit 0 EXT, bit 1 IDT, bit 2 TI (LDT when IDT is 0),
 * bits 15:3 the index. The "selector" printed is index * 8. */
TEST(selector_codes_decode_by_hand)
{
    CHECK_STR(describe(13, 0), "no selector");
    /* 0x10 = 0b10000: index 2, GDT, no EXT */
    CHECK_STR(describe(13, 0x10), "GDT index 2 (selector 0x10)");
    /* 0x1a = 0b11010: index 3, IDT bit set */
    CHECK_STR(describe(13, 0x1a), "IDT index 3 (selector 0x18)");
    /* 0x6a = 13 * 8 + 2: IDT index 13, as a #GP raised while delivering vector 13 */
    CHECK_STR(describe(13, 0x6a), "IDT index 13 (selector 0x68)");
    /* 0x0c = 0b01100: index 1, TI=1 -> LDT; the printed selector keeps TI: 0x8 | 0x4 */
    CHECK_STR(describe(13, 0x0c), "LDT index 1 (selector 0xc)");
    /* 0x0e = 0b01110: IDT=1 makes TI meaningless, so IDT index 1 */
    CHECK_STR(describe(13, 0x0e), "IDT index 1 (selector 0x8)");
    /* 0x11 = 0b10001: index 2, GDT, EXT=1 */
    CHECK_STR(describe(13, 0x11), "GDT index 2 (selector 0x10), external event");
    /* 0xfffb: index 0x1fff = 8191, IDT, EXT */
    CHECK_STR(describe(13, 0xfffb), "IDT index 8191 (selector 0xfff8), external event");
}

TEST(selector_vectors_are_ts_np_ss_gp_df_ac)
{
    /* 0x28 = GDT index 5, the TSS selector */
    CHECK_STR(describe(10, 0x28), "GDT index 5 (selector 0x28)");   /* #TS */
    CHECK_STR(describe(11, 0x28), "GDT index 5 (selector 0x28)");   /* #NP */
    CHECK_STR(describe(12, 0x28), "GDT index 5 (selector 0x28)");   /* #SS */
    CHECK_STR(describe(8, 0), "no selector");                        /* #DF: always 0 */
    CHECK_STR(describe(17, 0), "no selector");                       /* #AC: always 0 */
}

TEST(vectors_without_selector_code)
{
    CHECK_STR(describe(VECTOR_DIVIDE_ERROR, 0), "none");
    CHECK_STR(describe(VECTOR_BREAKPOINT, 0), "none");
    CHECK_STR(describe(40, 0), "none");
    CHECK_STR(describe(VECTOR_INVALID_OPCODE, 0x10), "not decoded");
}

/* The buffer is always NUL-terminated and never written past `len`. */
TEST(small_buffers_are_terminated_and_not_overrun)
{
    char buf[32];
    static const struct { unsigned vector; uint64_t code; } cases[] = {
        { 14, 0x7f }, { 13, 0xfffb }, { 13, 0 }, { 0, 0 }, { 6, 1 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char full[160];
        trap_describe_error(cases[i].vector, cases[i].code, full, sizeof(full));
        for (size_t len = 1; len <= 9; len++) {
            memset(buf, CANARY, sizeof(buf));
            trap_describe_error(cases[i].vector, cases[i].code, buf, len);
            size_t expect = strlen(full) < len - 1 ? strlen(full) : len - 1;
            CHECK_EQ(strlen(buf), expect);
            CHECK(memcmp(buf, full, expect) == 0);
            for (size_t j = len; j < sizeof(buf); j++)
                CHECK_EQ(buf[j], CANARY);
        }
    }

    memset(buf, CANARY, sizeof(buf));
    trap_describe_error(14, 0, buf, 1);
    CHECK_STR(buf, "");
    trap_describe_error(14, 0, buf, 8);
    CHECK_STR(buf, "not-pre");
    CHECK_EQ(buf[8], CANARY);

    memset(buf, CANARY, sizeof(buf));              /* len 0: nothing is written */
    trap_describe_error(14, 0, buf, 0);
    CHECK_EQ(buf[0], CANARY);
}
