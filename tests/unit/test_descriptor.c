/*
 * test_descriptor.c - host tests of the GDT/IDT encoders (kernel/arch/x86_64/descriptor.c).
 * Source of truth: SDM Vol.3A Figure 3-8 (segment descriptor), Figure 7-4 (64-bit TSS
 * descriptor) and Figure 6-8 (64-bit IDT gate). Every expected value below is worked out
 * by hand in the comment above it, field by field, never by calling the encoder.
 */
#include "unit.h"
#include "descriptor.h"
#include "layout.h"

/* The access bytes the GDT uses, built from the named bits, checked against the byte
 * written by hand: P=0x80, DPL<<5, S=0x10, E=0x08, RW=0x02, A=0x01. */
#define KERNEL_CODE_ACCESS (SEG_PRESENT | SEG_CODE_DATA | SEG_EXECUTABLE | SEG_RW | SEG_ACCESSED)
#define KERNEL_DATA_ACCESS (SEG_PRESENT | SEG_CODE_DATA | SEG_RW | SEG_ACCESSED)

TEST(access_and_flag_bits_match_the_sdm)
{
    CHECK_EQ(KERNEL_CODE_ACCESS, 0x9b);              /* 0x80|0x10|0x08|0x02|0x01 */
    CHECK_EQ(KERNEL_DATA_ACCESS, 0x93);              /* 0x80|0x10|0x02|0x01 */
    CHECK_EQ(KERNEL_CODE_ACCESS | SEG_DPL(3), 0xfb); /* + DPL 3 = 0x60 */
    CHECK_EQ(SEG_PRESENT | SEG_TYPE_TSS_AVAILABLE, 0x89);
    CHECK_EQ(SEG_FLAG_GRANULAR | SEG_FLAG_LONG, 0xa);   /* G=8, L=2 */
    CHECK_EQ(SEG_FLAG_GRANULAR | SEG_FLAG_DB, 0xc);     /* G=8, D/B=4 */
    CHECK_EQ(GATE_PRESENT | GATE_DPL(0) | GATE_INTERRUPT, 0x8e);
    CHECK_EQ(GATE_PRESENT | GATE_DPL(3) | GATE_TRAP, 0xef);
}

TEST(null_descriptor_is_zero)
{
    CHECK_EQ(descriptor_segment(0, 0, 0, 0), 0);
}

/*
 * Flat 4 GiB segments: base 0, limit 0xfffff (x 4 KiB with G), Figure 3-8 bit fields:
 *   63-56 base 31:24 = 00   55-52 flags   51-48 limit 19:16 = f
 *   47-40 access             39-16 base 23:0 = 000000   15-0 limit 15:0 = ffff
 *
 *   kernel code: access 0x9b, flags G|L  = a -> 00 a f 9b 000000 ffff = 0x00af9b000000ffff
 *   kernel data: access 0x93, flags G|DB = c -> 00 c f 93 000000 ffff = 0x00cf93000000ffff
 *   user data:   access 0xf3, flags G|DB = c -> 00 c f f3 000000 ffff = 0x00cff3000000ffff
 *   user code:   access 0xfb, flags G|L  = a -> 00 a f fb 000000 ffff = 0x00affb000000ffff
 */
TEST(flat_segments_match_hand_values)
{
    CHECK_EQ(descriptor_segment(0, 0xfffff, KERNEL_CODE_ACCESS | SEG_DPL(0),
                                SEG_FLAG_GRANULAR | SEG_FLAG_LONG), 0x00af9b000000ffffull);
    CHECK_EQ(descriptor_segment(0, 0xfffff, KERNEL_DATA_ACCESS | SEG_DPL(0),
                                SEG_FLAG_GRANULAR | SEG_FLAG_DB), 0x00cf93000000ffffull);
    CHECK_EQ(descriptor_segment(0, 0xfffff, KERNEL_DATA_ACCESS | SEG_DPL(3),
                                SEG_FLAG_GRANULAR | SEG_FLAG_DB), 0x00cff3000000ffffull);
    CHECK_EQ(descriptor_segment(0, 0xfffff, KERNEL_CODE_ACCESS | SEG_DPL(3),
                                SEG_FLAG_GRANULAR | SEG_FLAG_LONG), 0x00affb000000ffffull);
}

/*
 * base 0x12345678, limit 0xabcde, access 0x92 (P|S|RW, not accessed), flags G|DB = c:
 *   63-56 base 31:24 = 12   55-52 flags = c   51-48 limit 19:16 = a
 *   47-40 access = 92       39-16 base 23:0 = 345678   15-0 limit 15:0 = bcde
 *   -> 12 c a 92 345678 bcde = 0x12ca92345678bcde
 */
TEST(segment_with_base_and_limit_splits_both)
{
    CHECK_EQ(descriptor_segment(0x12345678, 0xabcde, 0x92, 0xc), 0x12ca92345678bcdeull);
}

/*
 * Only 20 limit bits and 4 flag bits exist: limit 0xfff12345 -> 0x12345, flags 0xf9 -> 9
 * (G and AVL, bit 52), base 0:
 *   00 9 1 93 000000 2345 = 0x0091930000002345
 */
