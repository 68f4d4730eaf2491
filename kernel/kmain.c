/*
 * kmain.c - the table of contents. boot.S calls kmain in long mode on the boot stack,
 * with IRQs off. kmain brings the subsystems up one init call per line, in dependency
 * order; each `[ ok ]` line (stage()) reports what a stage found, and the calls with no
 * line of their own (the timer queue, the keyboard, console input) are reported by the
 * next one. The stage_* functions are kmain's own, not subsystem APIs: each calls the
 * init named in its comment and prints its stage's line. Interrupts are enabled only
 * when every handler is in place; then the executor runs the kernel's tasks forever.
 */
#include "boot_info.h"
#include "cpu.h"
#include "debug_exit.h"
#include "errno.h"
#include "executor.h"
#include "frame.h"
#include "gdb_tasks.h"
#include "gdbstub.h"
#include "gdt.h"
#include "heap.h"
#include "idt.h"
#include "keyboard.h"
#include "kprintf.h"
#include "layout.h"
#include "panic.h"
#include "pic8259.h"
#include "pit.h"
#include "process.h"
#include "ps2kbd.h"
#include "replay.h"
#include "serial_input.h"
#include "shell.h"
#include "timer.h"
#include "trace.h"
#include "trap.h"
#include "uart16550.h"
#include "user.h"
#include "version.h"
#include "vga.h"
#include "vmm.h"

/* The in-kernel test suite (tests/ktest/) defines this in test kernels only. */
extern void ktest_main(const struct boot_info *boot) __weak;

static struct boot_info boot;

/* Before vmm_init the window is the boot tables' low BOOT_MAP_SIZE bytes. */
static const void *map_low_memory(uint64_t phys, size_t len, void *ctx)
{
    (void)ctx;
    return vmm_phys_window(phys, phys + len);
}

static void stage(const char *name, const char *fmt, ...) __printf(2, 3);

static void stage(const char *name, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    kprintf("[" ANSI_GREEN " ok " ANSI_RESET "] %-7s", name);
    kvprintf(fmt, args);
    kprintf("\n");
    va_end(args);
}

/* boot_info_parse: the loader's information, copied into `boot`; halts if malformed. */
static void stage_boot_info(uint32_t magic, uint64_t info_phys)
{
    const struct boot_memory low_memory = { .map = map_low_memory };
    const char *error = "";
    if (boot_info_parse(magic, info_phys, &low_memory, &boot, &error) != 0) {
        kprintf(ANSI_RED "Lockstep cannot boot: %s" ANSI_RESET
                " (magic 0x%08x, information at 0x%lx). Halting.\n", error, magic, info_phys);
        arch_halt();
    }
    stage("BOOT", "%s from \"%s\", command line \"%s\"", boot_protocol_name(boot.protocol),
          boot.loader_name, boot.cmdline);
    stage("MEMORY", "%lu KiB available in %lu map entries, %lu module%s, %u ELF sections%s",
          boot_info_available_bytes(&boot) / 1024, boot.mmap_count, boot.module_count,
          boot.module_count == 1 ? "" : "s", boot.elf_sections.count,
          boot.truncated ? " (some information truncated)" : "");
}

/* pmm_init_boot: the frame allocator (kernel/mm/frame_boot.c, frame.c). */
static void stage_frames(void)
{
    struct pmm_stats s;
    if (pmm_init_boot(&boot) != 0)
        panic("stage_frames: no usable memory in the memory map");
    pmm_stats(&s);
    stage("FRAMES", "%lu frames (%lu KiB) free in %lu ranges, %lu withheld", s.free_frames,
          s.free_frames * (FRAME_SIZE / 1024), s.range_count, s.reserved_frames);
}

/* vmm_init: the kernel's final page tables (kernel/mm/vmm.c). */
static void stage_page_tables(void)
{
    struct vmm_stats s;
    vmm_init(&boot);
    vmm_stats(&s);
    stage("PAGING", "%lu MiB mapped; text r-x, rodata r--, data rw-, NX %s, %u guards",
          s.phys_map_bytes >> 20, s.nx ? "on" : "off", s.guard_pages);
}

