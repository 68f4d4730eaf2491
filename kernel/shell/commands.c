/*
 * commands.c - the command table and its handlers (commands.h). Every command the shell
 * knows is one row of `commands`; help, completion and dispatch all read that table.
 * Handlers check their arguments and answer bad ones with a one-line error.
 */
#include "commands.h"
#include "cpu.h"
#include "errno.h"
#include "executor.h"
#include "format.h"
#include "gdbstub.h"
#include "heap.h"
#include "irq.h"
#include "keyboard.h"
#include "kprintf.h"
#include "number.h"
#include "panic.h"
#include "parse.h"
#include "pit.h"
#include "process.h"
#include "provoke.h"
#include "ps2kbd.h"
#include "replay.h"
#include "string.h"
#include "trace.h"
#include "trap.h"
#include "version.h"

static int cmd_help(struct shell_state *, int, char **);
static int cmd_clear(struct shell_state *, int, char **);
static int cmd_echo(struct shell_state *, int, char **);
static int cmd_uptime(struct shell_state *, int, char **);
static int cmd_mem(struct shell_state *, int, char **);
static int cmd_tasks(struct shell_state *, int, char **);
static int cmd_trace(struct shell_state *, int, char **);
static int cmd_irq(struct shell_state *, int, char **);
static int cmd_panic(struct shell_state *, int, char **);
static int cmd_fault(struct shell_state *, int, char **);
static int cmd_sleep(struct shell_state *, int, char **);
static int cmd_busy(struct shell_state *, int, char **);
static int cmd_gdb(struct shell_state *, int, char **);
static int cmd_reboot(struct shell_state *, int, char **);
static int cmd_version(struct shell_state *, int, char **);

static const struct command commands[] = {
    { "help",    "help [COMMAND]",          "list the commands, or explain one", cmd_help },
    { "clear",   "clear",                   "clear the screen", cmd_clear },
    { "echo",    "echo [ARG]...",           "print the arguments (\"quotes\" group words)",
      cmd_echo },
    { "uptime",  "uptime",                  "time since boot and interrupt counts", cmd_uptime },
    { "mem",     "mem",                     "heap and physical frame statistics", cmd_mem },
    { "tasks",   "tasks",                   "the executor's tasks and their counters",
      cmd_tasks },
    { "trace",   "trace [tail N | on | off]", "trace ring statistics, recent events, switch",
      cmd_trace },
    { "irq",     "irq",                     "interrupt and exception counts per vector",
      cmd_irq },
    { "panic",   "panic MESSAGE...",        "stop the kernel with a panic report", cmd_panic },
    { "fault",   "fault page|divide|opcode|breakpoint|stack",
      "provoke a CPU exception and see its report", cmd_fault },
    { "sleep",   "sleep MILLISECONDS",      "wait (the shell task sleeps; others run; Ctrl+C ends it)",
      cmd_sleep },
    { "busy",    "busy MILLISECONDS",       "spin without yielding: other tasks starve",
      cmd_busy },
    { "gdb",     "gdb",                     "stop and wait for GDB on COM3", cmd_gdb },
    { "ls",      "ls",                      "list the initrd: programs and files", shell_cmd_ls },
    { "cat",     "cat FILE",                "print a text file from the initrd", shell_cmd_cat },
    { "run",     "run PROGRAM [ARG]...",    "run a user program (or just type its name)",
      shell_cmd_run },
    { "syscalls", "syscalls",               "the syscall table user programs call",
      shell_cmd_syscalls },
    { "reboot",  "reboot",                  "reset the machine", cmd_reboot },
    { "version", "version",                 "the kernel version", cmd_version },
};

const struct command *command_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

size_t command_complete(const char *prefix, const char **names, size_t max)
{
    size_t n = 0, len = strlen(prefix);
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        if (strncmp(commands[i].name, prefix, len) == 0) {
            if (n < max)
                names[n] = commands[i].name;
            n++;
        }
    }
    return n;
}

void command_run(struct shell_state *shell, int argc, char **argv)
{
    const struct command *c = command_find(argv[0]);
    struct initrd_file program;
    char *run_argv[PARSE_MAX_ARGS + 2] = { "run" };
    if (!c && shell && argc <= PARSE_MAX_ARGS && process_initrd() &&
        initrd_find(process_initrd(), argv[0], &program) == 0) {
        c = command_find("run");                   /* `hello` means `run hello` */
        memcpy(run_argv + 1, argv, (size_t)argc * sizeof(*argv));
        argv = run_argv;
        argc++;
    }
    if (!c) {
        kprintf("unknown command: %s (try help)\n", argv[0]);
        return;
    }
    if (c->run(shell, argc, argv) == -EINVAL)      /* bad arguments: show the usage */
        kprintf("usage: %s\n", c->usage);
}

