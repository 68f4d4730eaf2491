/*
 * test_user.c - user programs on the real CPU: the pointer checks every syscall relies
 * on (uspace.h) against a real program's page tables, programs from the initrd run in
 * ring 3 to their exit codes (misbehaving ones killed, the kernel unharmed), console
 * input and kill reaching a program that waits in read, and every frame given back.
 * Each test drives the executor itself until its programs are done.
 */
#include "cpu.h"
#include "cpu_regs.h"
#include "elf.h"
#include "errno.h"
#include "executor.h"
#include "frame.h"
#include "ktest.h"
#include "layout.h"
#include "pit.h"
#include "process.h"
#include "string.h"
#include "terminal.h"
#include "user.h"

static uint64_t free_frames(void)
{
    struct pmm_stats s;
    pmm_stats(&s);
    return s.free_frames;
}

/* Poll until no task is ready: a program waiting in read stays waiting. */
static void run_until_quiet(void)
{
    while (executor_poll_one())
        ;
}

static int spawn(const char *a, const char *b)
{
    char *argv[] = { (char *)a, (char *)b, NULL };
    return process_spawn(b ? 2 : 1, argv);
}

KTEST(user_pointers_are_checked_against_the_program_tables)
{
    struct initrd_file file;
    struct elf_image image;
    struct uspace space;
    const char *error = "";
    char *argv[] = { "hello", "second", NULL };
    uint64_t before = free_frames();
    KCHECK(process_initrd() != NULL);
    KCHECK_EQ(initrd_find(process_initrd(), "hello", &file), 0);
    KCHECK_EQ(elf_parse(file.data, file.size, &image, &error), 0);
    KCHECK_EQ(uspace_create(&space, &image, file.data, 2, argv), 0);

    uint64_t kernel_text = (uint64_t)(uintptr_t)&run_until_quiet;
    KCHECK_EQ(uspace_check(&space, kernel_text, 1, false), -EFAULT);
    KCHECK_EQ(uspace_check(&space, (uint64_t)(uintptr_t)&space, 8, true), -EFAULT);
    KCHECK_EQ(uspace_check(&space, 0, 1, false), -EFAULT);          /* NULL */
    KCHECK_EQ(uspace_check(&space, USER_BASE - 1, 2, false), -EFAULT);
    KCHECK_EQ(uspace_check(&space, USER_END - 8, 16, false), -EFAULT);
    KCHECK_EQ(uspace_check(&space, ~0ull - 15, 32, false), -EFAULT); /* wraps around */
    KCHECK_EQ(uspace_check(&space, image.entry, 16, false), 0);      /* text: r-x */
    KCHECK_EQ(uspace_check(&space, image.entry, 16, true), -EFAULT);
    KCHECK_EQ(uspace_check(&space, space.stack_pointer, 64, true), 0);
    KCHECK_EQ(uspace_check(&space, USER_STACK_TOP - USER_STACK_SIZE - 8, 16, false),
              -EFAULT);                                              /* the guard page */
    KCHECK_EQ(uspace_check(&space, 0, 0, true), 0);                  /* nothing to check */

    /* The System V entry stack: argc, argv[] pointing at the strings, NULL. */
    uint64_t words[4];
    char text[16];
    KCHECK_EQ(uspace_copy_in(&space, words, space.stack_pointer, sizeof(words)), 0);
    KCHECK_EQ(words[0], 2);
    KCHECK_EQ(words[3], 0);
    KCHECK_EQ(uspace_string_in(&space, text, words[2], sizeof(text)), 6);
    KCHECK_STR(text, "second");
    KCHECK_EQ(space.stack_pointer % 16, 0);

    /* A string without its NUL within the limit, and one running off the mapping. */
    KCHECK_EQ(uspace_copy_out(&space, space.stack_pointer - 64, "aaaaaaaaaaaa", 12), 0);
    KCHECK_EQ(uspace_string_in(&space, text, space.stack_pointer - 64, 8), -ENAMETOOLONG);
    KCHECK_EQ(uspace_copy_out(&space, USER_STACK_TOP - 4, "abcd", 4), 0);
    KCHECK_EQ(uspace_string_in(&space, text, USER_STACK_TOP - 4, 16), -EFAULT);
    KCHECK_EQ(uspace_copy_out(&space, image.entry, "x", 1), -EFAULT);

    uspace_destroy(&space);
    KCHECK_EQ(free_frames(), before);
}

