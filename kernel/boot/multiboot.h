/*
 * multiboot.h - the structures a multiboot loader hands the kernel.
 * Multiboot v1 (QEMU -kernel): "Multiboot Specification version 0.6.96", 3.3.
 * Multiboot2 (GRUB 2): "Multiboot2 Specification version 2.0", 3.6; the ELF-sections tag
 * follows GRUB's own multiboot2.h (32-bit num/entsize/shndx), which is what GRUB writes.
 * Only boot_info.c reads these; everything else sees struct boot_info.
 */
#ifndef LOCKSTEP_BOOT_MULTIBOOT_H
#define LOCKSTEP_BOOT_MULTIBOOT_H

#include "compiler.h"

#define MB1_BOOTLOADER_MAGIC 0x2badb002
#define MB2_BOOTLOADER_MAGIC 0x36d76289

/* ---- multiboot v1 ---- */
struct mb1_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;          /* flags bit 0, KiB */
    uint32_t boot_device;                   /* bit 1 */
    uint32_t cmdline;                       /* bit 2: physical address of a C string */
    uint32_t mods_count, mods_addr;         /* bit 3 */
    uint32_t elf_num, elf_size, elf_addr, elf_shndx;   /* bit 5 (bit 4: a.out, unused) */
    uint32_t mmap_length, mmap_addr;        /* bit 6 */
    uint32_t drives_length, drives_addr;    /* bit 7 */
    uint32_t config_table;                  /* bit 8 */
    uint32_t boot_loader_name;              /* bit 9: physical address of a C string */
} __packed;
ASSERT_SIZE(struct mb1_info, 68);
ASSERT_OFFSET(struct mb1_info, cmdline, 16);
ASSERT_OFFSET(struct mb1_info, elf_num, 28);
ASSERT_OFFSET(struct mb1_info, mmap_length, 44);
ASSERT_OFFSET(struct mb1_info, boot_loader_name, 64);

#define MB1_INFO_MEMORY     (1u << 0)
#define MB1_INFO_CMDLINE    (1u << 2)
#define MB1_INFO_MODULES    (1u << 3)
#define MB1_INFO_ELF        (1u << 5)
#define MB1_INFO_MMAP       (1u << 6)
#define MB1_INFO_LOADER     (1u << 9)

struct mb1_mmap_entry {
    uint32_t size;                          /* of the rest of the entry (not this field) */
    uint64_t base;
    uint64_t length;
    uint32_t type;
} __packed;
ASSERT_SIZE(struct mb1_mmap_entry, 24);

struct mb1_module {
    uint32_t start, end;                    /* physical, end exclusive */
    uint32_t string;                        /* physical address of a C string */
    uint32_t reserved;
} __packed;
ASSERT_SIZE(struct mb1_module, 16);

/* ---- multiboot2 ---- */
struct mb2_info_header {
    uint32_t total_size;                    /* including this header and the end tag */
    uint32_t reserved;
} __packed;
ASSERT_SIZE(struct mb2_info_header, 8);

struct mb2_tag {
    uint32_t type;
    uint32_t size;                          /* including this header; next tag 8-aligned */
} __packed;
ASSERT_SIZE(struct mb2_tag, 8);

enum mb2_tag_type {
    MB2_TAG_END = 0,
    MB2_TAG_CMDLINE = 1,
    MB2_TAG_LOADER_NAME = 2,
    MB2_TAG_MODULE = 3,
    MB2_TAG_BASIC_MEMINFO = 4,
    MB2_TAG_MMAP = 6,
    MB2_TAG_ELF_SECTIONS = 9,
};

struct mb2_tag_module {
    struct mb2_tag tag;
    uint32_t start, end;
    char string[];
} __packed;
ASSERT_SIZE(struct mb2_tag_module, 16);

struct mb2_tag_meminfo {
    struct mb2_tag tag;
    uint32_t mem_lower, mem_upper;
} __packed;
ASSERT_SIZE(struct mb2_tag_meminfo, 16);

struct mb2_tag_mmap {
    struct mb2_tag tag;
    uint32_t entry_size;                    /* a multiple of 8, at least 24 */
    uint32_t entry_version;                 /* 0 */
} __packed;
ASSERT_SIZE(struct mb2_tag_mmap, 16);

struct mb2_mmap_entry {
    uint64_t base;
    uint64_t length;
    uint32_t type;
    uint32_t reserved;
} __packed;
ASSERT_SIZE(struct mb2_mmap_entry, 24);

struct mb2_tag_elf_sections {
    struct mb2_tag tag;
    uint32_t num, entsize, shndx;
} __packed;
ASSERT_SIZE(struct mb2_tag_elf_sections, 20);

#endif
