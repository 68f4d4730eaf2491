/*
 * x86_64.c - the GDB stub's machine side (struct gdb_target) and its ways in.
 *
 * Registers: the table in x86_64_registers.c, by thread: the stopped CPU context's are
 * in its trap frame; a task that is not running has no stack (it is a state machine
 * between polls), so its "registers" say where it waits (the executor's view of it,
 * gdbstub_set_tasks). Memory: checked against the page tables before any access.
 * Breakpoints: int3 written over kernel text with CR0.WP briefly off (single CPU, IRQs
 * off). Hardware breakpoints and watchpoints: DR0-DR3 and DR7 (SDM Vol.3B 18.2).
 * Stepping: RFLAGS.TF in the frame; the #DB that follows has DR6.BS set.
 *
 * GDB's breakpoints are in place only while the kernel runs, as kgdb does it: a stop
 * first lifts the int3 bytes and clears DR7, and the resume puts them back, so the
 * stub's own code (uart_putc, memcpy, ksnprintf...) can carry breakpoints and
 * watchpoints without trapping itself. What runs before the lift and after the re-arm
 * (the #DB/#BP entry, trap_dispatch, debugger, session) is marked __debug_trap_path, and
 * GDB may not put a breakpoint there: it would trap again before it could be lifted.
 */
#include "x86_64_registers.h"
#include "cpu.h"
#include "cpu_regs.h"
#include "errno.h"
#include "format.h"
#include "irq.h"
#include "kprintf.h"
#include "layout.h"
#include "paging.h"
#include "panic.h"
#include "string.h"
#include "trap.h"
#include "user.h"

#define BREAKPOINT_INSTRUCTION 0xcc        /* int3 */

static struct gdbstub stub;
static struct trap_frame *stopped;         /* the frame being debugged, while stopped */
static bool enabled, waiting;
static bool stepping;                       /* the last resume was GDB's step (TF set) */
static void (*monitor_fn)(const char *command);
static const struct gdbstub_tasks *tasks;  /* the executor's view (gdbstub_set_tasks) */

/* DR0-DR3. A watchpoint GDB asks for may take several: one aligned 1, 2, 4 or 8-byte
 * piece each, all carrying the range GDB gave (start, size) to remove them together. */
static struct {
    bool used;
    int type;
    uint64_t address, len;                  /* this register's piece */
    uint64_t start, size;                   /* GDB's breakpoint or watchpoint */
} hw[4];

/* ---- registers (x86_64_registers.c), by thread ---- */

/*
 * The stopped CPU context is one GDB thread, GDB_KERNEL_THREAD, whatever it was running:
 * an interrupt, the idle loop, or a task's poll. So a step from the executor into a poll
 * (where the current task changes in mid-line) stays on the thread GDB stepped. The task
 * being polled is that context too, by its own id.
 */
static bool on_cpu(uint32_t thread)
{
    return thread == GDB_KERNEL_THREAD ||
           (tasks && thread != 0 && thread == tasks->current());
}

static int read_reg(uint32_t thread, unsigned regno, void *out)
{
    struct gdbstub_task task;
    if (regno >= X86_64_REGISTERS)
        return -EINVAL;
    if (on_cpu(thread))
        return x86_64_register_read(stopped, NULL, regno, out);
    if (!tasks || tasks->find(thread, &task) != 0)
        return -ESRCH;
    return x86_64_register_read(NULL, &task, regno, out);
}

static int write_reg(uint32_t thread, unsigned regno, const void *in)
{
    if (regno >= X86_64_REGISTERS)
        return -EINVAL;
    if (!on_cpu(thread))
        return -ESRCH;                      /* only the stopped context can change */
    return x86_64_register_write(stopped, regno, in);
}

/* c ADDR, s ADDR: the stopped context resumes at `address`, as after `set var $pc`. */
static int set_pc(uint64_t address)
{
    return x86_64_register_write(stopped, X86_64_RIP, &address);
}

/* ---- memory, checked against the page tables first ---- */

