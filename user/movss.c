/*
 * movss.c - `movss`: loads SS from a variable and makes a syscall in the next
 * instruction, `mov ss_selector, %ss; syscall` (getpid), the sequence behind
 * CVE-2018-8897. A mov to SS holds a debug exception back for one instruction (SDM
 * Vol.3A 6.8.3), so with a watchpoint on ss_selector, real hardware delivers its #DB
 * after `syscall`, in ring 0 on the user's stack (kernel/arch/x86_64/user_entry.S says
 * what that would mean here). Without a watchpoint it just prints
 * "movss: getpid after mov ss = N" and exits 0. tests/gdb watches ss_selector.
 */
#include "ulib.h"

/* The user data selector, GDT_USER_DATA | RPL 3 (layout.h), which SS holds in ring 3
 * already. Initialised, not written at run time, so a watchpoint on it fires only on
 * the mov to SS. */
volatile unsigned short ss_selector = 0x1b;

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    long pid;
    __asm__ volatile("mov %1, %%ss\n\tsyscall"
                     : "=a"(pid)
                     : "m"(ss_selector), "a"((long)SYS_getpid)
                     : "rcx", "r11", "memory");
    printf("movss: getpid after mov ss = %ld\n", pid);
    return 0;
}
