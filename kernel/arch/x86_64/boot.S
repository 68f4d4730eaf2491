/*
 * boot.S - the first instructions: multiboot headers, 32-bit entry, long mode, kmain.
 *
 * Both loaders land in _start in 32-bit protected mode, paging off, with the multiboot
 * magic in EAX and the physical address of the information structure in EBX:
 *   - GRUB 2 (`multiboot2` command) reads the multiboot2 header and loads the ELF64
 *     segments at their physical (LMA) addresses;            EAX = 0x36d76289
 *   - QEMU's `-kernel` reads the multiboot v1 header; it refuses 64-bit ELF files, so the
 *     header carries the a.out-kludge address fields and QEMU loads the file bytes
 *     [load_addr, load_end_addr) flat and zeroes up to bss_end_addr; EAX = 0x2badb002.
 *     This only works because kernel.ld lays the file out exactly as memory (checked
 *     after every link by the Makefile).
 * The magic is checked in C (boot_info_parse); here we only build page tables, enter long
 * mode (SDM Vol.3A 9.8.5) and call kmain(magic, info_phys) on the boot stack.
 */
#include "cpu_regs.h"
#include "layout.h"

#define MB1_MAGIC        0x1badb002
#define MB1_PAGE_ALIGN   (1 << 0)        /* modules on 4 KiB boundaries */
#define MB1_MEMORY_INFO  (1 << 1)        /* we want mem_* and the memory map */
#define MB1_AOUT_KLUDGE  (1 << 16)       /* load by the address fields below */
#define MB1_FLAGS        (MB1_PAGE_ALIGN | MB1_MEMORY_INFO | MB1_AOUT_KLUDGE)

#define MB2_MAGIC        0xe85250d6
#define MB2_ARCH_I386    0

#define PTE_PRESENT      (1 << 0)
#define PTE_WRITABLE     (1 << 1)
#define PTE_LARGE        (1 << 7)        /* 2 MiB page in a page directory */

#define CPUID_EXT_LM     (1 << 29)       /* CPUID 0x80000001 EDX: long mode */

#define COM1             0x3f8

#define PHYS(sym)        ((sym) - KERNEL_VMA)

/* ---- headers: both within the first 8 KiB of the file ------------------------------ */
    .section .multiboot, "a"
    .balign 8
mb2_header:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    .word 0, 0                           /* end tag: type 0, flags 0, size 8 */
    .long 8
mb2_header_end:

    .balign 4
mb1_header:
    .long MB1_MAGIC
    .long MB1_FLAGS
    .long -(MB1_MAGIC + MB1_FLAGS)
    .long mb1_header                     /* header_addr (physical: .boot is identity) */
    .long __image_phys_start             /* load_addr */
    .long __load_end_phys                /* load_end_addr: end of .data */
    .long __bss_end_phys                 /* bss_end_addr */
    .long _start                         /* entry_addr */

/* ---- 32-bit entry ------------------------------------------------------------------ */
    .section .boot.text, "ax"
    .code32
    .globl _start
_start:
    cli
    cld
    movl %eax, %edi                      /* kmain's first argument: magic */
    movl %ebx, %esi                      /* second: information structure (physical) */
    movl $PHYS(boot_stack_top), %esp

    /* Long mode must exist before we touch EFER. */
    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb no_long_mode
    movl $0x80000001, %eax
    cpuid
    testl $CPUID_EXT_LM, %edx
    jz no_long_mode

    /* PML4[0] and PML4[256] -> the same 1 GiB of 2 MiB pages (identity and PHYS_MAP_BASE);
     * PML4[511] -> PDPT[510] -> kernel window at KERNEL_VMA. The tables live in .bss,
     * which both loaders zero. */
    movl $PHYS(boot_pdpt_low) + PTE_PRESENT + PTE_WRITABLE, %eax
    movl %eax, PHYS(boot_pml4)
    movl %eax, PHYS(boot_pml4) + 256 * 8
    movl $PHYS(boot_pdpt_high) + PTE_PRESENT + PTE_WRITABLE, %eax
    movl %eax, PHYS(boot_pml4) + 511 * 8
    movl $PHYS(boot_pd_low) + PTE_PRESENT + PTE_WRITABLE, %eax
    movl %eax, PHYS(boot_pdpt_low)
    movl $PHYS(boot_pd_high) + PTE_PRESENT + PTE_WRITABLE, %eax
    movl %eax, PHYS(boot_pdpt_high) + 510 * 8

    /* boot_pd_low: 512 large pages, physical 0 .. 1 GiB. */
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $PTE_PRESENT + PTE_WRITABLE + PTE_LARGE, %eax
    movl %eax, PHYS(boot_pd_low)(, %ecx, 8)
    movl %eax, PHYS(boot_pd_high)(, %ecx, 8)     /* same large pages for the window ... */
    incl %ecx
    cmpl $512, %ecx
    jne 1b

    /* ... except its first 4 MiB, which use 4 KiB pages (boot_pt, two tables). */
    xorl %ecx, %ecx
