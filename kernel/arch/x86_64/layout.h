/*
 * layout.h - the kernel's virtual memory layout and segment selectors, shared by C,
 * assembly and (through the preprocessor) the linker script. One place for each number.
 *
 *   0x0000000000000000 .. 1 GiB   identity map of low physical memory (boot.S's tables
 *                                 only: the 32-bit entry runs here until paging is on;
 *                                 vmm_init's final tables leave the lower half empty)
 *   0x0000000000400000 .. USER_END   a user program's half, in its own tables only:
 *                                 ELF segments from USER_BASE up, its stack just below
 *                                 USER_END (the first 4 MiB stay unmapped: NULL faults)
 *   0xffff800000000000 .. +1 GiB  PHYS_MAP_BASE: physical memory mapped for the kernel
 *                                 (boot.S: 1 GiB; vmm_init: all of RAM, up to 512 GiB)
 *   0xffffc00000000000 .. +1 GiB  KERNEL_HEAP_BASE: kmalloc's window, backed on demand
 *   0xffffc80000000000 .. +2 MiB  KERNEL_STACKS_BASE: kernel stacks, each with unmapped
 *                                 guard pages below it
 *   0xffffffff80000000 .. +1 GiB  KERNEL_VMA: the kernel image (-mcmodel=kernel), loaded
 *                                 at physical KERNEL_LOAD_PHYS
 */
#ifndef LOCKSTEP_ARCH_LAYOUT_H
#define LOCKSTEP_ARCH_LAYOUT_H

#define KERNEL_VMA        0xffffffff80000000
#define KERNEL_LOAD_PHYS  0x100000          /* 1 MiB: above the BIOS area */
#define PHYS_MAP_BASE     0xffff800000000000
#define BOOT_MAP_SIZE     0x40000000        /* 1 GiB mapped at each base by boot.S */
#define PHYS_MAP_MAX      0x8000000000      /* 512 GiB: one PML4 entry (vmm_init) */
#define KERNEL_HEAP_BASE  0xffffc00000000000
#define KERNEL_HEAP_SIZE  0x40000000        /* virtual; frames are the real limit */
#define KERNEL_STACKS_BASE 0xffffc80000000000
#define KERNEL_STACK_SLOT 0x8000            /* 32 KiB: unmapped guard, then the stack */
#define KERNEL_STACK_SLOTS 64

/* User space. USER_END stops one page short of the canonical hole (2^47): the last
 * page is never mapped, so a `syscall` can never leave a non-canonical return address
 * for `sysretq` (which would #GP in ring 0, SDM Vol.2B SYSRET). */
#define USER_BASE         0x400000
#define USER_END          0x00007ffffffff000
#define USER_STACK_TOP    USER_END
#define USER_STACK_SIZE   0x10000           /* 64 KiB, with an unmapped page below */
/* A program's ELF segments end at or below this: under the stack's guard page, that is
 * USER_STACK_TOP - USER_STACK_SIZE - PAGE_SIZE, written out so that elf.c can print it
 * (it checks the two agree). */
#define USER_SEGMENTS_END 0x00007ffffffee000

/* The first 4 MiB of the kernel window use 4 KiB pages so that stack guard pages can
 * be left unmapped; the kernel image must fit inside them (checked by kernel.ld). */
#define BOOT_SMALL_PAGES_SIZE 0x400000

#define PAGE_SIZE         4096

/* GDT selectors. The order is fixed by syscall/sysret (SDM Vol.3A 5.8.8):
 * STAR[47:32] = KERNEL_CS (SS = +8), STAR[63:48] = 0x10 (sysret: SS = +8, CS = +16). */
#define GDT_KERNEL_CODE   0x08
#define GDT_KERNEL_DATA   0x10
#define GDT_USER_DATA     0x18              /* used with RPL 3: 0x1b */
#define GDT_USER_CODE     0x20              /* used with RPL 3: 0x23 */
#define GDT_TSS           0x28              /* 16-byte system descriptor */
#define GDT_ENTRIES       7

/* Interrupt stack table slots in the TSS (SDM Vol.3A 6.14.5). */
#define IST_DOUBLE_FAULT  1
#define IST_NMI           2
#define IST_MACHINE_CHECK 3

#define KERNEL_STACK_SIZE 16384
#define IST_STACK_SIZE    8192

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Virtual address at which physical address `phys` can be read: below BOOT_MAP_SIZE
 * until vmm_init switches tables, then anywhere in RAM (vmm_phys_map_size()). */
static inline void *phys_to_virt(uint64_t phys)
{
    return (void *)(uintptr_t)(phys + PHYS_MAP_BASE);
}

/* The kernel image's parts, from kernel.ld. */
extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __bss_end[], __kernel_end[];

/* Physical address of a symbol inside the kernel image. */
static inline uint64_t kernel_virt_to_phys(const void *virt)
{
    return (uint64_t)(uintptr_t)virt - KERNEL_VMA;
}
#endif

#endif
