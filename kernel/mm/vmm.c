/*
 * vmm.c - the kernel address space (vmm.h). vmm_init replaces boot.S's tables:
 *
 *   PML4[0..255]   user half: empty (no identity map any more)
 *   PML4[256]      PHYS_MAP_BASE        [0, top of RAM) in 2 MiB pages      RW- NX
 *   PML4[384]      KERNEL_HEAP_BASE     kmalloc's window, 4 KiB pages as it grows
 *   PML4[400]      KERNEL_STACKS_BASE   | guard (unmapped) | stack 16 KiB RW- NX | ...
 *   PML4[511]      KERNEL_VMA + 1 MiB   .text R-X | .rodata R-- NX | .data .bss RW- NX
 *                                       with the guard page under each boot/IST stack
 *                                       left unmapped
 *
 * CR0.WP (set by boot.S) makes read-only pages read-only for the kernel too. Tables
 * come from the frame allocator; while they are built the old tables are live, so
 * they must lie in the first BOOT_MAP_SIZE of RAM (the allocator hands out the lowest
 * frames first).
 * Who may touch: kernel_space, the stack bitmap and the frame allocator (every call
 * into it goes through frame_take and frame_give) only with IRQs off. An IRQ handler
 * may allocate (kmalloc grows the heap through vmm_map_new), and the frame allocator
 * and the kernel's tables are the same for it as for the task it interrupted. A user
 * space's lower half belongs to its program's task alone.
 */
#include "vmm.h"
#include "cpu.h"
#include "errno.h"
#include "format.h"
#include "frame.h"
#include "layout.h"
#include "panic.h"
#include "string.h"
#include "trap.h"

extern char boot_stack_guard[], ist_double_fault_guard[], ist_nmi_guard[],
            ist_machine_check_guard[];

/* Page-fault error code bits (SDM Vol.3A 4.7). */
#define PF_PRESENT  (1u << 0)     /* 0: not present, 1: protection violation */
#define PF_WRITE    (1u << 1)
#define PF_USER     (1u << 2)
#define PF_RESERVED (1u << 3)
#define PF_FETCH    (1u << 4)

static struct paging_space kernel_space;   /* IRQs off to change */
static uint64_t stack_slots;               /* bit i: slot i in use; IRQs off */
static struct vmm_stats stats;             /* written by vmm_init */

static const struct {
    const char *name;
    char *page;
} guards[] = {
    { "the boot stack", boot_stack_guard },
    { "the double-fault IST stack", ist_double_fault_guard },
    { "the NMI IST stack", ist_nmi_guard },
    { "the machine-check IST stack", ist_machine_check_guard },
};

static const struct {
    const char *name;
    char *start, *end;
    uint64_t flags;
} sections[] = {
    { "kernel .text", __text_start, __text_end, 0 },
    { "kernel .rodata", __rodata_start, __rodata_end, PTE_NX },
    { "kernel .data/.bss", __data_start, __bss_end, PTE_WRITABLE | PTE_NX },
};

/* The frame allocator is not IRQ-safe by itself (frame.h): each call holds IRQs off,
 * however short, so that an IRQ handler's allocation never lands inside another's. */
static uint64_t frame_take(void)
{
    uint64_t rflags = cpu_irq_save();
    uint64_t frame = pmm_alloc_frame();
    cpu_irq_restore(rflags);
    return frame;
}

static int frame_give(uint64_t phys)
{
    uint64_t rflags = cpu_irq_save();
    int err = pmm_free_frame(phys);
    cpu_irq_restore(rflags);
    return err;
}

static bool table_from_frames(void *ctx, uint64_t *phys)
{
    (void)ctx;
    uint64_t frame = frame_take();
    if (!frame)
        return false;
    if (frame >= kernel_space.window_end) {      /* unreachable while building: refuse */
        frame_give(frame);
        return false;
    }
    *phys = frame;
    return true;
}

static bool is_guard(uint64_t page)
{
    for (size_t i = 0; i < ARRAY_SIZE(guards); i++)
        if ((uint64_t)guards[i].page == page)
            return true;
    return false;
}

