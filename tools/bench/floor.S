/*
 * floor.S - the "no guest work" image for make bench's Boot section: a multiboot v1
 * kernel whose first instruction asks isa-debug-exit to end QEMU. Its start-to-exit time
 * is QEMU's own cost (process start, machine set-up, the loader), the floor under
 * Lockstep's boot times. 32-bit: QEMU's -kernel multiboot loader enters in protected
 * mode (Multiboot Specification 0.6.96, 3.2).
 */
#define MULTIBOOT_MAGIC 0x1badb002
#define MULTIBOOT_FLAGS 0x0                 /* no alignment, memory or video requests */

    .text                                   /* the header first: within the first 8 KiB */
    .code32
    .balign 4
    .long MULTIBOOT_MAGIC
    .long MULTIBOOT_FLAGS
    .long -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)
    .globl _start
_start:
    movw $0xf4, %dx                         /* isa-debug-exit (tools/qemu.py) */
    movb $0x10, %al                         /* QEMU exits with (0x10 << 1) | 1 = 33 */
    outb %al, %dx
1:  hlt
    jmp 1b

    .section .note.GNU-stack, "", @progbits
