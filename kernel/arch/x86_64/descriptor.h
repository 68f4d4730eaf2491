/*
 * descriptor.h - encoders for GDT segment descriptors, 16-byte system (TSS) descriptors
 * and IDT gates, and the TSS layout. Pure functions with no hardware access, so host
 * unit tests pin each one against values worked out by hand from the SDM.
 * SDM Vol.3A 3.4.5 (segment descriptors), 7.2.3 (64-bit TSS descriptor), 6.14.1 (gates).
 */
#ifndef LOCKSTEP_ARCH_DESCRIPTOR_H
#define LOCKSTEP_ARCH_DESCRIPTOR_H

#include "compiler.h"

/* Segment descriptor access byte (bits 40-47). */
#define SEG_ACCESSED      (1u << 0)
#define SEG_RW            (1u << 1)   /* code: readable; data: writable */
#define SEG_EXECUTABLE    (1u << 3)   /* code segment */
#define SEG_CODE_DATA     (1u << 4)   /* S: code/data (not a system descriptor) */
#define SEG_DPL(n)        ((unsigned)(n) << 5)
#define SEG_PRESENT       (1u << 7)
#define SEG_TYPE_TSS_AVAILABLE 0x9u   /* system type: 64-bit TSS (available) */

/* Segment descriptor flags nibble (bits 52-55). */
#define SEG_FLAG_LONG     (1u << 1)   /* L: 64-bit code segment */
#define SEG_FLAG_DB       (1u << 2)   /* D/B: 32-bit default size (must be 0 with L) */
#define SEG_FLAG_GRANULAR (1u << 3)   /* G: limit counts 4 KiB units */

/* IDT gate type and attributes (bits 40-47 of the low quadword). */
#define GATE_INTERRUPT    0xeu        /* clears IF on entry */
#define GATE_TRAP         0xfu        /* leaves IF alone */
#define GATE_DPL(n)       ((unsigned)(n) << 5)
#define GATE_PRESENT      (1u << 7)

/* An IDT entry (SDM Vol.3A Figure 6-8). */
struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t  ist;          /* bits 0-2: IST slot, 0 = use the current stack */
    uint8_t  type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __packed;
ASSERT_SIZE(struct idt_gate, 16);
ASSERT_OFFSET(struct idt_gate, type_attr, 5);
ASSERT_OFFSET(struct idt_gate, offset_high, 8);

/* The 64-bit task state segment (SDM Vol.3A Figure 8-11). Written only at init. */
struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];       /* stack loaded on a privilege change to ring 0..2 */
    uint64_t reserved1;
    uint64_t ist[7];       /* ist[0] is IST1 */
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;   /* offset of the I/O permission bitmap; >= limit means none */
} __packed;
ASSERT_SIZE(struct tss, 104);
ASSERT_OFFSET(struct tss, rsp, 4);
ASSERT_OFFSET(struct tss, ist, 36);
ASSERT_OFFSET(struct tss, iomap_base, 102);

/* An 8-byte code or data segment descriptor. Cannot fail; limit is 20 bits (masked). */
uint64_t descriptor_segment(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags);

/* A 16-byte system descriptor (TSS, LDT) for a 64-bit base: out[0] low, out[1] high. */
void descriptor_system(uint64_t base, uint32_t limit, uint8_t access, uint64_t out[2]);

/* An interrupt or trap gate to `handler` through code segment `selector`. */
struct idt_gate descriptor_gate(uint64_t handler, uint16_t selector, uint8_t ist,
                                uint8_t type_attr);

/* The handler address held by a gate (for checks and for `irq`/GDB reports). */
uint64_t descriptor_gate_offset(const struct idt_gate *gate);

#endif