static int check_range(uint64_t address, size_t len, bool write, bool *text)
{
    *text = false;
    if (len == 0)
        return 0;
    if (address + len < address)
        return -EFAULT;
    for (uint64_t page = address & ~0xfffull; page < address + len; page += 0x1000) {
        uint64_t flags;
        if (!paging_translate(page, NULL, &flags))
            return -EFAULT;
        if (write && !(flags & PTE_WRITABLE)) {
            if (page < KERNEL_VMA)
                return -EFAULT;             /* read-only outside the kernel: refused */
            *text = true;                   /* kernel text: patched with WP off */
        }
        if (page + 0x1000 < page)
            break;
    }
    return 0;
}

static int read_mem(uint64_t address, void *out, size_t len)
{
    bool text;
    if (check_range(address, len, false, &text) != 0)
        return -EFAULT;
    memcpy(out, (const void *)(uintptr_t)address, len);
    return 0;
}

/* Whether [a, a + a_len) and [b, b + b_len), both mapped, share a byte of RAM. Compared
 * frame by frame through the page tables, since one frame can have two addresses: every
 * kernel stack is also in the physical map at PHYS_MAP_BASE. */
static bool same_memory(uint64_t a, size_t a_len, uint64_t b, size_t b_len)
{
    for (uint64_t pa = a & ~0xfffull; pa < a + a_len; pa += 0x1000) {
        uint64_t fa, fb;                    /* [from, to): the range's bytes in a page */
        uint64_t a_from = (pa < a ? a : pa) - pa;
        uint64_t a_to = a + a_len - pa < 0x1000 ? a + a_len - pa : 0x1000;
        if (!paging_translate(pa, &fa, NULL))
            continue;
        for (uint64_t pb = b & ~0xfffull; pb < b + b_len; pb += 0x1000) {
            uint64_t b_from = (pb < b ? b : pb) - pb;
            uint64_t b_to = b + b_len - pb < 0x1000 ? b + b_len - pb : 0x1000;
            if (paging_translate(pb, &fb, NULL) && (fa >> 12) == (fb >> 12) &&
                a_from < b_to && b_from < a_to)
                return true;
        }
    }
    return false;
}

/*
 * The stub runs on the stopped context's stack: below the trap frame, down to its own
 * rsp, are the stub's live frames. GDB sees that as free stack under the stopped rsp (a
 * function called from GDB, `print f(x)`, puts its return address and breakpoint
 * there), and writing it would pull the stub's frames from under it, so it is refused,
 * through any address that reaches the same memory.
 */
static bool in_stub_stack(uint64_t address, size_t len)
{
    if (!stopped || len == 0)
        return false;
    uint64_t rsp = cpu_read_rsp();
    uint64_t top = (uint64_t)(uintptr_t)stopped + sizeof(*stopped);
    return same_memory(address, len, rsp, top - rsp);
}

static int write_mem(uint64_t address, const void *in, size_t len)
{
    bool text;
    if (check_range(address, len, true, &text) != 0 || in_stub_stack(address, len))
        return -EFAULT;
    uint64_t flags = cpu_irq_save(), cr0 = cpu_read_cr0();
    if (text)
        cpu_write_cr0(cr0 & ~CR0_WP);       /* let ring 0 write a read-only page */
    memcpy((void *)(uintptr_t)address, in, len);
    if (text)
        cpu_write_cr0(cr0);
    cpu_irq_restore(flags);
    return 0;
}

/* ---- arming breakpoints: all inline below, so nothing leaves the trap path ---- */

/* One byte of kernel text (insert_breakpoint checked it can be read and written). */
static __always_inline void poke_text(uint64_t address, uint8_t byte)
{
    uint64_t cr0 = cpu_read_cr0();
    cpu_write_cr0(cr0 & ~CR0_WP);
    *(volatile uint8_t *)(uintptr_t)address = byte;
    cpu_write_cr0(cr0);
}

static __debug_trap_path void lift_breakpoints(void)
{
    for (size_t i = 0; i < GDB_SW_BREAKPOINTS; i++) {
        struct gdb_breakpoint *b = &stub.breakpoints[i];
        if (b->armed) {
            poke_text(b->address, b->saved);
            b->armed = false;
        }
    }
}

