/*
 * boot_info.h - what the boot loader told us, in one plain struct, whichever protocol
 * (multiboot v1 from QEMU -kernel, multiboot2 from GRUB) delivered it. Everything is
 * copied out of the loader's memory, so that memory may be reused afterwards; modules
 * stay where the loader put them and are listed by physical range.
 */
#ifndef LOCKSTEP_BOOT_BOOT_INFO_H
#define LOCKSTEP_BOOT_BOOT_INFO_H

#include "compiler.h"

#define BOOT_CMDLINE_MAX   256
#define BOOT_LOADER_MAX    64
#define BOOT_MMAP_MAX      64
#define BOOT_MODULES_MAX   16
#define BOOT_MODULE_NAME_MAX 64
#define BOOT_INFO_MAX_SIZE (1u << 20)   /* larger multiboot2 information is refused */

enum boot_protocol {
    BOOT_PROTOCOL_NONE = 0,
    BOOT_PROTOCOL_MULTIBOOT1,
    BOOT_PROTOCOL_MULTIBOOT2,
};

enum boot_memory_type {        /* the multiboot numbering (both versions agree) */
    BOOT_MEMORY_AVAILABLE = 1,
    BOOT_MEMORY_RESERVED = 2,
    BOOT_MEMORY_ACPI_RECLAIMABLE = 3,
    BOOT_MEMORY_NVS = 4,
    BOOT_MEMORY_BAD = 5,
};

struct boot_memory_region {
    uint64_t base;
    uint64_t length;
    uint32_t type;             /* enum boot_memory_type; other values: reserved */
};

struct boot_module {
    uint64_t start, end;       /* physical, end exclusive */
    char name[BOOT_MODULE_NAME_MAX];   /* its string; if too long, its end, which names it */
};

struct boot_info {
    enum boot_protocol protocol;
    uint64_t info_phys;                  /* where the loader's structure was */
    uint64_t info_size;                  /* its size (multiboot v1: the fixed part) */
    char cmdline[BOOT_CMDLINE_MAX];
    char loader_name[BOOT_LOADER_MAX];
    uint32_t mem_lower_kib, mem_upper_kib;
    size_t mmap_count;
    struct boot_memory_region mmap[BOOT_MMAP_MAX];
    size_t module_count;
    struct boot_module modules[BOOT_MODULES_MAX];
    struct {
        uint64_t addr;                   /* physical address of the section headers */
        uint32_t count, entry_size, string_index;
    } elf_sections;                      /* count 0: the loader gave none */
    bool truncated;                      /* something did not fit and was cut short */
};

/* How the parser reaches the loader's memory: return a pointer to `len` readable bytes
 * at physical `phys`, or NULL if they are not all readable. */
struct boot_memory {
    const void *(*map)(uint64_t phys, size_t len, void *ctx);
    void *ctx;
};

/* Parse the loader's information at `info_phys` according to `magic`. Returns 0, or
 * -EINVAL with `*error` set to a one-line reason (wrong magic, truncated or malformed
 * structure); `out` is then only partly filled. Never reads outside what `mem` maps. */
int boot_info_parse(uint32_t magic, uint64_t info_phys, const struct boot_memory *mem,
                    struct boot_info *out, const char **error);

/* "multiboot2" / "multiboot1" / "none". */
const char *boot_protocol_name(enum boot_protocol protocol);
/* "available", "reserved", "ACPI reclaimable", "ACPI NVS", "bad". */
const char *boot_memory_type_name(uint32_t type);

/* Total bytes of available memory in the map. */
uint64_t boot_info_available_bytes(const struct boot_info *info);

/* True when the kernel command line has the word `word` (space separated). */
bool boot_info_has_option(const struct boot_info *info, const char *word);

/* The first module whose command line's last word is `name` (GRUB: `module2 FILE name`;
 * QEMU -initrd "FILE name" hands over "FILE name"), or NULL. */
const struct boot_module *boot_info_module(const struct boot_info *info, const char *name);

#endif