static void map_or_panic(uint64_t virt, uint64_t phys, uint64_t flags, bool large)
{
    int err = large ? paging_map_large(&kernel_space, virt, phys, flags)
                    : paging_map(&kernel_space, virt, phys, flags);
    if (err)
        panic("vmm_init: cannot map %016lx -> %lx (error %d)", virt, phys, err);
}

/* End of RAM as the memory map tells it (available, ACPI and NVS memory). */
static uint64_t ram_top(const struct boot_info *boot)
{
    uint64_t top = 0;
    for (size_t i = 0; i < boot->mmap_count; i++) {
        const struct boot_memory_region *m = &boot->mmap[i];
        if (m->type == BOOT_MEMORY_AVAILABLE || m->type == BOOT_MEMORY_ACPI_RECLAIMABLE ||
            m->type == BOOT_MEMORY_NVS) {
            if (m->base + m->length > top)
                top = m->base + m->length;
        }
    }
    return top;
}

/* User spaces copy the kernel's PML4 entries when they are created, so every
 * top-level table the kernel will ever map through must exist before that: the heap's
 * and the stacks' windows get theirs now, empty, and vmm_map and vmm_map_new map
 * nowhere else. The image and the physical memory window are vmm_init's alone. */
static const uint64_t shared_regions[] = { KERNEL_HEAP_BASE, KERNEL_STACKS_BASE };

/* An address's PML4 slot, sign bits included, so that no lower-half or non-canonical
 * address has the slot of a kernel one. */
static uint64_t pml4_slot(uint64_t virt)
{
    return virt >> (12 + 9 * (PAGING_LEVELS - 1));
}

/* Whether `virt` lies in a PML4 slot share_kernel_regions made. */
static bool in_shared_region(uint64_t virt)
{
    for (size_t i = 0; i < ARRAY_SIZE(shared_regions); i++)
        if (pml4_slot(virt) == pml4_slot(shared_regions[i]))
            return true;
    return false;
}

static void share_kernel_regions(void)
{
    uint64_t *pml4 = phys_to_virt(kernel_space.root);
    for (size_t i = 0; i < ARRAY_SIZE(shared_regions); i++) {
        uint64_t *entry = &pml4[paging_index(shared_regions[i], PAGING_LEVELS - 1)];
        uint64_t table;
        if (*entry & PTE_PRESENT)
            continue;
        if (!table_from_frames(NULL, &table))
            panic("vmm_init: no frame for a kernel page-table");
        memset(phys_to_virt(table), 0, PAGE_SIZE);
        *entry = paging_entry_table(table, false);
        kernel_space.tables++;
    }
}

void vmm_init(const struct boot_info *boot)
{
    kernel_space.window = PHYS_MAP_BASE;
    kernel_space.window_end = BOOT_MAP_SIZE;
    kernel_space.alloc_table = table_from_frames;
    kernel_space.nx = paging_enable_nx();         /* before any table holds an NX bit */
    if (!table_from_frames(NULL, &kernel_space.root))
        panic("vmm_init: no frame for the PML4");
    memset(phys_to_virt(kernel_space.root), 0, PAGE_SIZE);

    for (size_t s = 0; s < ARRAY_SIZE(sections); s++) {
        uint64_t start = ALIGN_DOWN((uint64_t)sections[s].start, PAGE_SIZE);
        uint64_t end = ALIGN_UP((uint64_t)sections[s].end, PAGE_SIZE);
        for (uint64_t page = start; page < end; page += PAGE_SIZE) {
            if (is_guard(page)) {
                stats.guard_pages++;
                continue;
            }
            map_or_panic(page, kernel_virt_to_phys((void *)page), sections[s].flags, false);
        }
        uint64_t *bytes = s == 0 ? &stats.text_bytes : s == 1 ? &stats.rodata_bytes
                                                              : &stats.data_bytes;
        *bytes = end - start;
    }

    /* All of RAM, holes included (the VGA buffer lives in one), rounded up to 2 MiB. */
    uint64_t top = ALIGN_UP(ram_top(boot), PAGE_SIZE_2M);
    if (top < PAGE_SIZE_2M)
        top = PAGE_SIZE_2M;
    if (top > PHYS_MAP_MAX)
        top = PHYS_MAP_MAX;
    for (uint64_t phys = 0; phys < top; phys += PAGE_SIZE_2M)
        map_or_panic(PHYS_MAP_BASE + phys, phys, PTE_WRITABLE | PTE_NX, true);
    stats.phys_map_bytes = top;

    kernel_space.window_end = top;
    share_kernel_regions();
    paging_activate(&kernel_space);
    trap_set_fault_describer(vmm_describe_fault);
    stats.nx = kernel_space.nx;
}