/* The byte under each trap is read now: GDB may have written there while stopped. */
static __debug_trap_path void arm_breakpoints(void)
{
    for (size_t i = 0; i < GDB_SW_BREAKPOINTS; i++) {
        struct gdb_breakpoint *b = &stub.breakpoints[i];
        if (b->used && !b->armed) {
            b->saved = *(volatile const uint8_t *)(uintptr_t)b->address;
            poke_text(b->address, BREAKPOINT_INSTRUCTION);
            b->armed = true;
        }
    }
}

static int breakpoint_allowed(uint64_t address, int type)
{
    if (address >= (uint64_t)(uintptr_t)__debug_trap_start &&
        address < (uint64_t)(uintptr_t)__debug_trap_end)
        return -EACCES;
    /* int3 only in the kernel's text, mapped the same in every address space for good,
     * so that arming it (with no page-table check, on the trap path) cannot fault:
     * lower-half code belongs to whichever program is mapped when the kernel resumes
     * (use a hardware breakpoint there), and heap pages come and go. Nor in its data,
     * where an int3 byte never executes and only corrupts what the kernel reads. */
    if (type == 0 && (address < (uint64_t)(uintptr_t)__text_start ||
                      address >= (uint64_t)(uintptr_t)__text_end))
        return -EACCES;
    return 0;
}

/* Data a watchpoint may not cover: what the #DB and #BP path reads before the debugger
 * clears DR7 (the watchpoint would fire again on every entry), and what syscall_entry
 * writes while the user's rsp is loaded (it would trap on the user's stack). */
static bool unwatchable(uint64_t address, uint64_t len)
{
    uint64_t start = (uint64_t)(uintptr_t)__debug_trap_data_start;
    uint64_t end = (uint64_t)(uintptr_t)__debug_trap_data_end;
    return (address < end && address + len > start) || user_entry_data(address, len);
}

/* ---- debug registers ---- */

/* DR0-DR3 and DR7 from hw[]; while stopped (the stub running) DR7 stays 0. */
static __debug_trap_path void hw_load(void)
{
    uint64_t dr7 = 0;
    for (unsigned n = 0; n < 4; n++) {
        if (!hw[n].used)
            continue;
        static const uint8_t rw[] = { [1] = 0, [2] = 1, [4] = 3 };
        static const uint8_t len_bits[] = { [1] = 0, [2] = 1, [4] = 3, [8] = 2 };
        cpu_write_dr(n, hw[n].address);
        dr7 |= DR7_L(n) | (uint64_t)rw[hw[n].type] << DR7_RW_SHIFT(n) |
               (uint64_t)len_bits[hw[n].len] << DR7_LEN_SHIFT(n);
    }
    cpu_write_dr7(stopped ? 0 : dr7);
}

/* The largest aligned piece (8, 4, 2 or 1 bytes) that starts at `address` and fits in
 * `left` bytes: a debug register watches one such piece (SDM Vol.3B 18.2.5). */
static uint64_t hw_piece(uint64_t address, uint64_t left)
{
    uint64_t len = 8;
    while (len > left || (address & (len - 1)))
        len >>= 1;
    return len;
}

/* Insert or remove GDB's hardware breakpoint (type 1) or watchpoint (2 write, 4 access)
 * on [address, address + len). A watched range is cut into aligned pieces, one debug
 * register each, as gdbserver does: up to 32 bytes when all four are free. */
