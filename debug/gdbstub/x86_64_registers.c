/*
 * x86_64_registers.c - the GDB register block: one table in GDB's amd64 order (features
 * org.gnu.gdb.i386.core, .sse, .segments, and org.lockstep.x86_64.system), the wire
 * order of `g` and the numbers of `p`; target.xml is generated from it. Registers are
 * read from a stopped context's trap frame, or, for a task waiting between polls (it
 * has no stack of its own), made up to say where it waits. The x86_64 side of the stub
 * (x86_64.c) calls these; the in-kernel test checks the table against GDB's numbering.
 */
#include "x86_64_registers.h"
#include "cpu.h"
#include "cpu_regs.h"
#include "errno.h"
#include "format.h"
#include "layout.h"
#include "paging.h"
#include "panic.h"
#include "string.h"

enum reg_source {
    FRAME, SEG_DS, SEG_ES, SEG_FS, SEG_GS, CONSTANT,
    MSR, CR0, CR2, CR3, CR4,                /* the CPU's, whichever thread: `constant` */
};

struct gdb_register {
    const char *name;
    uint8_t size;                           /* bytes */
    uint8_t source;                         /* enum reg_source */
    uint16_t offset;                        /* into struct trap_frame (FRAME) */
    const char *type;
    const char *group;                      /* NULL: general */
    uint32_t constant;                      /* CONSTANT: the value (no FPU); MSR: its number */
};

#define GPR(n, t) { #n, 8, FRAME, offsetof(struct trap_frame, n), t, NULL, 0 }
#define SEG(n, src) { #n, 4, src, 0, "int32", NULL, 0 }
#define FPU(n, size, t, value) { #n, size, CONSTANT, 0, t, "float", value }
#define XMM(n) { #n, 16, CONSTANT, 0, "uint128", "vector", 0 }
#define MSR_REG(n, msr, group) { #n, 8, MSR, 0, "int64", group, msr }
#define CR_REG(n, src) { #n, 8, src, 0, "int64", "system", 0 }

/* GDB's amd64 register numbering: the order of this table is the wire order. */
static const struct gdb_register registers[] = {
    GPR(rax, "int64"), GPR(rbx, "int64"), GPR(rcx, "int64"), GPR(rdx, "int64"),
    GPR(rsi, "int64"), GPR(rdi, "int64"), GPR(rbp, "data_ptr"), GPR(rsp, "data_ptr"),
    GPR(r8, "int64"), GPR(r9, "int64"), GPR(r10, "int64"), GPR(r11, "int64"),
    GPR(r12, "int64"), GPR(r13, "int64"), GPR(r14, "int64"), GPR(r15, "int64"),
    GPR(rip, "code_ptr"),
    { "eflags", 4, FRAME, offsetof(struct trap_frame, rflags), "i386_eflags", NULL, 0 },
    { "cs", 4, FRAME, offsetof(struct trap_frame, cs), "int32", NULL, 0 },
    { "ss", 4, FRAME, offsetof(struct trap_frame, ss), "int32", NULL, 0 },
    SEG(ds, SEG_DS), SEG(es, SEG_ES), SEG(fs, SEG_FS), SEG(gs, SEG_GS),
    FPU(st0, 10, "i387_ext", 0), FPU(st1, 10, "i387_ext", 0), FPU(st2, 10, "i387_ext", 0),
    FPU(st3, 10, "i387_ext", 0), FPU(st4, 10, "i387_ext", 0), FPU(st5, 10, "i387_ext", 0),
    FPU(st6, 10, "i387_ext", 0), FPU(st7, 10, "i387_ext", 0),
    FPU(fctrl, 4, "int", 0x37f), FPU(fstat, 4, "int", 0), FPU(ftag, 4, "int", 0xffff),
    FPU(fiseg, 4, "int", 0), FPU(fioff, 4, "int", 0), FPU(foseg, 4, "int", 0),
    FPU(fooff, 4, "int", 0), FPU(fop, 4, "int", 0),
    XMM(xmm0), XMM(xmm1), XMM(xmm2), XMM(xmm3), XMM(xmm4), XMM(xmm5), XMM(xmm6),
    XMM(xmm7), XMM(xmm8), XMM(xmm9), XMM(xmm10), XMM(xmm11), XMM(xmm12), XMM(xmm13),
    XMM(xmm14), XMM(xmm15),
    { "mxcsr", 4, CONSTANT, 0, "int", "vector", 0x1f80 },
    /* org.gnu.gdb.i386.segments, as GDB names them; then the system registers QEMU's
     * stub also gives (a page fault's address is in cr2) */
    MSR_REG(fs_base, MSR_FS_BASE, NULL), MSR_REG(gs_base, MSR_GS_BASE, NULL),
    MSR_REG(k_gs_base, MSR_KERNEL_GS_BASE, "system"),
    CR_REG(cr0, CR0), CR_REG(cr2, CR2), CR_REG(cr3, CR3), CR_REG(cr4, CR4),
    MSR_REG(efer, MSR_EFER, "system"),
};
ASSERT_SIZE(registers, X86_64_REGISTERS * sizeof(struct gdb_register));
#define FIRST_SSE_REGISTER 40              /* xmm0: the sse feature starts here */
#define FIRST_SEGMENTS_REGISTER 57         /* fs_base */
#define FIRST_SYSTEM_REGISTER 59           /* k_gs_base */


char x86_64_target_xml[8192];