/* ---- mapping for the rest of the kernel ---- */

/* Word stores: 8x fewer iterations than lib's byte-loop memset (heap growth zeroes
 * every page it maps). */
static void zero_frame(uint64_t phys)
{
    uint64_t *words = phys_to_virt(phys);
    for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
        words[i] = 0;
}

/* Kernel tables carry no user page: PTE_USER on a leaf would also widen every table
 * above it to user (paging.c), and user pages belong in a user space
 * (vmm_user_map_new). */
int vmm_map(uint64_t virt, uint64_t phys, uint64_t flags)
{
    if (!kernel_space.live || !in_shared_region(virt) || (flags & PTE_USER))
        return -EINVAL;
    uint64_t rflags = cpu_irq_save();
    int err = paging_map(&kernel_space, virt, phys, flags);
    cpu_irq_restore(rflags);
    return err;
}

int vmm_unmap(uint64_t virt, uint64_t *phys)
{
    if (!kernel_space.live || !in_shared_region(virt))
        return -EINVAL;
    uint64_t rflags = cpu_irq_save();
    int err = paging_unmap(&kernel_space, virt, phys);
    cpu_irq_restore(rflags);
    return err;
}

bool vmm_translate(uint64_t virt, uint64_t *phys, uint64_t *flags)
{
    if (!kernel_space.live)
        return paging_translate(virt, phys, flags);
    return paging_query(&kernel_space, virt, phys, flags);
}

#define BATCH 64                       /* pages per page-table walk and frame array */

/* True for a range vmm_map_new and vmm_unmap_free refuse: empty, too long, unaligned,
 * or not inside one shared PML4 slot. */
static bool is_bad_range(uint64_t virt, uint64_t len)
{
    return len == 0 || len > KERNEL_HEAP_SIZE || (len | virt) & (PAGE_SIZE - 1) ||
           !in_shared_region(virt) || pml4_slot(virt + len - 1) != pml4_slot(virt);
}

int vmm_unmap_free(uint64_t virt, uint64_t len)
{
    if (!kernel_space.live || is_bad_range(virt, len))
        return -EINVAL;
    int first = 0;
    uint64_t frames[BATCH];
    for (uint64_t done = 0; done < len; done += BATCH * PAGE_SIZE) {
        size_t n = (len - done) / PAGE_SIZE < BATCH ? (len - done) / PAGE_SIZE : BATCH;
        uint64_t rflags = cpu_irq_save();
        int err = paging_unmap_pages(&kernel_space, virt + done, n, frames);
        cpu_irq_restore(rflags);
        for (size_t i = 0; i < n; i++) {
            if (frames[i] && frame_give(frames[i]) && !err)
                err = -EFAULT;
        }
        if (err && !first)
            first = err;
    }
    return first;
}

int vmm_map_new(uint64_t virt, uint64_t len, uint64_t flags, bool zero)
{
    if (!kernel_space.live || is_bad_range(virt, len) || (flags & PTE_USER))
        return -EINVAL;
    uint64_t frames[BATCH], done = 0;
    int err = 0;
    while (done < len && !err) {
        size_t n = (len - done) / PAGE_SIZE < BATCH ? (len - done) / PAGE_SIZE : BATCH;
        size_t got = 0, mapped = 0;
        while (got < n && (frames[got] = frame_take()) != 0) {
            if (zero)
                zero_frame(frames[got]);
            got++;
        }
        if (got == n) {
            uint64_t rflags = cpu_irq_save();
            err = paging_map_pages(&kernel_space, virt + done, frames, n, flags, &mapped);
            cpu_irq_restore(rflags);
        } else {
            err = -ENOMEM;
        }
        for (size_t i = mapped; i < got; i++)
            frame_give(frames[i]);
        done += mapped * PAGE_SIZE;
    }
    if (err && done)
        vmm_unmap_free(virt, done);
    return err;
}

/* ---- kernel stacks ---- */