static int hw_point(int type, uint64_t address, uint64_t len, bool insert)
{
    if (type == 1)
        len = 1;                            /* execute: the length must be 1 (0 in DR7) */
    if (len == 0 || len > 32 || address + len < address)
        return -EINVAL;
    if (insert && type != 1 && unwatchable(address, len))
        return -EACCES;
    bool found = false;
    for (unsigned n = 0; n < 4; n++) {
        if (hw[n].used && hw[n].type == type && hw[n].start == address && hw[n].size == len) {
            found = true;
            if (!insert)
                hw[n].used = false;
        }
    }
    if (found) {
        if (!insert)
            hw_load();
        return 0;                           /* inserted twice: still one */
    }
    if (!insert)
        return -ENOENT;
    unsigned pieces = 0, free = 0;
    for (uint64_t a = address; a < address + len; a += hw_piece(a, address + len - a))
        pieces++;
    for (unsigned n = 0; n < 4; n++)
        free += !hw[n].used;
    if (pieces > free)
        return -ENOSPC;
    uint64_t a = address;
    for (unsigned n = 0; n < 4 && a < address + len; n++) {
        if (hw[n].used)
            continue;
        uint64_t piece = hw_piece(a, address + len - a);
        hw[n].used = true;
        hw[n].type = type;
        hw[n].address = a;
        hw[n].len = piece;
        hw[n].start = address;
        hw[n].size = len;
        a += piece;
    }
    hw_load();
    return 0;
}

static void hw_clear_all(void)
{
    memset(hw, 0, sizeof(hw));
    hw_load();
}

/* ---- threads and monitor ---- */

/* The CPU first, then the tasks in id order (ids 1 to 0xffff, so never the CPU's). */
static uint32_t thread_next(uint32_t after)
{
    if (after == 0)
        return GDB_KERNEL_THREAD;
    uint32_t task = tasks ? tasks->next(after == GDB_KERNEL_THREAD ? 0 : after) : 0;
    return task < GDB_KERNEL_THREAD ? task : 0;
}

static bool thread_alive(uint32_t thread)
{
    struct gdbstub_task task;
    return thread == GDB_KERNEL_THREAD || (tasks && tasks->find(thread, &task) == 0);
}

static int thread_info(uint32_t thread, char *buf, size_t len)
{
    struct gdbstub_task t;
    if (thread == GDB_KERNEL_THREAD) {
        uint32_t now = tasks ? tasks->current() : 0;
        if (now && tasks->find(now, &t) == 0)
            ksnprintf(buf, len, "kernel, the CPU: polling %s", t.name);
        else
            ksnprintf(buf, len, "kernel, the CPU: interrupts, idle, boot");
        return 0;
    }
    if (!tasks || tasks->find(thread, &t) != 0)
        return -ESRCH;
    ksnprintf(buf, len, "%s, %s, %u polls", t.name, t.state, t.polls);
    return 0;
}

void gdbstub_set_tasks(const struct gdbstub_tasks *view)
{
    tasks = view;
}

struct capture {
    struct console console;
    void (*out)(const char *text, size_t len, void *ctx);
    void *ctx;
};

static void capture_write(struct console *console, const char *text, size_t len)
{
    struct capture *c = (struct capture *)console;
    c->out(text, len, c->ctx);
}

static int monitor(const char *command, void (*out)(const char *text, size_t len, void *ctx),
                   void *ctx)
{
    if (!monitor_fn)
        return -ENOSYS;
    struct capture c = { .console = { .name = "gdb", .write = capture_write },
                         .out = out, .ctx = ctx };
    if (console_register(&c.console) != 0) {  /* every console slot taken: GDB would hear nothing */
        static const char full[] = "monitor: no console slot free for GDB's output\n";
        out(full, sizeof(full) - 1, ctx);
        return 0;
    }
    monitor_fn(command);
    console_unregister(&c.console);
    return 0;
}

void gdbstub_set_monitor(void (*fn)(const char *command))
{
    monitor_fn = fn;
}

/* Enough for GDB to show the stop and walk frames without a 'g'. */
static const uint8_t expedited[] = { X86_64_RBP, X86_64_RSP, X86_64_RIP };

static const struct gdb_target x86_64_target = {
    .target_xml = x86_64_target_xml,
    .reg_count = X86_64_REGISTERS,
    .reg_size = x86_64_register_size,
    .read_reg = read_reg,
    .write_reg = write_reg,
    .set_pc = set_pc,
    .read_mem = read_mem,
    .write_mem = write_mem,
    .hw_point = hw_point,
    .hw_clear_all = hw_clear_all,
    .thread_next = thread_next,
    .thread_alive = thread_alive,
    .on_cpu = on_cpu,
    .thread_info = thread_info,
    .monitor = monitor,
    .breakpoint_allowed = breakpoint_allowed,
    .expedite = expedited,
    .expedite_count = ARRAY_SIZE(expedited),
};

