/*
 * boot_info_fixture.h - shared by the multiboot parser tests (test_boot_info_mb1.c,
 * test_boot_info_mb2.c): a fake physical memory whose map() hands out an exact-size heap
 * copy of each range, so ASan reports any byte read outside a range the parser asked
 * for (the "never reads outside what mem maps" contract), and a seeded corrupter for the
 * robustness tests. Included once per test binary.
 */
#ifndef LOCKSTEP_BOOT_INFO_FIXTURE_H
#define LOCKSTEP_BOOT_INFO_FIXTURE_H

#include "unit.h"
#include "boot_info.h"
#include "errno.h"
#include "multiboot.h"

/* ---- fake physical memory: [RAM_BASE, RAM_BASE + RAM_SIZE) ---- */
#define RAM_BASE   0x10000u
#define RAM_SIZE   0x10000u
#define INFO_PHYS  (RAM_BASE + 0x1000)       /* where each test puts the information */

static uint8_t ram[RAM_SIZE];
static void *copies[4096];                   /* every range handed out by ram_map */
static size_t copy_count;

static inline const void *ram_map(uint64_t phys, size_t len, void *ctx)
{
    (void)ctx;
    if (phys < RAM_BASE || phys - RAM_BASE > RAM_SIZE || len > RAM_SIZE - (phys - RAM_BASE))
        return NULL;
    if (copy_count == sizeof(copies) / sizeof(copies[0]))
        UNIT_FAIL("parser mapped more than %zu ranges in one parse", copy_count);
    void *copy = malloc(len ? len : 1);
    memcpy(copy, ram + (phys - RAM_BASE), len);
    copies[copy_count++] = copy;
    return copy;
}

static const struct boot_memory ram_memory = { .map = ram_map, .ctx = NULL };
static struct boot_info info;
static const char *error;

static inline void place(uint64_t phys, const void *data, size_t len)
{
    if (phys < RAM_BASE || phys - RAM_BASE + len > RAM_SIZE)
        UNIT_FAIL("test bug: placing %zu bytes at 0x%" PRIx64 " outside the fake RAM", len, phys);
    memcpy(ram + (phys - RAM_BASE), data, len);
}

static inline int parse(uint32_t magic, uint64_t phys)
{
    error = NULL;
    memset(&info, 0xa5, sizeof(info));          /* the parser must clear what it leaves */
    int rc = boot_info_parse(magic, phys, &ram_memory, &info, &error);
    while (copy_count)
        free(copies[--copy_count]);
    return rc;
}

#define CHECK_REFUSED(rc, phrase)                                                  \
    do {                                                                           \
        CHECK_EQ((rc), -EINVAL);                                                   \
        CHECK(error != NULL);                                                      \
        if (!strstr(error, (phrase)))                                              \
            UNIT_FAIL("error \"%s\" does not mention \"%s\"", error, (phrase));    \
    } while (0)

static inline void put32(uint8_t *at, uint32_t v) { memcpy(at, &v, 4); }
static inline void put64(uint8_t *at, uint64_t v) { memcpy(at, &v, 8); }

/* ---- robustness: corrupted input is accepted or refused, never read out of bounds ---- */
static uint64_t rng_state = 0x2545f4914f6cdd1dull;     /* fixed seed: failures reproduce */
static inline uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Overwrite a random byte, or a random aligned word with a small or a wild value: small
 * words hit the size fields that matter, wild ones the overflow checks. `len` is a
 * multiple of 4. */
static inline void corrupt(uint8_t *bytes, size_t len)
{
    uint8_t *word = bytes + (rng() % (len / 4)) * 4;
    switch (rng() % 3) {
    case 0: bytes[rng() % len] = (uint8_t)rng(); break;
    case 1: put32(word, (uint32_t)(rng() % 600)); break;
    default: put32(word, (uint32_t)rng()); break;
    }
}

static inline void check_outcome(int rc, size_t *accepted, size_t *refused)
{
    if (rc == 0) {
        CHECK(info.mmap_count <= BOOT_MMAP_MAX && info.module_count <= BOOT_MODULES_MAX);
        CHECK(strnlen(info.cmdline, BOOT_CMDLINE_MAX) < BOOT_CMDLINE_MAX);
        CHECK(strnlen(info.loader_name, BOOT_LOADER_MAX) < BOOT_LOADER_MAX);
        (*accepted)++;
    } else {
        CHECK_EQ(rc, -EINVAL);
        CHECK(error != NULL && error[0] != '\0');
        (*refused)++;
    }
}

#endif
