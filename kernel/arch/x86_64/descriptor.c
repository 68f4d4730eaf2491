/*
 * descriptor.c - bit packing for GDT and IDT entries (see descriptor.h).
 * The layouts are scattered fields for 16-bit compatibility; each shift below names the
 * bit position in SDM Vol.3A Figure 3-8 (segment), 7-4 (TSS) and 6-8 (gate).
 */
#include "descriptor.h"

uint64_t descriptor_segment(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    uint64_t d = 0;
    d |= (uint64_t)(limit & 0xffff);                 /* limit 15:0   -> bits 0-15  */
    d |= (uint64_t)(base & 0xffffff) << 16;          /* base 23:0    -> bits 16-39 */
    d |= (uint64_t)access << 40;                     /* access byte  -> bits 40-47 */
    d |= (uint64_t)((limit >> 16) & 0xf) << 48;      /* limit 19:16  -> bits 48-51 */
    d |= (uint64_t)(flags & 0xf) << 52;              /* G, D/B, L, AVL -> 52-55    */
    d |= (uint64_t)((base >> 24) & 0xff) << 56;      /* base 31:24   -> bits 56-63 */
    return d;
}

void descriptor_system(uint64_t base, uint32_t limit, uint8_t access, uint64_t out[2])
{
    out[0] = descriptor_segment((uint32_t)base, limit, access, 0);
    out[1] = base >> 32;                             /* base 63:32, then reserved zero */
}

struct idt_gate descriptor_gate(uint64_t handler, uint16_t selector, uint8_t ist,
                                uint8_t type_attr)
{
    struct idt_gate gate = {
        .offset_low = (uint16_t)handler,
        .selector = selector,
        .ist = ist & 0x7,
        .type_attr = type_attr,
        .offset_mid = (uint16_t)(handler >> 16),
        .offset_high = (uint32_t)(handler >> 32),
        .reserved = 0,
    };
    return gate;
}

uint64_t descriptor_gate_offset(const struct idt_gate *gate)
{
    return (uint64_t)gate->offset_low | ((uint64_t)gate->offset_mid << 16) |
           ((uint64_t)gate->offset_high << 32);
}