/* ---- the ways in ---- */

static __debug_trap_path int signal_for(unsigned vector)
{
    switch (vector) {
    case 0:  return GDB_SIGFPE;             /* #DE */
    case 6:  return GDB_SIGILL;             /* #UD */
    case 13:
    case 14: return GDB_SIGSEGV;            /* #GP, #PF */
    case 17: return GDB_SIGBUS;             /* #AC */
    default: return GDB_SIGTRAP;
    }
}

/*
 * A kernel step runs with every IRQ line held back (irq_hold), as QEMU's gdbstub steps:
 * timer ticks pile up while GDB thinks, and letting one in at each step would run its
 * handler inside every stepi, and keep a lock-free retry loop (trace_ring_emit's
 * compare-and-swap) from ever getting through. Not for `hlt`, which would never wake,
 * nor for `sti`, whose one-instruction shadow QEMU 7.2 steps together with the next
 * one (the `hlt` of cpu_sti_hlt), nor for ring 3, whose `syscall` may wait in the
 * kernel for an interrupt.
 */
static bool steps_in_kernel(const struct trap_frame *frame)
{
    uint8_t opcode = 0;
    if ((frame->cs & 3) != 0)
        return false;
    if (read_mem(frame->rip, &opcode, 1) != 0)
        return true;                        /* it faults, and stops in GDB */
    return opcode != 0xf4 && opcode != 0xfb;    /* hlt, sti */
}

/* Stop with `frame` as the stopped context, talk to GDB, and set the frame up for what
 * it asked: continue, step (TF), detach or kill. GDB's breakpoints are out of memory
 * and DR7 is clear from here until the resume, which arms them again. Returns whether
 * GDB moved the pc (`c ADDR`, `jump`, `return`, `set $pc`). */
static __debug_trap_path bool session(struct trap_frame *frame, struct gdb_stop *stop)
{
    cpu_write_dr7(0);
    lift_breakpoints();
    irq_hold(false);                        /* after a kernel step; irq_wait needs IRQ 5 */
    if (stepping)
        frame->rflags &= ~(uint64_t)RFLAGS_TF;  /* ours, not the stopped code's */
    stopped = frame;
    stop->thread = GDB_KERNEL_THREAD;
    uint64_t rip = frame->rip;
    gdbstub_serial_stopped(true);
    enum gdb_resume resume = gdbstub_session(&stub, stop);
    gdbstub_serial_stopped(false);
    stopped = NULL;
    frame->rflags &= ~(uint64_t)RFLAGS_TF;
    stepping = resume == GDB_STEP;
    if (stepping)
        frame->rflags |= RFLAGS_TF;
    /* RF lets the next instruction past its instruction breakpoints, once: it belongs to
     * the instruction the kernel stopped at. We set it after a hardware breakpoint there,
     * so as not to stop on it again; the CPU sets it in the frame of every other fault
     * (SDM Vol.3B 18.3.1.1). If GDB moved the pc, a breakpoint on the new instruction
     * must stop it, whoever set RF. */
    bool moved = frame->rip != rip;
    if (moved)
        frame->rflags &= ~(uint64_t)RFLAGS_RF;
    else if (stop->reason == GDB_STOP_HWBREAK)
        frame->rflags |= RFLAGS_RF;
    if (resume == GDB_KILL)
        arch_triple_fault();
    irq_hold(stepping && steps_in_kernel(frame));
    arm_breakpoints();
    hw_load();
    return moved;
}

/* The trap hook for #DB, #BP and (post-mortem) unhandled exceptions. DR7 is cleared at
 * once, so that nothing this path writes sets off one of GDB's watchpoints. */
