/*
 * fuzz_elf.c - libFuzzer target for the ELF64 validator (kernel/proc/elf.c): the input is
 * the file. Whenever elf_parse accepts, elf.h's promises are checked one by one: 1 to 8
 * segments, each non-empty, filesz <= memsz, its file bytes inside the file, its pages
 * in [USER_BASE, USER_SEGMENTS_END) (below the user stack and its guard page) and shared
 * with no other segment, never writable and executable, and the entry point inside an
 * executable segment.
 */
#include "fuzz.h"
#include "elf.h"
#include "errno.h"
#include "layout.h"

#define PAGE 4096ull

static void check_image(const struct elf_image *image, size_t size)
{
    FUZZ_CHECK(image->segment_count >= 1 && image->segment_count <= ELF_MAX_SEGMENTS);
    bool entry_found = false;
    for (size_t i = 0; i < image->segment_count; i++) {
        const struct elf_segment *s = &image->segments[i];
        FUZZ_CHECK(s->memsz > 0 && s->filesz <= s->memsz);
        FUZZ_CHECK(s->filesz == 0 || (s->offset <= size && s->filesz <= size - s->offset));
        FUZZ_CHECK(s->vaddr >= USER_BASE && s->vaddr < USER_SEGMENTS_END);
        FUZZ_CHECK(s->memsz <= USER_SEGMENTS_END - s->vaddr);
        FUZZ_CHECK((s->flags & ~(uint32_t)(ELF_SEGMENT_READ | ELF_SEGMENT_WRITE |
                                           ELF_SEGMENT_EXEC)) == 0);
        FUZZ_CHECK(!((s->flags & ELF_SEGMENT_WRITE) && (s->flags & ELF_SEGMENT_EXEC)));
        uint64_t first = s->vaddr / PAGE, last = (s->vaddr + s->memsz - 1) / PAGE;
        for (size_t j = 0; j < i; j++) {
            const struct elf_segment *o = &image->segments[j];
            uint64_t o_first = o->vaddr / PAGE, o_last = (o->vaddr + o->memsz - 1) / PAGE;
            FUZZ_CHECK(last < o_first || o_last < first);
        }
        if (image->entry >= s->vaddr && image->entry - s->vaddr < s->memsz) {
            FUZZ_CHECK(s->flags & ELF_SEGMENT_EXEC);
            entry_found = true;
        }
    }
    FUZZ_CHECK(entry_found);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct elf_image image;
    const char *error = NULL;
    int rc = elf_parse(data, size, &image, &error);
    if (rc == 0) {
        FUZZ_CHECK(error == NULL);             /* untouched on success */
        check_image(&image, size);
    } else {
        FUZZ_CHECK(rc == -ENOEXEC && error != NULL && error[0] != '\0');
    }
    return 0;
}
