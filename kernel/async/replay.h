/*
 * replay.h - deterministic record and replay. In replay mode (boot option `replay`) every
 * asynchronous input comes from a log loaded as a multiboot module, not from hardware:
 * the timer, keyboard and COM1 interrupts are masked, and at the executor's boundaries
 * (after a poll, at idle) the next logged input is injected through the very same
 * interrupt path (irq_inject). Time advances only when the log says so, so the trace
 * cannot depend on host speed. In record mode (boot option `record`) the live kernel
 * takes interrupts only at those same boundaries, so every input's position is exact.
 * docs/replay.md describes the log and the boundary model.
 */
#ifndef LOCKSTEP_ASYNC_REPLAY_H
#define LOCKSTEP_ASYNC_REPLAY_H

#include "boot_info.h"
#include "trace.h"

#define REPLAY_MAGIC        "LKRPLAY1"
#define REPLAY_AT_IDLE      0xffffffffu    /* boundary: the next idle point */

struct replay_header {
    char magic[8];
    uint32_t count;                        /* entries that follow */
    uint32_t reserved;
} __packed;
ASSERT_SIZE(struct replay_header, 16);

struct replay_entry {
    uint32_t boundary;                     /* boundaries since boot, or REPLAY_AT_IDLE */
    uint8_t vector;                        /* 32: a timer tick, 33: a keyboard byte */
    uint8_t flags;                         /* REPLAY_IN_PROGRAM, or 0 */
    uint16_t data;                         /* the tick started, or the scancode */
} __packed;

/* The input arrived while a user program ran in ring 3, during the poll that follows
 * boundary `boundary` (record mode lets interrupts into ring 3: a program that makes no
 * syscall has no boundary of its own). Replay injects it at the start of that poll's
 * ring-3 run instead of running the program: the trace sees the same thing, since what
 * a program does between two syscalls is not traced (replay_program_input). */
#define REPLAY_IN_PROGRAM   0x01
ASSERT_SIZE(struct replay_entry, 8);

/* QEMU exit statuses of a replay (isa-debug-exit: (code << 1) | 1). */
#define REPLAY_EXIT_PANIC    0x12          /* 37: the kernel panicked (flushed first) */
#define REPLAY_EXIT_DIVERGED 0x13          /* 39: a recorded boundary already passed */
#define REPLAY_EXIT_REBOOT   0x14          /* 41: the shell's `reboot` (flushed first) */

/* Validate the log in the first boot module and switch the executor to it: mask the
 * live interrupt lines, install the boundary hooks and give the trace stream's header
 * mode replay (trace_set_mode: before the first drain). Returns the number of inputs in
 * the log, or -EINVAL (no module, bad magic, size mismatch, unknown vector or flags,
 * a timer entry that is not the next tick, positioned entries out of boundary order or
 * at boundary 0) with the reason printed on the console. Call with IRQs off, after the
 * drivers registered their handlers. */
int replay_start(const struct boot_info *boot);

/* Record mode: mask COM1 receive and let interrupts in only at boundaries, and while a
 * user program runs in ring 3; the trace stream's header says record (trace_set_mode:
 * before the first drain). IRQs off. */
void record_start(void);

/* Replay mode, from a program's poll just before it would enter ring 3: if the next
 * input of the log arrived inside this very ring-3 run when it was recorded
 * (REPLAY_IN_PROGRAM at the current boundary), inject it now and return true: the
 * caller then treats the run as interrupted without running it. If the log is used up,
 * end the replay (trace flushed, QEMU exits as at idle): no input can ever interrupt the
 * program again. False otherwise, and always outside replay mode. */
bool replay_program_input(void);

/* Where interrupts come from: the run mode the trace stream's header carries (trace.h),
 * TRACE_MODE_NORMAL until replay_start or record_start. Code that waits for time to pass
 * inside one poll (the shell's `busy`) or for a person (its `gdb`) asks, since neither
 * can happen in a replay: time moves only at boundaries, and only by the log. */
enum trace_run_mode input_mode(void);

/* A reboot during a replay ends it (REPLAY_EXIT_REBOOT, the trace flushed): the log
 * describes one boot. Returns only when not replaying. */
void replay_reboot(void);

#endif