2:  movl %ecx, %eax
    shll $12, %eax
    orl $PTE_PRESENT + PTE_WRITABLE, %eax
    movl %eax, PHYS(boot_pt)(, %ecx, 8)
    incl %ecx
    cmpl $1024, %ecx
    jne 2b
    movl $PHYS(boot_pt) + PTE_PRESENT + PTE_WRITABLE, %eax
    movl %eax, PHYS(boot_pd_high)
    addl $4096, %eax
    movl %eax, PHYS(boot_pd_high) + 8

    /* Leave the guard page under each stack unmapped in the kernel window, so that an
     * overflow faults instead of silently corrupting what lies below. */
    movl $boot_guard_pages, %ebx
3:  movl (%ebx), %eax
    testl %eax, %eax
    jz 4f
    shrl $12, %eax
    movl $0, PHYS(boot_pt)(, %eax, 8)
    addl $4, %ebx
    jmp 3b
4:
    movl $PHYS(boot_pml4), %eax
    movl %eax, %cr3
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    wrmsr
    movl %cr0, %eax
    orl $CR0_PG + CR0_WP + CR0_PE, %eax
    movl %eax, %cr0                      /* long mode active, compatibility sub-mode */

    lgdt boot_gdt_pointer
    ljmp $GDT_KERNEL_CODE, $long_mode_entry

no_long_mode:
    movl $no_long_mode_message, %esi
5:  lodsb
    testb %al, %al
    jz 6f
    movw $COM1, %dx
    outb %al, %dx
    jmp 5b
6:  hlt
    jmp 6b

    .code64
long_mode_entry:
    movw $GDT_KERNEL_DATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movabs $higher_half_entry, %rax
    jmp *%rax

/* ---- boot data: the temporary GDT and the guard-page list ---------------------------- */
    .section .boot.data, "a"
    .balign 8
boot_gdt:
    .quad 0                              /* null */
    .quad 0x00af9a000000ffff             /* 0x08: 64-bit kernel code */
    .quad 0x00cf92000000ffff             /* 0x10: kernel data */
boot_gdt_end:
boot_gdt_pointer:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

boot_guard_pages:                        /* physical addresses, each inside the first 4 MiB */
    .long PHYS(boot_stack_guard)
    .long PHYS(ist_double_fault_guard)
    .long PHYS(ist_nmi_guard)
    .long PHYS(ist_machine_check_guard)
    .long 0

no_long_mode_message:
    .asciz "Lockstep: this CPU has no long mode (x86_64); halting.\r\n"

/* ---- 64-bit, in the kernel window -------------------------------------------------- */
    .text
    .cfi_sections .debug_frame           /* unwind info for GDB (.eh_frame is discarded) */
higher_half_entry:
    .cfi_startproc
    .cfi_undefined rip                   /* the outermost frame: debuggers stop here */
    movabs $boot_stack_top, %rsp
    xorl %ebp, %ebp                      /* ends every backtrace */
    /* rdi = magic, rsi = info physical address: zero-extended by the 32-bit moves above */
    call kmain
7:  cli
    hlt
    jmp 7b
    .cfi_endproc

/* ---- stacks and boot page tables (zeroed by the loader) ------------------------------ */
    .section .bss.stacks, "aw", @nobits
    .balign PAGE_SIZE
    .globl boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:          .skip PAGE_SIZE
boot_stack_bottom:         .skip KERNEL_STACK_SIZE
boot_stack_top:
    .globl ist_double_fault_guard, ist_double_fault_top
ist_double_fault_guard:    .skip PAGE_SIZE
                           .skip IST_STACK_SIZE
ist_double_fault_top:
    .globl ist_nmi_guard, ist_nmi_top
ist_nmi_guard:             .skip PAGE_SIZE
                           .skip IST_STACK_SIZE
ist_nmi_top:
    .globl ist_machine_check_guard, ist_machine_check_top
ist_machine_check_guard:   .skip PAGE_SIZE
                           .skip IST_STACK_SIZE
ist_machine_check_top:

    .section .bss.pagetables, "aw", @nobits
    .balign PAGE_SIZE
    .globl boot_pml4
boot_pml4:       .skip PAGE_SIZE
boot_pdpt_low:   .skip PAGE_SIZE
boot_pdpt_high:  .skip PAGE_SIZE
boot_pd_low:     .skip PAGE_SIZE
boot_pd_high:    .skip PAGE_SIZE
boot_pt:         .skip 2 * PAGE_SIZE

    .section .note.GNU-stack, "", @progbits
