/*
 * backtrace.c - walks saved frame pointers (backtrace.h).
 *
 *   rbp -> [ saved rbp of the caller ]  -> next frame
 *          [ return address          ]
 */
#include "backtrace.h"
#include "kprintf.h"
#include "ksyms.h"
#include "paging.h"

size_t backtrace_collect(uint64_t rbp, uint64_t *out, size_t max)
{
    size_t n = 0;
    while (n < max && rbp != 0) {
        if ((rbp & 7) || !paging_is_mapped(rbp, 16))
            break;
        const uint64_t *frame = (const uint64_t *)rbp;
        uint64_t next = frame[0], ret = frame[1];
        if (ret == 0)
            break;
        out[n++] = ret;
        if (next == rbp)
            break;
        rbp = next;
    }
    return n;
}

static void print_frame(size_t depth, uint64_t address, bool is_return)
{
    uint64_t offset = 0;
    /* A return address points after the call: look up the call itself. */
    const char *name = ksyms_lookup(is_return ? address - 1 : address, &offset);
    if (name)
        kprintf("  #%-2u %016lx <%s+0x%lx>\n", (unsigned)depth, address, name,
                offset + (is_return ? 1 : 0));
    else
        kprintf("  #%-2u %016lx <?>\n", (unsigned)depth, address);
}

void backtrace_print(uint64_t rip, uint64_t rbp)
{
    uint64_t chain[BACKTRACE_MAX_DEPTH];
    size_t n = backtrace_collect(rbp, chain, ARRAY_SIZE(chain));
    kprintf("backtrace:\n");
    print_frame(0, rip, false);
    for (size_t i = 0; i < n; i++) {
        size_t same = 0;                 /* fold runs of one frame (deep recursion) */
        while (i + same + 1 < n && chain[i + same + 1] == chain[i])
            same++;
        print_frame(i + 1, chain[i], true);
        if (same) {
            kprintf("      ... the same frame %lu more times\n", same);
            i += same;
        }
    }
    if (n == ARRAY_SIZE(chain))
        kprintf("      ... (stopped after %lu frames)\n", n);
}