static uint64_t slot_base(unsigned slot)
{
    return KERNEL_STACKS_BASE + (uint64_t)slot * KERNEL_STACK_SLOT;
}

uint64_t vmm_stack_alloc(void)
{
    uint64_t rflags = cpu_irq_save();
    unsigned slot = stack_slots == ~0ull ? KERNEL_STACK_SLOTS
                                         : (unsigned)__builtin_ctzll(~stack_slots);
    if (slot < KERNEL_STACK_SLOTS)
        stack_slots |= 1ull << slot;
    cpu_irq_restore(rflags);
    if (slot >= KERNEL_STACK_SLOTS)
        return 0;
    uint64_t top = slot_base(slot) + KERNEL_STACK_SLOT;
    if (vmm_map_new(top - KERNEL_STACK_SIZE, KERNEL_STACK_SIZE, PTE_WRITABLE | PTE_NX, true)) {
        rflags = cpu_irq_save();
        stack_slots &= ~(1ull << slot);
        cpu_irq_restore(rflags);
        return 0;
    }
    return top;
}

int vmm_stack_free(uint64_t top)
{
    uint64_t offset = top - KERNEL_STACKS_BASE;
    if (top < KERNEL_STACKS_BASE || offset % KERNEL_STACK_SLOT || offset == 0 ||
        offset / KERNEL_STACK_SLOT > KERNEL_STACK_SLOTS)
        return -EINVAL;
    unsigned slot = (unsigned)(offset / KERNEL_STACK_SLOT) - 1;
    if (!(stack_slots & (1ull << slot)))
        return -EINVAL;
    vmm_unmap_free(top - KERNEL_STACK_SIZE, KERNEL_STACK_SIZE);
    uint64_t rflags = cpu_irq_save();
    stack_slots &= ~(1ull << slot);
    cpu_irq_restore(rflags);
    return 0;
}

/* ---- the page-fault classifier ---- */

/* The name of the region `address` is in. */
/* ---- user address spaces ---- */

static struct paging_space *user_live;     /* the user space in CR3, or NULL; IRQs off */

int vmm_user_create(struct paging_space *space)
{
    uint64_t root;
    if (!kernel_space.live || !table_from_frames(NULL, &root))
        return -ENOMEM;
    uint64_t *pml4 = phys_to_virt(root);
    /* The kernel's PML4 entries never change after vmm_init (share_kernel_regions), so
     * the copy needs no IRQs off, and every later kernel mapping shows in this space. */
    const uint64_t *kernel = phys_to_virt(kernel_space.root);
    for (unsigned i = 0; i < PAGING_ENTRIES; i++)
        pml4[i] = i < PAGING_ENTRIES / 2 ? 0 : kernel[i];
    *space = (struct paging_space){
        .root = root, .window = kernel_space.window, .window_end = kernel_space.window_end,
        .alloc_table = table_from_frames, .nx = kernel_space.nx, .tables = 1,
    };
    return 0;
}

int vmm_user_map_new(struct paging_space *space, uint64_t virt, uint64_t flags,
                     uint64_t *phys)
{
    if (virt & (PAGE_SIZE - 1) || virt < USER_BASE || virt >= USER_END ||
        flags & ~(PTE_WRITABLE | PTE_NX))
        return -EINVAL;
    uint64_t frame = frame_take();
    if (!frame)
        return -ENOMEM;
    zero_frame(frame);
    uint64_t rflags = cpu_irq_save();
    int err = paging_map(space, virt, frame, flags | PTE_USER);
    cpu_irq_restore(rflags);
    if (err) {
        frame_give(frame);
        return err;
    }
    if (phys)
        *phys = frame;
    return 0;
}

void vmm_user_activate(struct paging_space *space)
{
    uint64_t rflags = cpu_irq_save();
    if (space != user_live) {
        if (user_live)
            user_live->live = false;
        cpu_write_cr3(space ? space->root : kernel_space.root);
        if (space)
            space->live = true;                /* its changes need invlpg from now on */
        user_live = space;
    }
    cpu_irq_restore(rflags);
}

static void release_frame(void *ctx, uint64_t phys)
{
    (void)ctx;
    if (frame_give(phys) != 0)
        panic("vmm_user_destroy: frame %lx was not allocated", phys);
}