/* kmalloc_init: the kernel heap (kernel/mm/heap.c). */
static void stage_heap(void)
{
    kmalloc_init();
    stage("HEAP", "kmalloc: %u slab classes %u-%u B, TLSF above, %lu MiB window",
          HEAP_CLASSES, HEAP_MIN_ALIGN, HEAP_SMALL_MAX, (uint64_t)KERNEL_HEAP_SIZE >> 20);
}

/* trace_init: the trace ring, drained to COM2. pit_clock() is the address of the tick
 * counter, not a reading, so it can be handed over before pit_init: the counter stays 0
 * until IRQ 0 ticks after STI, and every record of the boot is stamped tick 0. */
static void stage_trace(void)
{
    bool com2_ok = uart_init(&com2, COM2_BASE) == 0;
    const struct trace_backend backend = {
        .write = uart_write_bytes, .ctx = &com2, .clock = pit_clock(), .tick_hz = PIT_HZ,
    };
    trace_init(&backend);
    stage("TRACE", "64 KiB lock-free ring, events 0x%08x, %s", trace_table_hash(),
          com2_ok ? "streamed on COM2" : "no COM2: not streamed");
}

/* process_init: the user programs, from the boot module named "initrd", a ustar
 * archive (make initrd). */
static void stage_programs(void)
{
    const struct boot_module *m = boot_info_module(&boot, "initrd");
    size_t syscalls;
    syscall_table(&syscalls);
    if (!m) {
        stage("USER", "no initrd module: no programs to run");
        return;
    }
    const void *archive = vmm_phys_window(m->start, m->end);
    if (!archive) {
        stage("USER", "the initrd module (0x%lx-0x%lx) lies outside RAM: no programs",
              m->start, m->end);
        return;
    }
    if (process_init(archive, m->end - m->start) != 0)
        return;                            /* it printed why it refused the archive */
    stage("USER", "%lu programs and files in the initrd (%lu KiB), %lu syscalls",
          process_initrd()->files, (m->end - m->start) / 1024, syscalls);
}

/* gdbstub_kernel_init: the GDB stub on COM3; boot option `gdb`: wait for GDB here. */
static void stage_debugger(void)
{
    if (gdbstub_kernel_init() != 0) {
        stage("GDB", "no COM3: the GDB stub is off");
        return;
    }
    gdbstub_set_tasks(&executor_gdb_tasks);    /* GDB's threads: the executor's tasks */
    stage("GDB", "stub on COM3 (%#x, IRQ %u)%s", COM3_BASE, COM3_IRQ,
          boot_info_has_option(&boot, "gdb") ? ": waiting for GDB" : "");
    if (boot_info_has_option(&boot, "gdb"))
        gdbstub_breakpoint();              /* returns when GDB says continue */
}

/* cpu_sti, or replay_start/record_start with boot options `replay` and `record`
 * (docs/replay.md). */
static void stage_interrupts(void)
{
    if (boot_info_has_option(&boot, "replay")) {
        int inputs = replay_start(&boot);
        if (inputs < 0)
            debug_exit(DEBUG_EXIT_FAILURE);
        cpu_sti();
        stage("STI", "replay: %d inputs from the log; live interrupts masked", inputs);
    } else if (boot_info_has_option(&boot, "record")) {
        record_start();                    /* interrupts stay off until a boundary */
        stage("STI", "record: interrupts taken only between polls and at idle");
    } else {
        cpu_sti();                         /* from here on, interrupts arrive */
        stage("STI", "interrupts enabled");
    }
}

static struct uptime_service uptime;      /* kmain's own task's state */

/* Between polls and before each halt: stream what the trace ring holds. */
static void housekeeping(void)
{
    trace_drain();
}