static __debug_trap_path bool debugger(struct trap_frame *frame)
{
    uint64_t dr7 = cpu_read_dr7();
    cpu_write_dr7(0);                       /* first: `enabled` may be watched */
    if (!enabled) {
        cpu_write_dr7(dr7);
        return false;
    }
    struct gdb_stop stop = { .signal = GDB_SIGTRAP, .reason = GDB_STOP_SIGNAL };
    bool ours = false;
    if (frame->vector == VECTOR_BREAKPOINT) {
        uint64_t address = frame->rip - 1;
        for (size_t i = 0; i < GDB_SW_BREAKPOINTS; i++)
            ours |= stub.breakpoints[i].armed && stub.breakpoints[i].address == address;
        if (ours) {
            frame->rip = address;           /* GDB wants the breakpoint's own address */
            stop.reason = GDB_STOP_SWBREAK;
        }
        ours |= waiting || stub.attached;   /* else a plain int3: the kernel reports it */
        waiting = false;
    } else if (frame->vector == VECTOR_DEBUG) {
        uint64_t dr6 = cpu_read_dr6();
        cpu_write_dr6(0);
        unsigned n;
        for (n = 0; n < 4 && !(dr6 & DR6_B(n)); n++)
            ;
        if (n < 4 && hw[n].used) {
            stop.reason = hw[n].type == 1 ? GDB_STOP_HWBREAK : GDB_STOP_WATCH;
            stop.watch_address = hw[n].address;
            ours = true;
        } else {
            ours = (dr6 & DR6_BS) && stepping;   /* else a TF someone else set */
        }
    } else {
        ours = stub.attached;
        stop.signal = signal_for((unsigned)frame->vector);   /* post-mortem */
    }
    if (!ours) {
        cpu_write_dr7(dr7);
        return false;
    }
    bool moved = session(frame, &stop);
    /* After a fault the kernel goes on as it would have without GDB (it panics), unless
     * GDB moved the pc (`return`, `jump`, `set $pc`): then it resumes there. */
    bool fault = frame->vector != VECTOR_DEBUG && frame->vector != VECTOR_BREAKPOINT;
    return !fault || moved;
}

void gdbstub_interrupt(struct trap_frame *frame)
{
    if (!enabled)
        return;
    struct gdb_stop stop = { .signal = GDB_SIGINT, .reason = GDB_STOP_SIGNAL };
    stub.attached = true;                   /* only a connected GDB sends Ctrl-C */
    session(frame, &stop);
}

/* GDB sends nothing but Ctrl-C while an attached kernel runs, so a packet now is a GDB
 * connecting (again, after a detach, or after the last one went away without one). Stop
 * as at the boot option `gdb`: no stop reply until GDB asks, in the ack mode every
 * connection starts in, and with a NAK, so that GDB sends whole the packet whose '$'
 * went to the receive interrupt (the rest of it is skipped as garbage). */
void gdbstub_connect(struct trap_frame *frame)
{
    if (!enabled)
        return;
    struct gdb_stop stop = { .signal = GDB_SIGTRAP, .reason = GDB_STOP_SIGNAL };
    stub.attached = false;
    stub.rsp.no_ack = false;
    rsp_request_resend(&stub.rsp);
    session(frame, &stop);
}

void gdbstub_breakpoint(void)
{
    if (!enabled)
        return;
    waiting = true;
    cpu_int3();
}

bool gdbstub_kernel_ready(void)
{
    return enabled;
}

bool gdbstub_attached(void)
{
    return enabled && stub.attached;
}

static void stop_on_panic(const char *message)
{
    (void)message;
    if (gdbstub_attached()) {
        kprintf("gdb: stopping for the debugger\n");
        gdbstub_breakpoint();               /* GDB sees the panic's own frames */
    }
}

int gdbstub_kernel_init(void)
{
    const struct rsp_io *io = gdbstub_serial_init();
    if (!io)
        return -EIO;
    x86_64_registers_init();
    gdbstub_init(&stub, io, &x86_64_target);
    trap_set_debugger(debugger);
    panic_add_hook(stop_on_panic);
    enabled = true;
    return 0;
}