static int cmd_help(struct shell_state *shell, int argc, char **argv)
{
    (void)shell;
    if (argc > 2) {
        kprintf("help: one command at a time\n");
        return -EINVAL;
    }
    if (argc == 2) {
        const struct command *c = command_find(argv[1]);
        if (!c) {
            kprintf("help: no command called %s\n", argv[1]);
            return -EINVAL;
        }
        kprintf("usage: %s\n  %s\n", c->usage, c->help);
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        kprintf("  %-8s %s\n", commands[i].name, commands[i].help);
    return 0;
}

static int no_arguments(int argc, char **argv)
{
    if (argc == 1)
        return 0;
    kprintf("%s: takes no arguments\n", argv[0]);
    return -EINVAL;
}

static int cmd_clear(struct shell_state *shell, int argc, char **argv)
{
    (void)shell;
    if (no_arguments(argc, argv))
        return -EINVAL;
    kprintf("\033[2J\033[H");
    return 0;
}

static int cmd_echo(struct shell_state *shell, int argc, char **argv)
{
    (void)shell;
    for (int i = 1; i < argc; i++)
        kprintf("%s%s", argv[i], i + 1 < argc ? " " : "");
    kprintf("\n");
    return 0;
}

static int cmd_uptime(struct shell_state *shell, int argc, char **argv)
{
    (void)shell;
    if (no_arguments(argc, argv))
        return -EINVAL;
    uint64_t ticks = pit_ticks();
    kprintf("up %lu ticks = %lu.%02lu s (%u Hz)\n", ticks, ticks / PIT_HZ,
            (ticks % PIT_HZ) * 100 / PIT_HZ, PIT_HZ);
    /* The lines with a handler (uart16550.h has the port map). The others stay masked
     * and never count, except the 8259's spurious IRQ 7 and 15; COM2, the trace port,
     * only transmits, polled, so its IRQ 3 is one of them. */
    static const char *const names[IRQ_LINES] = {
        [0] = "timer", [1] = "keyboard", [4] = "COM1", [5] = "COM3 (GDB)",
    };
    for (unsigned line = 0; line < IRQ_LINES; line++) {
        if (irq_count(line) || irq_spurious_count(line))
            kprintf("  IRQ %-2u %-10s %lu interrupts, %lu spurious\n", line,
                    names[line] ? names[line] : "", irq_count(line),
                    irq_spurious_count(line));
    }
    return 0;
}

static int cmd_mem(struct shell_state *shell, int argc, char **argv)
{
    (void)shell;
    if (no_arguments(argc, argv))
        return -EINVAL;
    kmalloc_print_stats();
    return 0;
}

static int cmd_tasks(struct shell_state *shell, int argc, char **argv)
{
    (void)shell;
    if (no_arguments(argc, argv))
        return -EINVAL;
    static struct task_info info[TASK_MAX];
    size_t n = executor_tasks(info, ARRAY_SIZE(info));
    kprintf("  %5s %-15s %-8s %8s %8s %8s\n", "id", "name", "state", "polls", "wakes",
            "ticks");
    for (size_t i = 0; i < n; i++)
        kprintf("  %5u %-15s %-8s %8u %8u %8u\n", info[i].id, info[i].name,
                task_state_name(info[i].state), info[i].polls, info[i].wakes,
                info[i].poll_ticks);
    return 0;
}

static void print_recent(const uint32_t *record, uint32_t seq, uint64_t tick, void *ctx)
{
    (void)ctx;
    char text[160];
    trace_format_record(record, tick, text, sizeof(text));
    kprintf("%7u %s\n", seq, text);
}

#define TRACE_TAIL_MAX 1000                      /* trace tail N, monitor trace N */

static int cmd_trace(struct shell_state *shell, int argc, char **argv)
{
    (void)shell;
    if (argc == 1) {
        struct trace_stats s;
        trace_get_stats(&s);
        kprintf("trace: %s, ring %lu of %u words in use, event table 0x%08x\n",
                s.enabled ? "on" : "off", s.used_words, s.capacity_words, s.table_hash);
        kprintf("  %lu words recorded, %lu records (%lu bytes) streamed on COM2, "
                "%lu events dropped\n", s.recorded_words, s.drained, s.stream_bytes,
                s.dropped);
        return 0;
    }
    if (argc == 2 && (strcmp(argv[1], "on") == 0 || strcmp(argv[1], "off") == 0)) {
        trace_set_enabled(argv[1][1] == 'n');
        kprintf("trace %s\n", argv[1]);
        return 0;
    }
    uint64_t n;
    if (argc == 3 && strcmp(argv[1], "tail") == 0 &&
        parse_unsigned(argv[2], TRACE_TAIL_MAX, &n) == 0) {
        trace_drain();                           /* what is in the ring, too */
        trace_recent((size_t)n, print_recent, NULL);
        return 0;
    }
    kprintf("trace: expected nothing, tail N (N <= %u), on or off\n", TRACE_TAIL_MAX);
    return -EINVAL;
}

static int cmd_irq(struct shell_state *shell, int argc, char **argv)
{
    (void)shell;
    if (no_arguments(argc, argv))
        return -EINVAL;
    for (unsigned v = 0; v < EXCEPTION_VECTORS; v++) {
        if (trap_exception_count(v))
            kprintf("  vector %-3u %-28s %lu\n", v, trap_exception_name(v),
                    trap_exception_count(v));
    }
    for (unsigned line = 0; line < IRQ_LINES; line++) {
        if (irq_count(line) || irq_spurious_count(line))
            kprintf("  vector %-3u IRQ %-24u %lu (+%lu spurious)\n", IRQ_BASE_VECTOR + line,
                    line, irq_count(line), irq_spurious_count(line));
    }
    return 0;
}

static int cmd_panic(struct shell_state *shell, int argc, char **argv)
{
    (void)shell;
    if (argc < 2) {
        kprintf("panic: say why\n");
        return -EINVAL;
    }
    char message[128] = "";
    size_t n = 0;
    for (int i = 1; i < argc && n < sizeof(message); i++)
        n += (size_t)ksnprintf(message + n, sizeof(message) - n, "%s%s", i > 1 ? " " : "",
                               argv[i]);
    panic("%s", message);
}

static volatile int fault_sink;

static int cmd_fault(struct shell_state *shell, int argc, char **argv)
{
    (void)shell;
    const char *kind = argc == 2 ? argv[1] : "";
    if (strcmp(kind, "page") == 0)
        fault_sink = *(volatile int *)0xdead0000ul;           /* #PF, vector 14 */
    else if (strcmp(kind, "divide") == 0)
        fault_sink = provoke_divide(1, 0);                    /* #DE, vector 0 */
    else if (strcmp(kind, "opcode") == 0)
        cpu_ud2();                                            /* #UD, vector 6 */
    else if (strcmp(kind, "breakpoint") == 0)
        cpu_int3();                                           /* #BP, vector 3: resumes */
    else if (strcmp(kind, "stack") == 0)
        fault_sink = (int)provoke_recursion(0);               /* guard page -> #DF */
    else {
        kprintf("fault: expected page, divide, opcode, breakpoint or stack\n");
        return -EINVAL;
    }
    kprintf("fault: %s handled; the kernel carries on\n", kind);
    return 0;
}

static int cmd_sleep(struct shell_state *shell, int argc, char **argv)
{
    uint64_t ms;
    if (argc != 2 || parse_unsigned(argv[1], 3600000, &ms) != 0) {
        kprintf("sleep: expected milliseconds, 0 to 3600000\n");
        return -EINVAL;
    }
    sleep_start_ms(&shell->sleep, ms);
    shell->sleeping = true;
    return 0;
}

static int cmd_busy(struct shell_state *shell, int argc, char **argv)
{
    (void)shell;
    uint64_t ms;
    if (argc != 2 || parse_unsigned(argv[1], 60000, &ms) != 0) {
        kprintf("busy: expected milliseconds, 0 to 60000\n");
        return -EINVAL;
    }
    if (input_mode() != TRACE_MODE_NORMAL) {          /* no tick arrives inside a poll */
        kprintf("busy: unavailable in record and replay mode (ticks come only between polls)\n");
        return -EPERM;
    }
    uint64_t until = pit_ticks() + (ms * PIT_HZ + 999) / 1000;
    while (pit_ticks() < until)
        cpu_pause();                         /* the whole kernel waits with us */
    return 0;
}

static int cmd_gdb(struct shell_state *shell, int argc, char **argv)
{
    (void)shell;
    if (no_arguments(argc, argv))
        return -EINVAL;
    if (input_mode() != TRACE_MODE_NORMAL) {          /* a debugger session cannot be replayed */
        kprintf("gdb: unavailable in record and replay mode "
                "(a debugger session cannot be replayed)\n");
        return -EPERM;
    }
    if (!gdbstub_kernel_ready()) {
        kprintf("gdb: no stub (COM3 missing)\n");
        return 0;
    }
    kprintf("gdb: waiting on COM3 for GDB (target remote ...)\n");
    gdbstub_breakpoint();
    kprintf("gdb: resumed\n");
    return 0;
}

/*
 * GDB's `monitor` commands: a few of the shell's reports, run by their own handlers. This
 * table is their one list: the monitor answers every command itself, `help` and an
 * unknown one with this list (the GDB stub only relays what it prints).
 */
static const struct monitor_command {
    const char *name;
    const char *usage;                       /* what follows `monitor` */
    int argc;
    const char *help;                        /* NULL: the shell command's own */
} monitor_commands[] = {
    { "tasks", "tasks",   1, NULL },
    { "trace", "trace N", 2, "the last N trace records (trace tail N)" },
    { "mem",   "mem",     1, NULL },
    { "help",  "help",    1, "this list" },
};

static void monitor_list(void)
{
    kprintf("monitor commands:\n");
    for (size_t i = 0; i < ARRAY_SIZE(monitor_commands); i++) {
        const struct monitor_command *m = &monitor_commands[i];
        kprintf("  %-8s %s\n", m->usage, m->help ? m->help : command_find(m->name)->help);
    }
}

void shell_monitor(const char *command)
{
    char line[GDBSTUB_MONITOR_MAX + 1];      /* the stub hands on no longer command */
    struct parsed_line args;
    const char *error;
    strlcpy(line, command, sizeof(line));
    if (parse_line(line, &args, &error) != 0) {
        kprintf("monitor: %s\n", error);
        return;
    }
    const struct monitor_command *m = NULL;
    for (size_t i = 0; args.argc > 0 && i < ARRAY_SIZE(monitor_commands); i++) {
        if (strcmp(monitor_commands[i].name, args.argv[0]) == 0)
            m = &monitor_commands[i];
    }
    if (!m) {
        if (args.argc > 0)
            kprintf("unknown monitor command: %s\n", args.argv[0]);
        monitor_list();
    } else if (args.argc != m->argc) {
        kprintf("usage: monitor %s\n", m->usage);
    } else if (strcmp(m->name, "help") == 0) {
        monitor_list();
    } else if (strcmp(m->name, "mem") == 0 && kmalloc_updating()) {
        /* GDB may stop the kernel inside kmalloc or kfree (a breakpoint, a step; not
         * Ctrl-C, the heap runs with IRQs off), where the heap's lists and counts are
         * half-updated: reading them printed a largest free block of 2^64 - 8 bytes.
         * The shell's own `mem` runs in a task and can never land there. */
        kprintf("monitor mem: the kernel stopped inside the heap (kmalloc); continue past "
                "it and ask again\n");
    } else if (strcmp(m->name, "trace") == 0) {
        uint64_t n;
        if (parse_unsigned(args.argv[1], TRACE_TAIL_MAX, &n) != 0) {
            kprintf("monitor trace: N must be a number from 0 to %u, not %s\n",
                    TRACE_TAIL_MAX, args.argv[1]);
        } else {
            trace_drain_at_stop();               /* GDB may have stopped a writer */
            trace_recent((size_t)n, print_recent, NULL);
        }
    } else {
        command_run(NULL, args.argc, args.argv);
    }
}

static int cmd_reboot(struct shell_state *shell, int argc, char **argv)
{
    (void)shell;
    if (no_arguments(argc, argv))
        return -EINVAL;
    kprintf("rebooting...\n");
    replay_reboot();                         /* a replay ends here */
    trace_flush();
    ps2kbd_reset_system();                   /* the keyboard controller's reset line */
    arch_triple_fault();                     /* if that did nothing */
}

static int cmd_version(struct shell_state *shell, int argc, char **argv)
{
    (void)shell;
    if (no_arguments(argc, argv))
        return -EINVAL;
    kprintf("Lockstep %s (x86_64), trace event table 0x%08x\n", LOCKSTEP_VERSION,
            trace_table_hash());
    return 0;
}