size_t vmm_user_destroy(struct paging_space *space)
{
    if (space == user_live)
        vmm_user_activate(NULL);
    size_t pages = paging_release_lower_half(space, release_frame, NULL);
    release_frame(NULL, space->root);
    space->root = 0;
    return pages;
}

static const char *area(uint64_t address, char *buf, size_t len)
{
    for (size_t s = 0; s < ARRAY_SIZE(sections); s++)
        if (address >= ALIGN_DOWN((uint64_t)sections[s].start, PAGE_SIZE) &&
            address < ALIGN_UP((uint64_t)sections[s].end, PAGE_SIZE))
            return sections[s].name;
    if (!paging_is_canonical(address))
        return "a non-canonical address";
    if (address < PAGE_SIZE)
        return "the null page (a NULL pointer?)";
    if (address < PHYS_MAP_BASE)
        return "user space";
    if (address - PHYS_MAP_BASE < PHYS_MAP_MAX)
        return "the physical memory window";
    if (address - KERNEL_HEAP_BASE < KERNEL_HEAP_SIZE)
        return "the kernel heap window";
    if (address - KERNEL_STACKS_BASE < (uint64_t)KERNEL_STACK_SLOT * KERNEL_STACK_SLOTS) {
        unsigned slot = (unsigned)((address - KERNEL_STACKS_BASE) / KERNEL_STACK_SLOT);
        uint64_t stack = slot_base(slot) + KERNEL_STACK_SLOT - KERNEL_STACK_SIZE;
        ksnprintf(buf, len, address < stack ? "the guard pages under kernel stack %u"
                  : "kernel stack %u", slot);
        return buf;
    }
    if (address >= KERNEL_VMA)
        return "the kernel image window";
    return "kernel space";
}

void vmm_describe_fault(uint64_t address, uint64_t error, char *buf, size_t len)
{
    char name[64];
    uint64_t page = ALIGN_DOWN(address, PAGE_SIZE), flags = 0;
    for (size_t i = 0; i < ARRAY_SIZE(guards); i++) {
        if ((uint64_t)guards[i].page == page) {
            ksnprintf(buf, len, "in the guard page under %s: a stack overflow", guards[i].name);
            return;
        }
    }
    const char *where = area(address, name, sizeof(name));
    /* The tables in CR3, not the kernel's own: while a program's task runs, its user
     * half is mapped there, and a kernel fault on one of its pages is about that page. */
    if (!(error & PF_PRESENT) || !paging_translate(address, NULL, &flags)) {
        if (strstr(where, "guard"))
            ksnprintf(buf, len, "in %s: a stack overflow", where);
        else
            ksnprintf(buf, len, "unmapped: nothing is mapped there, in %s", where);
        return;
    }
    const char *why = "protection violation";
    if (error & PF_RESERVED)
        why = "reserved bit set in a paging entry (corrupted page table?)";
    else if ((error & PF_FETCH) && (flags & PTE_NX))
        why = "instruction fetch from a no-execute page";
    else if ((error & PF_WRITE) && !(flags & PTE_WRITABLE))
        why = "write to a read-only page";
    else if ((error & PF_USER) && !(flags & PTE_USER))
        why = "user-mode access to a kernel page";
    ksnprintf(buf, len, "%s in %s (%s page, %c%c%c)", why, where,
              flags & PTE_USER ? "user" : "kernel", 'r', flags & PTE_WRITABLE ? 'w' : '-',
              flags & PTE_NX ? '-' : 'x');
}

/* ---- statistics ---- */

uint64_t vmm_phys_map_size(void)
{
    return kernel_space.live ? kernel_space.window_end : BOOT_MAP_SIZE;
}

const void *vmm_phys_window(uint64_t start, uint64_t end)
{
    if (end < start || end > vmm_phys_map_size())
        return NULL;
    return phys_to_virt(start);
}

void vmm_stats(struct vmm_stats *out)
{
    *out = stats;
    out->tables = kernel_space.tables + (kernel_space.root ? 1 : 0);
    out->stacks = 0;
    for (uint64_t slots = stack_slots; slots; slots &= slots - 1)   /* no POPCNT in x86-64 */
        out->stacks++;
}
