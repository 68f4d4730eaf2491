/*
 * uspace.h - a user program's address space: its page tables, built from a validated
 * ELF image (elf.h) and its argument strings, and the only way the kernel reads or
 * writes that memory. Every access goes through the program's own tables, page by page,
 * and asks first: the range must lie in [USER_BASE, USER_END) and every page must be
 * present, user-accessible, and writable when the kernel writes. So a bad pointer from a
 * syscall is -EFAULT, never a kernel page fault, whichever tables are in CR3.
 *
 *   USER_END  +-------------------------+  USER_STACK_TOP
 *             | argument strings        |
 *             | argv[] NULL, envp NULL  |
 *             | argc                    | <- rsp at entry (16-byte aligned, SysV ABI)
 *             | ... stack, 64 KiB RW NX |
 *             | (unmapped guard page)   |
 *             +-------------------------+  USER_SEGMENTS_END (elf_parse)
 *             ~                         ~
 *             | .data .bss  RW NX       |  the ELF's PT_LOAD segments, each on its
 *             | .rodata     R  NX       |  own pages, permissions from its p_flags
 *   USER_BASE | .text       R X         |
 *             | (unmapped: NULL faults) |
 *   0         +-------------------------+
 */
#ifndef LOCKSTEP_PROC_USPACE_H
#define LOCKSTEP_PROC_USPACE_H

#include "elf.h"
#include "paging.h"

#define USPACE_ARGS_MAX   16           /* argv entries, argv[0] included */
#define USPACE_ARGS_BYTES 1024         /* their strings, NULs included */

struct uspace {
    struct paging_space tables;        /* the lower half is the program's */
    uint64_t entry, stack_pointer;     /* where it starts */
    size_t pages;                      /* user pages mapped */
};

/* Build a space for `image` (from elf_parse over `file`) with `argv` on its stack.
 * Returns 0, -E2BIG (too many or too long arguments) or -ENOMEM; on error nothing stays
 * allocated. Task context. */
int uspace_create(struct uspace *space, const struct elf_image *image, const void *file,
                  int argc, char *const argv[]);

/* Release every page and table of the space. Cannot fail. */
void uspace_destroy(struct uspace *space);

/* Copy `len` bytes from user address `src` into `dst`, or from `src` to user address
 * `dst`. Return 0 or -EFAULT (then nothing is copied: the whole range is checked before
 * the first byte moves). */
int uspace_copy_in(const struct uspace *space, void *dst, uint64_t src, size_t len);
int uspace_copy_out(const struct uspace *space, uint64_t dst, const void *src, size_t len);

/* Check without copying: 0 if every byte of [addr, addr + len) is user memory, mapped,
 * and writable if `write`; otherwise -EFAULT. */
int uspace_check(const struct uspace *space, uint64_t addr, size_t len, bool write);

/* Copy a NUL-terminated string of at most `max - 1` characters from user address
 * `src`. Returns its length, -EFAULT, or -ENAMETOOLONG if no NUL comes within `max`
 * bytes (the checked bytes were mapped). `dst` is NUL-terminated on success. */
long uspace_string_in(const struct uspace *space, char *dst, uint64_t src, size_t max);

#endif
