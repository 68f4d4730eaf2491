/*
 * fuzz_multiboot2.c - libFuzzer target for the multiboot2 information parser
 * (kernel/boot/boot_info.c): the input is the structure GRUB leaves at the physical
 * address in EBX (total_size, reserved, then the tags), placed at INFO_PHYS of a fake
 * physical memory, and parsed with the multiboot2 magic in EAX. Like
 * tests/unit/boot_info_fixture.h, map() hands out an exact-size heap copy of each range it
 * is asked for, so ASan catches a read outside what the parser mapped. Checked on success:
 * the bounds of every table and string, modules that end after they start, and ELF
 * section headers that lie inside the structure; on failure, a reason.
 */
#include "fuzz.h"
#include "boot_info.h"
#include "errno.h"
#include "multiboot.h"

#define INFO_PHYS 0x10000u                 /* 8-byte aligned, as multiboot2 promises */

static const uint8_t *input;
static size_t input_size;
static void *copies[4096];
static size_t copy_count;

/* Memory is the input, at INFO_PHYS; everything else reads as unmapped. */
static const void *map(uint64_t phys, size_t len, void *ctx)
{
    (void)ctx;
    if (phys < INFO_PHYS || phys - INFO_PHYS > input_size ||
        len > input_size - (phys - INFO_PHYS))
        return NULL;
    FUZZ_CHECK(copy_count < ARRAY_SIZE(copies));
    void *copy = fuzz_copy(input + (phys - INFO_PHYS), len);
    copies[copy_count++] = copy;
    return copy;
}

static bool terminated(const char *text, size_t size)
{
    return strnlen(text, size) < size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct boot_info info;
    const struct boot_memory memory = { .map = map, .ctx = NULL };
    const char *error = NULL;
    input = data;
    input_size = size;
    copy_count = 0;
    memset(&info, 0xa5, sizeof(info));        /* the parser must set what it reports */
    int rc = boot_info_parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS, &memory, &info, &error);
    while (copy_count)
        free(copies[--copy_count]);

    if (rc != 0) {
        FUZZ_CHECK(rc == -EINVAL && error != NULL && error[0] != '\0');
        return 0;
    }
    FUZZ_CHECK(info.protocol == BOOT_PROTOCOL_MULTIBOOT2 && info.info_phys == INFO_PHYS);
    uint32_t total;
    FUZZ_CHECK(size >= sizeof(total));
    memcpy(&total, data, sizeof(total));
    FUZZ_CHECK(info.info_size == total && total <= size && total <= BOOT_INFO_MAX_SIZE);
    FUZZ_CHECK(terminated(info.cmdline, sizeof(info.cmdline)));
    FUZZ_CHECK(terminated(info.loader_name, sizeof(info.loader_name)));
    FUZZ_CHECK(info.mmap_count <= BOOT_MMAP_MAX && info.module_count <= BOOT_MODULES_MAX);
    for (size_t i = 0; i < info.module_count; i++) {
        FUZZ_CHECK(info.modules[i].start <= info.modules[i].end);
        FUZZ_CHECK(terminated(info.modules[i].name, sizeof(info.modules[i].name)));
    }
    if (info.elf_sections.count) {             /* the headers follow their tag */
        uint64_t at = info.elf_sections.addr;
        uint64_t bytes = (uint64_t)info.elf_sections.count * info.elf_sections.entry_size;
        FUZZ_CHECK(at >= INFO_PHYS && at - INFO_PHYS <= total);
        FUZZ_CHECK(bytes <= total - (at - INFO_PHYS));
    }
    /* The queries the kernel makes of the result. */
    (void)boot_info_available_bytes(&info);
    (void)boot_info_has_option(&info, "gdb");
    (void)boot_info_has_option(&info, "");
    const struct boot_module *initrd = boot_info_module(&info, "initrd");
    FUZZ_CHECK(!initrd || (initrd >= info.modules && initrd < info.modules + info.module_count));
    return 0;
}
