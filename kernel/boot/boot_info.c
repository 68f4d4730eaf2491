/*
 * boot_info.c - multiboot v1 and multiboot2 information -> struct boot_info.
 * Called once by kmain (and by host tests with hostile input). Every read goes through
 * boot_memory.map with an explicit length, and every length the loader gives is checked
 * against the structure that contains it, so malformed or truncated information yields
 * -EINVAL and a reason, never a read out of bounds.
 */
#include "boot_info.h"
#include "errno.h"
#include "multiboot.h"
#include "string.h"

#define FAIL(why) do { *error = (why); return -EINVAL; } while (0)

/* Copy a NUL-terminated string from physical memory, at most dst_size-1 characters. */
static int copy_phys_string(const struct boot_memory *mem, uint64_t phys, char *dst,
                            size_t dst_size, bool *truncated)
{
    size_t i = 0;
    for (; i + 1 < dst_size; i++) {
        const char *c = mem->map(phys + i, 1, mem->ctx);
        if (!c) {
            dst[i] = '\0';
            return -EINVAL;
        }
        if (*c == '\0')
            break;
        dst[i] = *c;
    }
    dst[i] = '\0';
    if (i + 1 == dst_size) {                      /* full: is there more, or the NUL? */
        const char *c = mem->map(phys + i, 1, mem->ctx);
        if (!c)
            return -EINVAL;                       /* no terminator in readable memory */
        if (*c)
            *truncated = true;
    }
    return 0;
}

/* Copy a string that must end inside [text, text+len). */
static int copy_bounded_string(const char *text, size_t len, char *dst, size_t dst_size,
                               bool *truncated)
{
    size_t n = strnlen(text, len);
    if (n == len)
        return -EINVAL;                           /* no terminator inside the tag */
    if (n >= dst_size) {
        n = dst_size - 1;
        *truncated = true;
    }
    memcpy(dst, text, n);
    dst[n] = '\0';
    return 0;
}

/* A module's string too long for its name keeps its end, which names it (a path, then
 * the name boot_info_module looks for: "/a/long/path/initrd.tar initrd"). `n` bytes of
 * `text`, no NUL among them. */
static void copy_module_name(const char *text, size_t n, struct boot_module *m,
                             bool *truncated)
{
    if (n >= sizeof(m->name)) {
        text += n - (sizeof(m->name) - 1);
        n = sizeof(m->name) - 1;
        *truncated = true;
    }
    memcpy(m->name, text, n);
    m->name[n] = '\0';
}

/* The same from a multiboot v1 module string in physical memory: its length first, a
 * byte at a time. One with no NUL in its first MODULE_STRING_SCAN bytes keeps its start. */
#define MODULE_STRING_SCAN 4096
static int copy_phys_module_name(const struct boot_memory *mem, uint64_t phys,
                                 struct boot_module *m, bool *truncated)
{
    size_t n = 0;
    for (;; n++) {
        const char *c = mem->map(phys + n, 1, mem->ctx);
        if (!c)
            return -EINVAL;
        if (*c == '\0')
            break;
        if (n == MODULE_STRING_SCAN)
            return copy_phys_string(mem, phys, m->name, sizeof(m->name), truncated);
    }
    const char *text = mem->map(phys, n + 1, mem->ctx);
    if (!text)
        return -EINVAL;
    copy_module_name(text, n, m, truncated);
    return 0;
}

static void add_region(struct boot_info *out, uint64_t base, uint64_t length, uint32_t type)
{
    if (out->mmap_count == BOOT_MMAP_MAX) {
        out->truncated = true;
        return;
    }
    struct boot_memory_region *r = &out->mmap[out->mmap_count++];
    r->base = base;
    r->length = length;
    r->type = type;
}

static struct boot_module *add_module(struct boot_info *out, uint64_t start, uint64_t end)
{
    if (out->module_count == BOOT_MODULES_MAX) {
        out->truncated = true;
        return NULL;
    }
    struct boot_module *m = &out->modules[out->module_count++];
    m->start = start;
    m->end = end;
    m->name[0] = '\0';
    return m;
}

static int parse_multiboot1(uint64_t info_phys, const struct boot_memory *mem,
                            struct boot_info *out, const char **error)
{
    const struct mb1_info *info = mem->map(info_phys, sizeof(*info), mem->ctx);
    if (!info)
        FAIL("multiboot1: information structure is not readable");
    out->info_size = sizeof(*info);

    if (info->flags & MB1_INFO_MEMORY) {
        out->mem_lower_kib = info->mem_lower;
        out->mem_upper_kib = info->mem_upper;
    }
    if ((info->flags & MB1_INFO_CMDLINE) &&
        copy_phys_string(mem, info->cmdline, out->cmdline, sizeof(out->cmdline),
                         &out->truncated))
        FAIL("multiboot1: command line is not readable");
    if ((info->flags & MB1_INFO_LOADER) &&
        copy_phys_string(mem, info->boot_loader_name, out->loader_name,
                         sizeof(out->loader_name), &out->truncated))
        FAIL("multiboot1: boot loader name is not readable");