KTEST(programs_run_to_their_exit_codes)
{
    KCHECK_EQ(ktest_run_to_exit(spawn("hello", NULL), 100), 0);   /* warms up heap and tables */
    uint64_t before = free_frames();
    KCHECK_EQ(ktest_run_to_exit(spawn("hello", NULL), 100), 0);
    KCHECK_EQ(ktest_run_to_exit(spawn("echo", "words"), 100), 0);
    KCHECK_EQ(ktest_run_to_exit(spawn("cat", "readme.txt"), 100), 0);
    KCHECK_EQ(ktest_run_to_exit(spawn("cat", "nosuch"), 100), 1);
    KCHECK_EQ(ktest_run_to_exit(spawn("counter", "2"), 100), 0);
    KCHECK_EQ(ktest_run_to_exit(spawn("kernelptr", NULL), 100), 0);  /* every call -EFAULT */
    KCHECK_EQ(ktest_run_to_exit(spawn("badsys", NULL), 100), 0);     /* -ENOSYS */
    KCHECK_EQ(ktest_run_to_exit(spawn("nullptr", NULL), 100), PROCESS_EXIT_KILLED);
    KCHECK_EQ(ktest_run_to_exit(spawn("privileged", NULL), 100), PROCESS_EXIT_KILLED);
    KCHECK_EQ(ktest_run_to_exit(spawn("divide", NULL), 100), PROCESS_EXIT_KILLED);
    KCHECK_EQ(ktest_run_to_exit(spawn("undefined", NULL), 100), PROCESS_EXIT_KILLED);
    KCHECK_EQ(ktest_run_to_exit(spawn("fpu", NULL), 100), PROCESS_EXIT_KILLED);   /* #NM */
    KCHECK_EQ(ktest_run_to_exit(spawn("fpu", "mmx"), 100), PROCESS_EXIT_KILLED);  /* #UD */
    KCHECK_EQ(ktest_run_to_exit(spawn("flood", "8"), 100), 0);
    KCHECK_EQ(ktest_run_to_exit(spawn("exitwith", "7"), 100), 7);
    KCHECK_EQ(free_frames(), before);
}

/* Regression (review): the programs took what digits they found, so `counter abc` and
 * `counter -5` ran once, `counter 99999999999` ran 100 times, `exitwith abc` exited 0,
 * `exitwith 99999999999999999999` 999999999 and `flood 3x` wrote 3 KiB. A number
 * argument must now be all digits and in range, or the program exits 2 (ulib.c,
 * number_argument). */
