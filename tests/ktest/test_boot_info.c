/*
 * test_boot_info.c - both boot paths reach kmain with a complete struct boot_info, and
 * a loader with the wrong magic is refused with a reason.
 */
#include "boot_info.h"
#include "errno.h"
#include "ktest.h"
#include "string.h"

extern const struct boot_info *ktest_boot;

KTEST(boot_info_from_loader)
{
    const struct boot_info *b = ktest_boot;
    KCHECK(b->protocol == BOOT_PROTOCOL_MULTIBOOT1 || b->protocol == BOOT_PROTOCOL_MULTIBOOT2);
    if (b->protocol == BOOT_PROTOCOL_MULTIBOOT2) {
        KCHECK(strncmp(b->loader_name, "GRUB", 4) == 0);
        KCHECK(b->elf_sections.count > 0);           /* GRUB passes the section headers */
    } else {
        KCHECK_STR(b->loader_name, "qemu");
    }
    KCHECK(boot_info_has_option(b, "ktest"));
    KCHECK(b->mmap_count >= 2);
    uint64_t available = boot_info_available_bytes(b);
    KCHECK(available > 100ull << 20 && available <= 128ull << 20);   /* -m 128M */
    KCHECK(b->mem_lower_kib > 0 && b->mem_upper_kib > 0);
    KCHECK(!b->truncated);
}

static const void *no_memory(uint64_t phys, size_t len, void *ctx)
{
    (void)phys, (void)len, (void)ctx;
    return NULL;
}

KTEST(boot_info_rejects_wrong_magic)
{
    static struct boot_info info;
    const struct boot_memory mem = { .map = no_memory };
    const char *error = NULL;
    KCHECK_EQ(boot_info_parse(0xdeadbeef, 0x10000, &mem, &info, &error), (uint64_t)-EINVAL);
    KCHECK(error && strstr(error, "wrong magic"));
}
