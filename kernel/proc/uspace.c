/*
 * uspace.c - building a program's address space and reaching into it (uspace.h).
 * The kernel never dereferences a user pointer: it translates each page through the
 * program's tables and reads or writes the frame through the physical memory window,
 * so the same code works whichever tables are live, and an address the program does
 * not own is refused before anything is copied.
 */
#include "uspace.h"
#include "errno.h"
#include "layout.h"
#include "string.h"
#include "vmm.h"

/* Walk [virt, virt + len) in the space, page by page: check every page has `need`
 * (PTE_USER, plus PTE_WRITABLE for writes), then, if `copy` is set, call it for each
 * piece. Returns 0 or -EFAULT (then copy was never called). */
static int walk_range(const struct uspace *space, uint64_t virt, size_t len, uint64_t need,
                      void (*copy)(void *frame_bytes, size_t done, size_t n, void *ctx),
                      void *ctx)
{
    if (virt < USER_BASE || virt >= USER_END || len > USER_END - virt)
        return len == 0 ? 0 : -EFAULT;
    for (int pass = 0; pass < 2; pass++) {          /* 0: check everything; 1: copy */
        size_t done = 0;
        while (done < len) {
            uint64_t at = virt + done, phys, flags;
            size_t n = PAGE_SIZE - (at & (PAGE_SIZE - 1));
            if (n > len - done)
                n = len - done;
            if (!paging_query(&space->tables, ALIGN_DOWN(at, PAGE_SIZE), &phys, &flags) ||
                (flags & need) != need)
                return -EFAULT;
            if (pass == 1)
                copy((uint8_t *)phys_to_virt(phys) + (at & (PAGE_SIZE - 1)), done, n, ctx);
            done += n;
        }
        if (!copy)
            break;
    }
    return 0;
}

static void copy_from_frame(void *frame_bytes, size_t done, size_t n, void *ctx)
{
    memcpy((uint8_t *)ctx + done, frame_bytes, n);
}

static void copy_to_frame(void *frame_bytes, size_t done, size_t n, void *ctx)
{
    memcpy(frame_bytes, (const uint8_t *)ctx + done, n);
}

int uspace_copy_in(const struct uspace *space, void *dst, uint64_t src, size_t len)
{
    return walk_range(space, src, len, PTE_USER, copy_from_frame, dst);
}

int uspace_copy_out(const struct uspace *space, uint64_t dst, const void *src, size_t len)
{
    return walk_range(space, dst, len, PTE_USER | PTE_WRITABLE, copy_to_frame, (void *)src);
}

int uspace_check(const struct uspace *space, uint64_t addr, size_t len, bool write)
{
    return walk_range(space, addr, len, PTE_USER | (write ? PTE_WRITABLE : 0), NULL, NULL);
}

long uspace_string_in(const struct uspace *space, char *dst, uint64_t src, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        if (uspace_copy_in(space, &dst[i], src + i, 1) != 0)
            return -EFAULT;
        if (dst[i] == '\0')
            return (long)i;
    }
    if (max > 0)
        dst[max - 1] = '\0';
    return -ENAMETOOLONG;
}

/* The loader writes read-only and execute-only pages too: only the user bit is asked. */
static int load_bytes(struct uspace *space, uint64_t dst, const void *src, size_t len)
{
    return walk_range(space, dst, len, PTE_USER, copy_to_frame, (void *)src);
}

static int map_range(struct uspace *space, uint64_t start, uint64_t end, uint64_t flags)
{
    for (uint64_t page = ALIGN_DOWN(start, PAGE_SIZE); page < end; page += PAGE_SIZE) {
        int err = vmm_user_map_new(&space->tables, page, flags, NULL);
        if (err)
            return err;
        space->pages++;
    }
    return 0;
}

static int load_segment(struct uspace *space, const struct elf_segment *s, const void *file)
{
    uint64_t flags = (s->flags & ELF_SEGMENT_WRITE ? PTE_WRITABLE : 0) |
                     (s->flags & ELF_SEGMENT_EXEC ? 0 : PTE_NX);
    int err = map_range(space, s->vaddr, s->vaddr + s->memsz, flags);
    if (!err)                                       /* fresh frames are zero: .bss is done */
        err = load_bytes(space, s->vaddr, (const uint8_t *)file + s->offset, s->filesz);
    return err;
}

/* The System V process entry stack (ABI AMD64 3.4.1), without auxiliary vector. */
static int push_arguments(struct uspace *space, int argc, char *const argv[])
{
    uint64_t pointers[USPACE_ARGS_MAX + 3];         /* argc, argv..., NULL, envp NULL */
    uint64_t at = USER_STACK_TOP;
    size_t bytes = 0;
    if (argc < 1 || argc > USPACE_ARGS_MAX)
        return -E2BIG;
    for (int i = 0; i < argc; i++)
        bytes += strlen(argv[i]) + 1;
    if (bytes > USPACE_ARGS_BYTES)
        return -E2BIG;
    pointers[0] = (uint64_t)argc;
    for (int i = argc - 1; i >= 0; i--) {
        size_t len = strlen(argv[i]) + 1;
        at -= len;
        if (load_bytes(space, at, argv[i], len) != 0)
            return -EFAULT;
        pointers[1 + i] = at;
    }
    pointers[argc + 1] = 0;
    pointers[argc + 2] = 0;
    size_t table = (size_t)(argc + 3) * sizeof(uint64_t);
    at = ALIGN_DOWN(at - table, 16);                /* rsp 16-byte aligned at entry */
    if (load_bytes(space, at, pointers, table) != 0)
        return -EFAULT;
    space->stack_pointer = at;
    return 0;
}

int uspace_create(struct uspace *space, const struct elf_image *image, const void *file,
                  int argc, char *const argv[])
{
    memset(space, 0, sizeof(*space));
    int err = vmm_user_create(&space->tables);
    if (err)
        return err;
    for (size_t i = 0; !err && i < image->segment_count; i++)
        err = load_segment(space, &image->segments[i], file);
    if (!err)
        err = map_range(space, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_TOP,
                        PTE_WRITABLE | PTE_NX);
    if (!err)
        err = push_arguments(space, argc, argv);
    if (err) {
        uspace_destroy(space);
        return err == -EEXIST || err == -EINVAL ? -ENOEXEC : err;
    }
    space->entry = image->entry;
    return 0;
}

void uspace_destroy(struct uspace *space)
{
    if (space->tables.root)
        vmm_user_destroy(&space->tables);
    space->pages = 0;
}
