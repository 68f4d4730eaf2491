/*
 * test_gdbstub.c - the GDB stub's register map against GDB's amd64 numbering, written
 * out here by hand from GDB's features/i386/64bit-core.xml order (a second statement on
 * purpose: Linux once shipped kgdb with `si` mapped to `dx`). Every general register
 * must read the right trap-frame field and write it back, and no other.
 */
#include "errno.h"
#include "ktest.h"
#include "string.h"
#include "trap.h"
#include "x86_64_registers.h"

struct expected {
    const char *name;
    size_t offset;                          /* in struct trap_frame */
};

#define F(name, field) { name, offsetof(struct trap_frame, field) }
static const struct expected gdb_order[] = {
    F("rax", rax), F("rbx", rbx), F("rcx", rcx), F("rdx", rdx), F("rsi", rsi),
    F("rdi", rdi), F("rbp", rbp), F("rsp", rsp), F("r8", r8), F("r9", r9), F("r10", r10),
    F("r11", r11), F("r12", r12), F("r13", r13), F("r14", r14), F("r15", r15),
    F("rip", rip), F("eflags", rflags),
};

KTEST(gdb_register_map_round_trips_every_register)
{
    static struct trap_frame frame;
    uint64_t *words = (uint64_t *)&frame;
    for (size_t i = 0; i < sizeof(frame) / 8; i++)
        words[i] = 0x1000 + i;              /* every field different */
    for (unsigned r = 0; r < ARRAY_SIZE(gdb_order); r++) {
        KCHECK_STR(gdbstub_register_name(r), gdb_order[r].name);
        uint64_t value = 0, field;
        KCHECK_EQ(gdbstub_frame_register(&frame, r, &value, false), 0);
        memcpy(&field, (char *)&frame + gdb_order[r].offset, 8);
        if (r == 17)
            value &= 0xffffffff, field &= 0xffffffff;   /* eflags is 32 bits on the wire */
        KCHECK_EQ(value, field);
        /* rip must stay canonical (gdb_rip_must_be_canonical): its pattern is one */
        uint64_t pattern = (r == 16 ? 0xffffa5a500000000ull : 0xa5a5000000000000ull) | r;
        KCHECK_EQ(gdbstub_frame_register(&frame, r, &pattern, true), 0);
        memcpy(&field, (char *)&frame + gdb_order[r].offset, 8);
        KCHECK_EQ(field & (r == 17 ? 0xffffffffull : ~0ull),
                  pattern & (r == 17 ? 0xffffffffull : ~0ull));
        for (size_t i = 0; i < sizeof(frame) / 8; i++) {     /* nothing else changed */
            if (i * 8 != gdb_order[r].offset)
                KCHECK(words[i] == 0x1000 + i || (words[i] >> 48) == 0xa5a5 ||
                       (words[i] >> 32) == 0xffffa5a5);
        }
        memcpy((char *)&frame + gdb_order[r].offset, &(uint64_t){ 0x1000 + gdb_order[r].offset / 8 }, 8);
    }
    static const char *const rest[] = { "cs", "ss", "ds", "es", "fs", "gs", "st0" };
    for (unsigned i = 0; i < ARRAY_SIZE(rest); i++)
        KCHECK_STR(gdbstub_register_name(18 + i), rest[i]);
    KCHECK_STR(gdbstub_register_name(40), "xmm0");
    KCHECK_STR(gdbstub_register_name(56), "mxcsr");
    static const char *const system[] = { "fs_base", "gs_base", "k_gs_base", "cr0", "cr2",
                                          "cr3", "cr4", "efer" };
    for (unsigned i = 0; i < ARRAY_SIZE(system); i++)
        KCHECK_STR(gdbstub_register_name(57 + i), system[i]);
    KCHECK(gdbstub_register_name(65) == NULL);
}

KTEST(gdb_rip_must_be_canonical)
{
    /* iretq to a non-canonical rip faults in ring 0: GDB may not set one. */
    static struct trap_frame frame;
    frame.rip = 0xffffffff80100000ull;
    uint64_t bad = 0x8000000000000000ull, good = 0x00007fffffffffffull;
    KCHECK_EQ(gdbstub_frame_register(&frame, 16, &bad, true), -EINVAL);
    KCHECK_EQ(frame.rip, 0xffffffff80100000ull);
    KCHECK_EQ(gdbstub_frame_register(&frame, 16, &good, true), 0);
    KCHECK_EQ(frame.rip, good);
}
