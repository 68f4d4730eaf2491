/*
 * ksyms.c - binary search in the generated symbol table (ksyms.h).
 * Invariant (from tools/gen-ksyms): ksym_table is sorted by address, ascending.
 */
#include "ksyms.h"
#include "string.h"

extern const uint64_t ksym_count;
extern const struct ksym ksym_table[];
extern const char ksym_names[];
extern const char __text_end[];

const char *ksyms_lookup(uint64_t address, uint64_t *offset)
{
    size_t count = ksym_count;
    if (count == 0 || address < ksym_table[0].address || address >= (uint64_t)__text_end)
        return NULL;
    size_t low = 0, high = count;          /* answer in [low, high) */
    while (high - low > 1) {
        size_t mid = low + (high - low) / 2;
        if (ksym_table[mid].address <= address)
            low = mid;
        else
            high = mid;
    }
    if (offset)
        *offset = address - ksym_table[low].address;
    return &ksym_names[ksym_table[low].name_offset];
}

uint64_t ksyms_address(const char *name)
{
    for (size_t i = 0; i < ksym_count; i++) {
        if (strcmp(&ksym_names[ksym_table[i].name_offset], name) == 0)
            return ksym_table[i].address;
    }
    return 0;
}

size_t ksyms_count(void)
{
    return ksym_count;
}