void kmain(uint32_t magic, uint64_t info_phys)
{
    bool com1_ok = uart_init(&com1, COM1_BASE) == 0;   /* COM1 first: all after can report */
    uart_console_init(&com1);
    vga_console_init();                    /* the VGA text screen mirrors COM1 */
    kprintf("\n" ANSI_BOLD "Lockstep %s" ANSI_RESET " booting\n", LOCKSTEP_VERSION);
    if (com1_ok)
        stage("SERIAL", "COM1 at 0x%x, 115200 8N1; VGA text console 80x25", COM1_BASE);
    else
        stage("SERIAL", "no COM1 at 0x%x: VGA text console 80x25 only", COM1_BASE);
    stage_trace();                         /* the trace ring, streamed on COM2 */
    stage_boot_info(magic, info_phys);     /* multiboot1/2 -> struct boot_info */

    gdt_init();                            /* segments and the TSS's IST stacks */
    stage("GDT", "kernel and user segments, TSS with IST stacks for #DF, NMI, #MC");
    idt_init();                            /* 32 exception vectors + 16 IRQ vectors */
    stage("IDT", "%u exception and %u IRQ vectors through one trap frame", EXCEPTION_VECTORS,
          IRQ_LINES);
    user_init();                           /* syscall/sysret MSRs, SWAPGS base, no FPU */
    stage("RING3", "syscall entry at LSTAR, sysretq back, STAR selectors %#x/%#x",
          GDT_KERNEL_CODE, GDT_USER_DATA - 8);
    stage_frames();                        /* free frames: memory map minus image, info, modules */
    stage_page_tables();                   /* final tables: section permissions, guards, NX */
    stage_heap();                          /* kmalloc: slab classes + TLSF over frames */
    pic_init();                            /* 8259 pair remapped to vectors 32-47 */
    stage("PIC", "8259A pair remapped to vectors %u-%u", IRQ_BASE_VECTOR,
          IRQ_BASE_VECTOR + IRQ_LINES - 1);
    if (pit_init() != 0)                   /* IRQ 0: the kernel tick */
        panic("kmain: IRQ 0 is taken: no kernel tick");
    stage("PIT", "channel 0 at %u Hz (divisor %u): 1 tick = %u ms", PIT_HZ, PIT_DIVISOR,
          1000 / PIT_HZ);
    executor_init();                       /* tasks, wakers, the ready queue */
    timer_init(pit_clock(), PIT_HZ, TRACE_WAKER_IRQ(IRQ_BASE_VECTOR + PIT_IRQ));
    pit_set_tick_hook(timer_expire);       /* each tick wakes the sleepers that are due */
    stage("TASKS", "executor ready: %u task slots, timer queue on IRQ 0", TASK_MAX - 1);
    stage_programs();                      /* the initrd: user programs for `run` */
    stage_debugger();                      /* the GDB stub on COM3; `gdb`: wait for GDB */
    if (keyboard_init(ps2kbd_set_leds) < 0)    /* spawns the keyboard task (decodes scancodes) */
        panic("kmain: no task slot for the keyboard task");
    int keyboard = ps2kbd_init(keyboard_input);    /* IRQ 1: scancodes into its queue */
    int console_in = uart_enable_rx_irq(&com1, COM1_IRQ);  /* IRQ 4: console input */
    serial_input_init(&com1, TRACE_WAKER_IRQ(IRQ_BASE_VECTOR + COM1_IRQ));
    stage("IRQ", "timer (IRQ 0), %s, %s",
          keyboard == 0 ? "keyboard (IRQ 1)"
                        : keyboard == -EIO ? "no PS/2 keyboard (controller silent)"
                                           : "no PS/2 keyboard (its IRQ not registered)",
          console_in == 0 ? "COM1 receive (IRQ 4) unmasked"
                          : console_in == -EIO ? "no COM1 input (no COM1)"
                                               : "no COM1 input (its IRQ not registered)");
    stage_interrupts();                    /* live, recorded, or replayed from a log */

    if (ktest_main)                        /* test kernels: run the suite and exit */
        ktest_main(&boot);

    if (task_spawn("uptime", uptime_service_poll, &uptime) < 0)  /* kmain's own, periodic */
        panic("kmain: no task slot for uptime");
    kprintf("\n" ANSI_CYAN "Welcome to Lockstep %s" ANSI_RESET
            " - every interrupt recorded, replayable, debuggable.\n", LOCKSTEP_VERSION);
    if (shell_start() < 0)                 /* spawns the shell task */
        panic("kmain: the shell task could not start");
    executor_run(housekeeping);            /* never returns */
}
