/*
 * programs.c - the shell's commands for user programs (rows of commands.c's table):
 * `ls` and `cat` over the initrd, `run PROG [ARGS...]` (also just `PROG`), and
 * `syscalls`, which prints the syscall table. A program runs in the foreground: the
 * shell waits for it (shell.c), queues typed lines where its read(0) finds them
 * (terminal.h) and runs what it leaves unread; Ctrl+C kills it.
 */
#include "commands.h"
#include "elf.h"
#include "errno.h"
#include "format.h"
#include "kprintf.h"
#include "process.h"
#include "string.h"
#include "syscall.h"

static const struct initrd *initrd_or_complain(const char *command)
{
    const struct initrd *rd = process_initrd();
    if (!rd)
        kprintf("%s: no initrd was loaded\n", command);
    return rd;
}

/* The loader's own check (elf_parse), so that `ls` calls a file a program exactly when
 * `run` would load it. */
static bool is_program(const struct initrd_file *f)
{
    struct elf_image image;
    const char *error;
    return elf_parse(f->data, f->size, &image, &error) == 0;
}

int shell_cmd_ls(struct shell_state *shell, int argc, char **argv)
{
    (void)shell;
    const struct initrd *rd = initrd_or_complain(argv[0]);
    struct initrd_file f;
    size_t cursor = 0;
    if (argc != 1) {
        kprintf("ls: takes no arguments (the initrd is one flat directory)\n");
        return -EINVAL;
    }
    if (!rd)
        return -ENOENT;
    while (initrd_next(rd, &cursor, &f) == 1)
        kprintf("  %-12s %7lu  %s\n", f.name, f.size, is_program(&f) ? "program" : "file");
    return 0;
}

int shell_cmd_cat(struct shell_state *shell, int argc, char **argv)
{
    (void)shell;
    const struct initrd *rd = initrd_or_complain(argv[0]);
    struct initrd_file f;
    if (argc != 2) {
        kprintf("cat: one file name expected\n");
        return -EINVAL;
    }
    if (!rd)
        return -ENOENT;
    if (initrd_find(rd, argv[1], &f) != 0) {
        kprintf("cat: %s: no such file (ls lists the initrd)\n", argv[1]);
        return -ENOENT;
    }
    if (memchr(f.data, '\0', f.size)) {
        kprintf("cat: %s is binary (%lu bytes); try run %s\n", argv[1], f.size, argv[1]);
        return -EIO;
    }
    console_write((const char *)f.data, f.size);
    if (f.size > 0 && f.data[f.size - 1] != '\n')
        kprintf("\n");
    return 0;
}

int shell_cmd_run(struct shell_state *shell, int argc, char **argv)
{
    if (argc < 2) {
        kprintf("run: which program? (ls lists them)\n");
        return -EINVAL;
    }
    if (!initrd_or_complain(argv[0]))
        return -ENOENT;
    int pid = process_spawn(argc - 1, argv + 1);   /* prints why it failed */
    if (pid < 0)
        return pid;
    shell->foreground = (uint16_t)pid;
    return 0;
}

int shell_cmd_syscalls(struct shell_state *shell, int argc, char **argv)
{
    (void)shell;
    size_t count;
    const struct syscall_info *table = syscall_table(&count);
    if (argc != 1) {
        kprintf("%s: takes no arguments\n", argv[0]);
        return -EINVAL;
    }
    for (size_t i = 0; i < count; i++) {
        const struct syscall_info *s = &table[i];
        char signature[96];
        size_t at = (size_t)ksnprintf(signature, sizeof(signature), "%s(", s->name);
        for (unsigned a = 0; a < s->arg_count && at < sizeof(signature); a++)
            at += (size_t)ksnprintf(signature + at, sizeof(signature) - at, "%s%s%s%s",
                                    a ? ", " : "", s->arg_types[a],
                                    s->arg_types[a][strlen(s->arg_types[a]) - 1] == '*'
                                        ? "" : " ", s->arg_names[a]);
        if (at < sizeof(signature))
            ksnprintf(signature + at, sizeof(signature) - at, ")");
        kprintf("  %2u  %s\n", s->number, signature);
    }
    kprintf("(docs/syscalls.md describes each; `syscall` with the number in rax)\n");
    return 0;
}