    if (info->flags & MB1_INFO_MMAP) {
        const uint8_t *map = mem->map(info->mmap_addr, info->mmap_length, mem->ctx);
        if (!map)
            FAIL("multiboot1: memory map is not readable");
        size_t offset = 0;
        while (offset < info->mmap_length) {
            if (info->mmap_length - offset < sizeof(struct mb1_mmap_entry))
                FAIL("multiboot1: memory map entry truncated");
            struct mb1_mmap_entry e;
            memcpy(&e, map + offset, sizeof(e));
            if (e.size < sizeof(e) - sizeof(e.size))
                FAIL("multiboot1: memory map entry too small");
            if (e.size > info->mmap_length - offset - sizeof(e.size))
                FAIL("multiboot1: memory map entry runs past the map");
            add_region(out, e.base, e.length, e.type);
            offset += e.size + sizeof(e.size);
        }
    }

    if ((info->flags & MB1_INFO_MODULES) && info->mods_count) {
        if (info->mods_count > BOOT_INFO_MAX_SIZE / sizeof(struct mb1_module))
            FAIL("multiboot1: absurd module count");
        size_t bytes = info->mods_count * sizeof(struct mb1_module);
        const struct mb1_module *mods = mem->map(info->mods_addr, bytes, mem->ctx);
        if (!mods)
            FAIL("multiboot1: module list is not readable");
        for (uint32_t i = 0; i < info->mods_count; i++) {
            struct mb1_module mod;
            memcpy(&mod, &mods[i], sizeof(mod));
            if (mod.end < mod.start)
                FAIL("multiboot1: module ends before it starts");
            struct boot_module *m = add_module(out, mod.start, mod.end);
            if (m && mod.string && copy_phys_module_name(mem, mod.string, m, &out->truncated))
                FAIL("multiboot1: module name is not readable");
        }
    }

    if (info->flags & MB1_INFO_ELF) {
        out->elf_sections.addr = info->elf_addr;
        out->elf_sections.count = info->elf_num;
        out->elf_sections.entry_size = info->elf_size;
        out->elf_sections.string_index = info->elf_shndx;
    }
    return 0;
}

/* `base` is where the whole structure (at out->info_phys) is mapped. */
static int parse_tag(const struct mb2_tag *tag, const char *base, struct boot_info *out,
                     const char **error)
{
    const char *body = (const char *)tag + sizeof(*tag);
    size_t body_len = tag->size - sizeof(*tag);

    switch (tag->type) {
    case MB2_TAG_CMDLINE:
        if (copy_bounded_string(body, body_len, out->cmdline, sizeof(out->cmdline),
                                &out->truncated))
            FAIL("multiboot2: command line tag has no terminating NUL");
        break;
    case MB2_TAG_LOADER_NAME:
        if (copy_bounded_string(body, body_len, out->loader_name, sizeof(out->loader_name),
                                &out->truncated))
            FAIL("multiboot2: boot loader name tag has no terminating NUL");
        break;
    case MB2_TAG_BASIC_MEMINFO: {
        if (tag->size < sizeof(struct mb2_tag_meminfo))
            FAIL("multiboot2: memory information tag too small");
        const struct mb2_tag_meminfo *m = (const void *)tag;
        out->mem_lower_kib = m->mem_lower;
        out->mem_upper_kib = m->mem_upper;
        break;
    }
    case MB2_TAG_MODULE: {
        if (tag->size < sizeof(struct mb2_tag_module) + 1)
            FAIL("multiboot2: module tag too small");
        const struct mb2_tag_module *m = (const void *)tag;
        if (m->end < m->start)
            FAIL("multiboot2: module ends before it starts");
        struct boot_module *mod = add_module(out, m->start, m->end);
        size_t len = tag->size - sizeof(*m), n = strnlen(m->string, len);
        if (n == len)
            FAIL("multiboot2: module name has no terminating NUL");
        if (mod)
            copy_module_name(m->string, n, mod, &out->truncated);
        break;
    }
    case MB2_TAG_MMAP: {
        if (tag->size < sizeof(struct mb2_tag_mmap))
            FAIL("multiboot2: memory map tag too small");
        const struct mb2_tag_mmap *m = (const void *)tag;
        if (m->entry_size < sizeof(struct mb2_mmap_entry) || m->entry_size % 8)
            FAIL("multiboot2: memory map entry size is not a multiple of 8 of at least 24");
        size_t entries = (tag->size - sizeof(*m)) / m->entry_size;
        if ((tag->size - sizeof(*m)) % m->entry_size)
            FAIL("multiboot2: memory map tag ends inside an entry");
        const char *first = (const char *)m + sizeof(*m);
        for (size_t i = 0; i < entries; i++) {
            struct mb2_mmap_entry e;
            memcpy(&e, first + i * m->entry_size, sizeof(e));
            add_region(out, e.base, e.length, e.type);
        }
        break;
    }
    case MB2_TAG_ELF_SECTIONS: {
        if (tag->size < sizeof(struct mb2_tag_elf_sections))
            FAIL("multiboot2: ELF sections tag too small");
        const struct mb2_tag_elf_sections *e = (const void *)tag;
        if ((uint64_t)e->num * e->entsize > tag->size - sizeof(*e))
            FAIL("multiboot2: ELF sections tag shorter than its section headers");
        out->elf_sections.count = e->num;
        out->elf_sections.entry_size = e->entsize;
        out->elf_sections.string_index = e->shndx;
        /* The headers follow the tag inside the information structure. */
        out->elf_sections.addr =
            out->info_phys + (uint64_t)((const char *)e + sizeof(*e) - base);
        break;
    }
    default:
        break;                                        /* tags we do not use */
    }
    return 0;
}