KTEST(programs_refuse_bad_number_arguments_with_exit_code_2)
{
    static const char *const bad[][2] = {
        { "counter", "abc" }, { "counter", "-5" }, { "counter", "99999999999" },
        { "counter", "0" }, { "counter", "101" }, { "counter", "" }, { "counter", "3x" },
        { "exitwith", "abc" }, { "exitwith", "99999999999999999999" },
        { "exitwith", "2147483648" }, { "exitwith", "-2147483649" }, { "exitwith", "-" },
        { "exitwith", "+3" }, { "exitwith", "7 " },
        { "flood", "3x" }, { "flood", "0" }, { "flood", "2049" }, { "flood", "-1" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        KCHECK_EQ(ktest_run_to_exit(spawn(bad[i][0], bad[i][1]), 100), 2);
    KCHECK_EQ(ktest_run_to_exit(spawn("exitwith", "-2147483648"), 100), -2147483647 - 1);
    KCHECK_EQ(ktest_run_to_exit(spawn("exitwith", "2147483647"), 100), 2147483647);
    KCHECK_EQ(ktest_run_to_exit(spawn("exitwith", "-0"), 100), 0);
    KCHECK_EQ(ktest_run_to_exit(spawn("exitwith", "007"), 100), 7);
    KCHECK_EQ(ktest_run_to_exit(spawn("counter", "1"), 100), 0);
}

KTEST(spawn_refuses_what_is_not_a_program)
{
    char *many[USPACE_ARGS_MAX + 2];
    for (int i = 0; i < USPACE_ARGS_MAX + 1; i++)
        many[i] = "hello";
    many[USPACE_ARGS_MAX + 1] = NULL;
    uint64_t before = free_frames();
    KCHECK_EQ(spawn("readme.txt", NULL), -ENOEXEC);
    KCHECK_EQ(spawn("nosuch", NULL), -ENOENT);
    KCHECK_EQ(process_spawn(USPACE_ARGS_MAX + 1, many), -E2BIG);
    KCHECK_EQ(free_frames(), before);
}

KTEST(console_input_and_kill_reach_a_program_waiting_in_read)
{
    int pid = spawn("keys", NULL);
    KCHECK(pid > 0);
    run_until_quiet();                                 /* it waits in read(0) */
    KCHECK(task_find((uint16_t)pid)->state == TASK_LIVE);
    KCHECK_EQ(terminal_input("one\n", 4), 0);
    KCHECK_EQ(terminal_input("quit\n", 5), 0);
    KCHECK_EQ(ktest_run_to_exit(pid, 100), 0);

    pid = spawn("keys", NULL);
    run_until_quiet();
    char big[TERMINAL_INPUT_MAX + 1];
    memset(big, 'x', sizeof(big));
    KCHECK_EQ(terminal_input(big, sizeof(big)), -ENOSPC);
    KCHECK_EQ(process_kill((uint16_t)pid, "killed by test_user"), 0);
    KCHECK_EQ(ktest_run_to_exit(pid, 100), PROCESS_EXIT_KILLED);
    KCHECK_EQ(process_kill((uint16_t)pid, "again"), -ESRCH);
    const char *text;
    KCHECK_EQ(terminal_line(&text), 0);                /* nothing was left behind */
}

/* Regression (review): lines typed while a program ran were all handed to it, so a line
 * typed ahead of a program that never reads (or typed after Ctrl+C) was lost. They wait
 * in the terminal's queue now: the program takes what it reads, the shell the rest. */
KTEST(input_a_program_does_not_read_stays_for_the_shell)
{
    const char *text;
    KCHECK_EQ(terminal_input("echo typed-ahead\n", 17), 0);
    KCHECK_EQ(ktest_run_to_exit(spawn("hello", NULL), 100), 0);     /* never reads */
    KCHECK_EQ(terminal_line(&text), 17);
    KCHECK(memcmp(text, "echo typed-ahead\n", 17) == 0);
    terminal_consume(17);

    int pid = spawn("keys", NULL);                     /* reads up to "quit" only */
    KCHECK_EQ(terminal_input("one\nquit\nafter\n", 15), 0);
    KCHECK_EQ(ktest_run_to_exit(pid, 100), 0);
    KCHECK_EQ(terminal_line(&text), 6);
    KCHECK(memcmp(text, "after\n", 6) == 0);
    terminal_flush();
    KCHECK_EQ(terminal_line(&text), 0);
}

/* Regression (review): a long write ran to its end inside one poll, so nothing else ran
 * and Ctrl+C waited for it (16 MiB: 164 s). It now writes a page per poll. */
KTEST(a_long_write_lets_the_other_tasks_run_and_can_be_killed)
{
    int pid = spawn("flood", "64");                     /* 64 KiB in one write() */
    KCHECK(pid > 0);
    for (int i = 0; i < 6; i++)
        executor_poll_one();                           /* start, then 5 pages */
    const struct task *t = task_find((uint16_t)pid);
    KCHECK(t && t->state == TASK_LIVE && t->polls >= 3);
    KCHECK_EQ(process_kill((uint16_t)pid, "killed by test_user"), 0);
    KCHECK_EQ(ktest_run_to_exit(pid, 100), PROCESS_EXIT_KILLED);
}

/* Regression (review): user_run never set ds, es, fs or gs, and neither sysretq nor
 * iretq resets a selector ring 3 may load, so one program's selectors were the next
 * one's: after `segments set` (0x1b in all four), `segments` started with 0x1b. They
 * are the program's own now (struct user_segments): a new program starts with null
 * selectors while another that loaded 0x1b waits in read, and that one still has its
 * 0x1b when it comes back after the new one has run. */
KTEST(a_program_starts_with_null_data_selectors_and_keeps_its_own)
{
    KCHECK_EQ(ktest_run_to_exit(spawn("segments", NULL), 100), 0);
    KCHECK_EQ(ktest_run_to_exit(spawn("segments", "set"), 100), 0);
    KCHECK_EQ(ktest_run_to_exit(spawn("segments", NULL), 100), 0);

    int keeper = spawn("segments", "keep");
    KCHECK(keeper > 0);
    run_until_quiet();                                 /* 0x1b loaded; waits in read(0) */
    KCHECK(task_find((uint16_t)keeper)->state == TASK_LIVE);
    KCHECK_EQ(ktest_run_to_exit(spawn("segments", NULL), 100), 0);
    KCHECK_EQ(terminal_input("\n", 1), 0);
    KCHECK_EQ(ktest_run_to_exit(keeper, 100), 0);
    KCHECK_EQ(ktest_run_to_exit(spawn("segments", "bad"), 100), 2);
}

/* Regression (review): x87 and MMX ran in ring 3 and their registers went from one
 * program to the next, since the kernel saves no FPU state. */
KTEST(ring3_has_no_fpu)
{
    KCHECK(cpu_read_cr0() & CR0_EM);
    KCHECK(!(cpu_read_cr0() & CR0_MP));
}

KTEST(ring3_has_no_time_stamp_counter)
{
    /* A program's only clock is the uptime syscall, which record/replay sees. */
    KCHECK(cpu_read_cr4() & CR4_TSD);
}

KTEST(spin_is_preempted_by_the_timer_and_killed)
{
    int pid = spawn("spin", NULL);
    uint64_t start = pit_ticks();
    KCHECK(pid > 0);
    /* Each poll runs it until the next interrupt; the executor keeps getting control. */
    while (pit_ticks() < start + 5) {
        executor_poll_one();
        executor_idle();
    }
    KCHECK(task_find((uint16_t)pid)->polls >= 3);
    KCHECK_EQ(process_kill((uint16_t)pid, "killed by test_user"), 0);
    KCHECK_EQ(ktest_run_to_exit(pid, 100), PROCESS_EXIT_KILLED);
}
