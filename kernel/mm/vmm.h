/*
 * vmm.h - the kernel address space: the final page tables vmm_init builds (the image
 * with per-section permissions, guard pages under every stack, all of RAM at
 * PHYS_MAP_BASE, NX where the CPU has it), mapping functions for the rest of the kernel,
 * kernel stacks with guard pages, and the page-fault classifier the #PF report prints.
 * IRQ-safe: a task and the IRQ handlers that interrupt it may both call these, since
 * the kernel's tables, the stack slots and the frame allocator are changed only with
 * IRQs off (each call holds them off while it does). A user space's lower half is its
 * program's task's alone. Nothing here blocks. Flags are paging.h's PTE_* leaf flags.
 */
#ifndef LOCKSTEP_MM_VMM_H
#define LOCKSTEP_MM_VMM_H

#include "boot_info.h"
#include "compiler.h"
#include "paging.h"

struct vmm_stats {
    uint64_t text_bytes, rodata_bytes, data_bytes;   /* mapped kernel image, by section */
    unsigned guard_pages;                            /* left unmapped inside the image */
    uint64_t phys_map_bytes;                         /* RAM window at PHYS_MAP_BASE */
    uint64_t tables;                                 /* page-table pages, PML4 included */
    unsigned stacks;                                 /* kernel stacks in use */
    bool nx;                                         /* EFER.NXE on, PTE_NX honoured */
};

/* Build the final kernel tables and switch CR3 to them. Needs the frame allocator;
 * panics if tables cannot be allocated (the kernel cannot go on without them). */
void vmm_init(const struct boot_info *boot);

/* Map one 4 KiB page in the kernel half, where every user space sees it too. Returns 0;
 * -EINVAL before vmm_init, for bad flags, PTE_USER (user pages belong in a user space:
 * vmm_user_map_new), and for an address outside the PML4 slots of the heap window
 * (KERNEL_HEAP_BASE) and the stacks window (KERNEL_STACKS_BASE): user spaces copy the
 * kernel's PML4 entries when they are created, so a new one would never reach them,
 * and the image and the physical memory window are vmm_init's; -EEXIST if mapped;
 * -ENOMEM if a page table could not be allocated. */
int vmm_map(uint64_t virt, uint64_t phys, uint64_t flags);

/* Unmap one 4 KiB page (frame to *phys if not NULL; the frame is not released).
 * Returns 0; -EINVAL as for vmm_map; -ENOENT if nothing was mapped. */
int vmm_unmap(uint64_t virt, uint64_t *phys);

/* Translate through the kernel tables: true with the physical address and the leaf
 * flags (either pointer may be NULL), false if not mapped. Cannot fail. */
bool vmm_translate(uint64_t virt, uint64_t *phys, uint64_t *flags);

/* Back [virt, virt+len) (page aligned) with fresh frames, zeroed if `zero` (the heap
 * passes false: kmalloc memory is not zeroed, kcalloc zeroes what it hands out).
 * Returns 0; -EINVAL as for vmm_map (the whole range in one of those PML4 slots), or if
 * len is 0, unaligned or above KERNEL_HEAP_SIZE; -EEXIST or -ENOMEM, and then nothing
 * stays mapped or allocated. */
int vmm_map_new(uint64_t virt, uint64_t len, uint64_t flags, bool zero);

/* Unmap [virt, virt+len) and release its frames. Returns 0; -EINVAL as for
 * vmm_map_new; -ENOENT if some page was not mapped, -EFAULT if a frame was refused
 * (the remaining pages are still unmapped and released). */
int vmm_unmap_free(uint64_t virt, uint64_t len);

/* A kernel stack of KERNEL_STACK_SIZE with unmapped guard pages below it (an overflow
 * faults on the guard instead of corrupting memory). Returns the stack top (16-byte
 * aligned, for RSP), or 0 when every slot is taken or memory is out. */
uint64_t vmm_stack_alloc(void);

/* Release a stack from vmm_stack_alloc, by its top. Returns 0, or -EINVAL if `top` is
 * not the top of a stack in use. */
int vmm_stack_free(uint64_t top);

/* ---- user address spaces: a PML4 whose upper half is the kernel's (shared, supervisor
 * only) and whose lower half belongs to one program ---- */

/* A new, empty user space. Returns 0, or -ENOMEM (nothing allocated). */
int vmm_user_create(struct paging_space *space);

/* Map one fresh zeroed frame at user address `virt` (page aligned, inside
 * [USER_BASE, USER_END)) with PTE_USER and `flags` (PTE_WRITABLE, PTE_NX); its physical
 * address goes to *phys if not NULL. Returns 0, -EINVAL, -EEXIST or -ENOMEM (then
 * nothing new is mapped). */
int vmm_user_map_new(struct paging_space *space, uint64_t virt, uint64_t flags,
                     uint64_t *phys);

/* Load `space` into CR3 (the kernel half is the same in every space, so this can be
 * called from anywhere in the kernel). NULL: back to the kernel's own tables.
 * IRQ-safe; cannot fail. */
void vmm_user_activate(struct paging_space *space);

/* Release every frame and table of the user half and the PML4 itself; if the space is
 * in CR3, switch to the kernel's tables first. Returns the number of user pages
 * released. Cannot fail. */
size_t vmm_user_destroy(struct paging_space *space);

/* Where `address` lies and why an access with page-fault error code `error_code`
 * failed there, as one line (the #PF report prints it), looked up in the tables loaded
 * in CR3: the kernel's, or a program's while its task runs, whose user half is the
 * program's. Pure reads; never faults. */
void vmm_describe_fault(uint64_t address, uint64_t error_code, char *buf, size_t len);

/* Size of the RAM window at PHYS_MAP_BASE (BOOT_MAP_SIZE before vmm_init). Cannot
 * fail. */
uint64_t vmm_phys_map_size(void);

/* Physical [start, end) as the kernel sees it through that window, or NULL if any of it
 * lies outside (a boot module a loader placed beyond RAM, say). */
const void *vmm_phys_window(uint64_t start, uint64_t end);

/* What vmm_init built, and the tables and stacks now in use. Cannot fail. */
void vmm_stats(struct vmm_stats *out);

#endif
