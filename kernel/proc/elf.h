/*
 * elf.h - validate a static ELF64 x86_64 executable for ring 3 and describe its loadable
 * segments. A pure parser: no allocation, no globals, no kernel services, so the same
 * code runs in the kernel and in the host unit test (tests/unit/test_elf.c) under ASan.
 * The loader (its caller) copies each segment's bytes into fresh frames and maps them
 * with the segment's permissions; this file only decides whether that is safe to do,
 * and is the one place that decides it: the loader (process_spawn) and `ls` both ask it.
 */
#ifndef LOCKSTEP_PROC_ELF_H
#define LOCKSTEP_PROC_ELF_H

#include "compiler.h"

#define ELF_MAX_SEGMENTS 8     /* PT_LOAD headers allowed per file, empty ones included */
#define ELF_SEGMENT_READ  4    /* same values as ELF's PF_R/PF_W/PF_X */
#define ELF_SEGMENT_WRITE 2
#define ELF_SEGMENT_EXEC  1

/* One non-empty PT_LOAD segment: map [vaddr, vaddr + memsz) with `flags`, copy the
 * file's [offset, offset + filesz) to vaddr, and zero the rest (filesz <= memsz). */
struct elf_segment {
    uint64_t vaddr, memsz;     /* inside [USER_BASE, USER_SEGMENTS_END); no page shared
                                  with another segment */
    uint64_t offset, filesz;   /* inside the file (offset is not checked when filesz is 0) */
    uint32_t flags;            /* ELF_SEGMENT_*; never WRITE and EXEC together */
};

struct elf_image {
    uint64_t entry;            /* inside a segment whose flags have ELF_SEGMENT_EXEC */
    size_t segment_count;      /* 1..ELF_MAX_SEGMENTS, in program header order */
    struct elf_segment segments[ELF_MAX_SEGMENTS];
};

/* Validate `file` (size bytes) as an ET_EXEC x86_64 executable whose PT_LOAD segments lie
 * where a program's may (layout.h): in [USER_BASE, USER_SEGMENTS_END), below the user
 * stack and its guard page, which the loader maps under USER_END. Returns 0 with *out
 * filled, or -ENOEXEC with *error set to a static one-line reason ("PT_LOAD segment 2:
 * both writable and executable (W^X)", "PT_LOAD segment 3: overlaps the user stack or
 * its guard page (...)"; the number counts PT_LOAD headers from 0, in `readelf -l`
 * order); *out is then partly written and meaningless, and *error is untouched on
 * success. Refuses PT_INTERP (a dynamically linked program). Skips PT_LOAD headers with
 * p_memsz 0 (they map nothing) and ignores every other program header type
 * (PT_GNU_STACK, PT_NOTE, PT_TLS, ...), p_align and p_paddr; p_offset and p_vaddr need
 * not be congruent modulo the page size. Pure, never blocks, and never reads outside
 * [file, file + size); `file` need not be aligned. */
int elf_parse(const void *file, size_t size, struct elf_image *out, const char **error);

#endif