TEST(segment_masks_limit_and_flags)
{
    CHECK_EQ(descriptor_segment(0, 0xfff12345, 0x93, 0xf9), 0x0091930000002345ull);
}

/*
 * 64-bit TSS descriptor (Figure 7-4), base 0xffffffff80123450, limit 103 = 0x67 (a
 * 104-byte TSS), access 0x89 (P, type 9 = available 64-bit TSS), flags 0 (byte units):
 *   low:  63-56 base 31:24 = 80   55-52 flags = 0   51-48 limit 19:16 = 0
 *         47-40 access = 89       39-16 base 23:0 = 123450   15-0 limit = 0067
 *         -> 80 0 0 89 123450 0067 = 0x8000891234500067
 *   high: 31-0 base 63:32 = ffffffff, 63-32 reserved = 0 -> 0x00000000ffffffff
 */
TEST(tss_descriptor_matches_hand_values)
{
    uint64_t out[2] = { 0xdeadbeefdeadbeefull, 0xdeadbeefdeadbeefull };
    descriptor_system(0xffffffff80123450ull, sizeof(struct tss) - 1,
                      SEG_PRESENT | SEG_TYPE_TSS_AVAILABLE, out);
    CHECK_EQ(sizeof(struct tss) - 1, 103);
    CHECK_EQ(out[0], 0x8000891234500067ull);
    CHECK_EQ(out[1], 0x00000000ffffffffull);
}

/* A base below 4 GiB leaves the high quadword entirely zero (reserved bits too):
 *   base 0x00345678, limit 0x67, access 0x89 -> 00 0 0 89 345678 0067, high 0. */
TEST(tss_descriptor_low_base_has_zero_high_quadword)
{
    uint64_t out[2] = { ~0ull, ~0ull };
    descriptor_system(0x345678, 0x67, 0x89, out);
    CHECK_EQ(out[0], 0x0000893456780067ull);
    CHECK_EQ(out[1], 0);
}

/*
 * 64-bit interrupt gate (Figure 6-8) to handler 0xffffffff80102030 through selector 0x08,
 * IST 1, type_attr 0x8e (P, DPL 0, type e = interrupt gate):
 *   low:  63-48 offset 31:16 = 8010   47-40 type_attr = 8e   39-35 zero, 34-32 IST = 1
 *         31-16 selector = 0008       15-0 offset 15:0 = 2030
 *         -> 8010 8e 01 0008 2030 = 0x80108e0100082030
 *   high: 31-0 offset 63:32 = ffffffff, 63-32 reserved = 0 -> 0x00000000ffffffff
 */
TEST(idt_gate_matches_hand_values)
{
    struct idt_gate gate = descriptor_gate(0xffffffff80102030ull, GDT_KERNEL_CODE,
                                           IST_DOUBLE_FAULT, 0x8e);
    CHECK_EQ(gate.offset_low, 0x2030);
    CHECK_EQ(gate.selector, 0x0008);
    CHECK_EQ(gate.ist, 1);
    CHECK_EQ(gate.type_attr, 0x8e);
    CHECK_EQ(gate.offset_mid, 0x8010);
    CHECK_EQ(gate.offset_high, 0xffffffff);
    CHECK_EQ(gate.reserved, 0);

    uint64_t words[2];
    memcpy(words, &gate, sizeof(words));            /* the host is little-endian, as is x86 */
    CHECK_EQ(words[0], 0x80108e0100082030ull);
    CHECK_EQ(words[1], 0x00000000ffffffffull);
}

/* A user-callable trap gate, no IST, to a low handler 0x0000000000401000:
 *   low: 0040 ef 00 0008 1000 = 0x0040ef0000081000, high 0. */
TEST(idt_trap_gate_matches_hand_values)
{
    struct idt_gate gate = descriptor_gate(0x401000, 0x08, 0, GATE_PRESENT | GATE_DPL(3) |
                                           GATE_TRAP);
    uint64_t words[2];
    memcpy(words, &gate, sizeof(words));
    CHECK_EQ(words[0], 0x0040ef0000081000ull);
    CHECK_EQ(words[1], 0);
}

/* IST is a 3-bit field (bits 32-34); bits 35-39 must stay zero whatever is passed. */
TEST(idt_gate_masks_ist_to_three_bits)
{
    CHECK_EQ(descriptor_gate(0, 0x08, 7, 0x8e).ist, 7);
    CHECK_EQ(descriptor_gate(0, 0x08, 8, 0x8e).ist, 0);
    CHECK_EQ(descriptor_gate(0, 0x08, 9, 0x8e).ist, 1);
    CHECK_EQ(descriptor_gate(0, 0x08, 0xff, 0x8e).ist, 7);
}

TEST(idt_gate_offset_round_trips)
{
    static const uint64_t handlers[] = {
        0, 1, 0xffff, 0x10000, 0x401000, 0xffffffff80102030ull, 0x123456789abcdef0ull,
        0x00007fffffffffffull, 0xffff800000000000ull, 0xffffffffffffffffull,
    };
    for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
        struct idt_gate gate = descriptor_gate(handlers[i], 0x08, 0, 0x8e);
        CHECK_EQ(descriptor_gate_offset(&gate), handlers[i]);
        CHECK_EQ(gate.reserved, 0);
    }
}