static int parse_multiboot2(uint64_t info_phys, const struct boot_memory *mem,
                            struct boot_info *out, const char **error)
{
    if (info_phys & 7)
        FAIL("multiboot2: information structure is not 8-byte aligned");
    const struct mb2_info_header *header = mem->map(info_phys, sizeof(*header), mem->ctx);
    if (!header)
        FAIL("multiboot2: information structure is not readable");
    uint32_t total = header->total_size;
    if (total < sizeof(*header) + sizeof(struct mb2_tag))
        FAIL("multiboot2: total_size too small for an end tag");
    if (total > BOOT_INFO_MAX_SIZE)
        FAIL("multiboot2: total_size larger than 1 MiB");
    const char *base = mem->map(info_phys, total, mem->ctx);
    if (!base)
        FAIL("multiboot2: information structure is truncated (total_size not readable)");
    out->info_size = total;

    size_t offset = sizeof(*header);
    for (;;) {
        if (total - offset < sizeof(struct mb2_tag))
            FAIL("multiboot2: tag list ends without an end tag");
        const struct mb2_tag *tag = (const void *)(base + offset);
        if (tag->size < sizeof(*tag))
            FAIL("multiboot2: tag smaller than its header");
        if (tag->size > total - offset)
            FAIL("multiboot2: tag runs past total_size");
        if (tag->type == MB2_TAG_END) {
            if (tag->size != sizeof(*tag))
                FAIL("multiboot2: end tag with a size other than 8");
            break;
        }
        int err = parse_tag(tag, base, out, error);
        if (err)
            return err;
        size_t next = ALIGN_UP((size_t)tag->size, 8);
        if (next > total - offset)
            FAIL("multiboot2: tag list ends without an end tag");
        offset += next;
    }
    return 0;
}

int boot_info_parse(uint32_t magic, uint64_t info_phys, const struct boot_memory *mem,
                    struct boot_info *out, const char **error)
{
    memset(out, 0, sizeof(*out));
    out->info_phys = info_phys;
    if (magic == MB2_BOOTLOADER_MAGIC) {
        out->protocol = BOOT_PROTOCOL_MULTIBOOT2;
        return parse_multiboot2(info_phys, mem, out, error);
    }
    if (magic == MB1_BOOTLOADER_MAGIC) {
        out->protocol = BOOT_PROTOCOL_MULTIBOOT1;
        return parse_multiboot1(info_phys, mem, out, error);
    }
    FAIL("not loaded by a multiboot loader (wrong magic in EAX)");
}

const char *boot_protocol_name(enum boot_protocol protocol)
{
    switch (protocol) {
    case BOOT_PROTOCOL_MULTIBOOT1: return "multiboot1";
    case BOOT_PROTOCOL_MULTIBOOT2: return "multiboot2";
    default:                       return "none";
    }
}

const char *boot_memory_type_name(uint32_t type)
{
    switch (type) {
    case BOOT_MEMORY_AVAILABLE:        return "available";
    case BOOT_MEMORY_ACPI_RECLAIMABLE: return "ACPI reclaimable";
    case BOOT_MEMORY_NVS:              return "ACPI NVS";
    case BOOT_MEMORY_BAD:              return "bad";
    default:                           return "reserved";
    }
}

uint64_t boot_info_available_bytes(const struct boot_info *info)
{
    uint64_t total = 0;
    for (size_t i = 0; i < info->mmap_count; i++) {
        if (info->mmap[i].type == BOOT_MEMORY_AVAILABLE)
            total += info->mmap[i].length;
    }
    return total;
}

bool boot_info_has_option(const struct boot_info *info, const char *word)
{
    size_t n = strlen(word);
    const char *p = info->cmdline;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *start = p;
        while (*p && *p != ' ')
            p++;
        if ((size_t)(p - start) == n && n && strncmp(start, word, n) == 0)
            return true;
    }
    return false;
}

const struct boot_module *boot_info_module(const struct boot_info *info, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < info->module_count; i++) {
        const char *text = info->modules[i].name;
        size_t len = strlen(text);
        while (len > 0 && text[len - 1] == ' ')
            len--;
        if (n && len >= n && strncmp(text + len - n, name, n) == 0 &&
            (len == n || text[len - n - 1] == ' '))
            return &info->modules[i];
    }
    return NULL;
}