unsigned x86_64_register_size(unsigned regno)
{
    return regno < X86_64_REGISTERS ? registers[regno].size : 0;
}

/* A waiting task's "stack": the return address 0, GDB's sign of the outermost frame. */
static const uint64_t no_caller;

int x86_64_register_read(const struct trap_frame *frame, const struct gdbstub_task *task,
                         unsigned regno, void *out)
{
    if (regno >= X86_64_REGISTERS)
        return -EINVAL;
    const struct gdb_register *r = &registers[regno];
    uint64_t value = 0;
    uint8_t wide[16] = { 0 };
    switch (r->source) {
    case FRAME:
        if (frame) {
            memcpy(&value, (const char *)frame + r->offset, 8);
        } else {                            /* a task between polls: where it waits */
            if (regno == X86_64_RIP)
                value = task->resume;
            else if (regno == X86_64_RDI)   /* the poll function's argument */
                value = task->argument;
            else if (regno == X86_64_RSP)   /* a zero return address, where */
                value = (uint64_t)(uintptr_t)&no_caller;    /* GDB's bt ends cleanly */
            else if (regno == X86_64_EFLAGS)
                value = RFLAGS_RESERVED1;
            else if (regno == X86_64_CS)
                value = GDT_KERNEL_CODE;
            else if (regno == X86_64_SS)
                value = GDT_KERNEL_DATA;
        }
        break;
    case SEG_DS: value = cpu_read_ds(); break;
    case SEG_ES: value = cpu_read_es(); break;
    case SEG_FS: value = cpu_read_fs(); break;
    case SEG_GS: value = cpu_read_gs(); break;
    case CONSTANT: value = r->constant; break;
    case MSR: value = cpu_rdmsr(r->constant); break;
    case CR0: value = cpu_read_cr0(); break;
    case CR2: value = cpu_read_cr2(); break;
    case CR3: value = cpu_read_cr3(); break;
    case CR4: value = cpu_read_cr4(); break;
    }
    memcpy(wide, &value, 8);
    memcpy(out, wide, r->size);
    return 0;
}

int x86_64_register_write(struct trap_frame *frame, unsigned regno, const void *in)
{
    if (regno >= X86_64_REGISTERS)
        return -EINVAL;
    const struct gdb_register *r = &registers[regno];
    if (r->source != FRAME || regno == X86_64_CS || regno == X86_64_SS) {
        /* Segments, cs and ss (the frame's ring), the FPU and SSE (unused): only their
         * value now may be written (`G` writes every register); a change is refused. */
        uint8_t now[16];
        if (x86_64_register_read(frame, NULL, regno, now) != 0)
            return -EINVAL;
        return memcmp(now, in, r->size) == 0 ? 0 : -EINVAL;
    }
    uint64_t value = 0;
    memcpy(&value, in, r->size);
    if (regno == X86_64_RIP && !paging_is_canonical(value))
        return -EINVAL;                     /* rip: iretq to a non-canonical one faults */
    memcpy((char *)frame + r->offset, &value, r->size == 4 ? 8 : r->size);
    return 0;
}

void x86_64_registers_init(void)
{
    static const char *const flags[] = {
        "CF", "", "PF", "", "AF", "", "ZF", "SF", "TF", "IF", "DF", "OF", "", "", "NT", "",
        "RF", "VM", "AC", "VIF", "VIP", "ID",
    };
    char *xml = x86_64_target_xml;
    size_t n = 0, size = sizeof(x86_64_target_xml);
#define ADD(...) (n += (size_t)ksnprintf(xml + n, n < size ? size - n : 0, __VA_ARGS__))
    ADD("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
        "<target version=\"1.0\">\n<architecture>i386:x86-64</architecture>\n"
        "<feature name=\"org.gnu.gdb.i386.core\">\n<flags id=\"i386_eflags\" size=\"4\">\n");
    for (unsigned bit = 0; bit < ARRAY_SIZE(flags); bit++) {
        if (flags[bit][0])
            ADD("<field name=\"%s\" start=\"%u\" end=\"%u\"/>\n", flags[bit], bit, bit);
    }
    ADD("</flags>\n");
    for (unsigned r = 0; r < X86_64_REGISTERS; r++) {
        if (r == FIRST_SSE_REGISTER)
            ADD("</feature>\n<feature name=\"org.gnu.gdb.i386.sse\">\n");
        else if (r == FIRST_SEGMENTS_REGISTER)
            ADD("</feature>\n<feature name=\"org.gnu.gdb.i386.segments\">\n");
        else if (r == FIRST_SYSTEM_REGISTER)
            ADD("</feature>\n<feature name=\"org.lockstep.x86_64.system\">\n");
        ADD("<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%u\"%s%s%s/>\n",
            registers[r].name, registers[r].size * 8u, registers[r].type, r,
            registers[r].group ? " group=\"" : "", registers[r].group ? registers[r].group : "",
            registers[r].group ? "\"" : "");
    }
    ADD("</feature>\n</target>\n");
#undef ADD
    if (n >= size)
        panic("x86_64_registers_init: target.xml does not fit in %lu bytes", size);
}

/* For the in-kernel register-map test. */

const char *gdbstub_register_name(unsigned regno)
{
    return regno < X86_64_REGISTERS ? registers[regno].name : NULL;
}

int gdbstub_frame_register(struct trap_frame *frame, unsigned regno, void *value, bool write)
{
    return write ? x86_64_register_write(frame, regno, value)
                 : x86_64_register_read(frame, NULL, regno, value);
}
