/*
 * shell.c - the console task (shell.h): input from both sources (key events from the
 * keyboard task, bytes from COM1) goes through one line editor; a finished line is
 * split into arguments and run from the command table. The prompt is "lockstep> ".
 * Output goes to every console (VGA and COM1 alike). While a command runs in the
 * foreground (a user program, or `sleep`), the shell is its terminal, as a tty's line
 * discipline is: typed lines go through a second editor (no prompt, its own history)
 * into the terminal's queue (terminal.h), where a program's read(0) finds them, and
 * Ctrl+C kills the program or ends the sleep. What no program read, and the rest of a
 * line begun meanwhile, the shell takes at its next prompt as if typed there.
 */
#include "shell.h"
#include "commands.h"
#include "executor.h"
#include "gdbstub.h"
#include "keyboard.h"
#include "kprintf.h"
#include "line.h"
#include "parse.h"
#include "process.h"
#include "serial_input.h"
#include "string.h"
#include "terminal.h"
#include "errno.h"

#define PROMPT "lockstep> "

struct shell {
    struct async async;
    struct line_editor editor;
    struct line_editor foreground_editor;  /* lines typed while a command runs */
    struct line_serial serial;             /* COM1's bytes, whichever editor takes them */
    struct shell_state state;
    struct key_event key;
    uint8_t byte;
    bool have_key, have_byte;
    enum line_result result;
};

static struct shell shell;

static enum line_key key_to_line(const struct key_event *k, char *c)
{
    if (!k->pressed)
        return LINE_KEY_NONE;
    switch (k->key) {
    case KEY_Enter:
    case KEY_KeypadEnter: return LINE_KEY_ENTER;
    case KEY_Backspace:   return LINE_KEY_BACKSPACE;
    case KEY_Delete:      return LINE_KEY_DELETE;
    case KEY_Left:        return LINE_KEY_LEFT;
    case KEY_Right:       return LINE_KEY_RIGHT;
    case KEY_Home:        return LINE_KEY_HOME;
    case KEY_End:         return LINE_KEY_END;
    case KEY_Up:          return LINE_KEY_UP;
    case KEY_Down:        return LINE_KEY_DOWN;
    case KEY_Tab:         return LINE_KEY_TAB;
    default:              break;
    }
    if (k->modifiers & KEYMOD_CTRL) {
        switch (k->ascii) {
        case 0x01: return LINE_KEY_HOME;           /* Ctrl+A */
        case 0x05: return LINE_KEY_END;            /* Ctrl+E */
        case 0x15: return LINE_KEY_KILL;           /* Ctrl+U */
        case 0x03: return LINE_KEY_CANCEL;         /* Ctrl+C */
        default:   return LINE_KEY_NONE;
        }
    }
    *c = k->ascii;
    return (unsigned char)k->ascii >= ' ' && (unsigned char)k->ascii < 0x7f ? LINE_KEY_CHAR
                                                                             : LINE_KEY_NONE;
}

/* Feed everything waiting on both sources to the editor; stop at a finished line.
 * True when a line is done (or cancelled); false after registering for more input. */
static bool read_line(struct shell *s, struct line_editor *editor)
{
    for (;;) {
        char c = 0;
        enum line_key key = LINE_KEY_NONE;
        uint64_t lost;
        uint8_t last_lost;
        s->have_byte = serial_read_byte(&s->byte);
        if (s->have_byte) {
            key = line_serial_key(&s->serial, s->byte, &c);
        } else if (serial_read_gap(&lost, &last_lost)) {
            /* COM1's ring was full: the line that lost bytes must not run, nor be
             * joined to the next one (line_serial_gap skips the rest of it). */
            line_serial_gap(&s->serial, last_lost);
            bool cut = editor->len > 0 || s->serial.skip_line;
            line_discard(editor);
            kprintf("(%lu input bytes dropped%s)\n", lost,
                    cut ? ": the line they cut is discarded" : "");
            line_start(editor);
            continue;
        } else {
            s->have_key = keyboard_read_key(&s->key);
            if (!s->have_key)
                return false;                      /* both registered us: wait */
            key = key_to_line(&s->key, &c);
        }
        s->result = line_feed(editor, key, c);
        if (s->result != LINE_EDITING)
            return true;
    }
}

static void run_line(struct shell *s)
{
    struct parsed_line args;
    const char *error;
    if (parse_line(s->editor.done, &args, &error) != 0) {
        kprintf("%s\n", error);
        return;
    }
    if (args.argc > 0)
        command_run(&s->state, args.argc, args.argv);
}

/* Future: the command in the foreground is over: the program has ended, or the sleep.
 * Until then, queue each typed line (a program reads what it wants; the rest is the
 * shell's afterwards), and on Ctrl+C kill the program or end the sleep, dropping what
 * was typed before, as a tty flushes its input on an interrupt. */
static bool foreground_done(struct shell *s)
{
    uint16_t pid = s->state.foreground;
    if (pid && task_join_poll(pid, NULL) != 0) {  /* it said how it ended (process.c) */
        s->state.foreground = 0;
        return true;
    }
    if (s->state.sleeping && sleep_poll(&s->state.sleep)) {
        s->state.sleeping = false;
        return true;
    }
    while (read_line(s, &s->foreground_editor)) {
        if (s->result == LINE_CANCELLED) {
            terminal_flush();
            if (!pid) {
                sleep_cancel(&s->state.sleep);     /* so that its timer wakes nobody */
                s->state.sleeping = false;
                return true;
            }
            process_kill(pid, "interrupted (Ctrl+C)");
        } else {
            size_t len = strlen(s->foreground_editor.done);
            s->foreground_editor.done[len] = '\n';    /* done[] has room: LINE_MAX + 1 */
            if (terminal_input(s->foreground_editor.done, len + 1) == -ENOSPC)
                kprintf("(%s: input buffer full: line dropped)\n", "shell");
        }
    }
    return false;
}

static void type_text(struct line_editor *editor, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        line_feed(editor, LINE_KEY_CHAR, text[i]);
}

/* Input typed ahead while a command ran, in the order it was typed: a whole line no
 * program read is typed at the prompt and entered (true: run it); else the line begun
 * meanwhile, if any, is typed and editing goes on (false: read keys). */
static bool typed_ahead(struct shell *s)
{
    const char *text;
    size_t len = terminal_line(&text);
    if (len) {
        type_text(&s->editor, text, len - 1);         /* without its '\n' */
        terminal_consume(len);
        s->result = line_feed(&s->editor, LINE_KEY_ENTER, 0);
        return true;
    }
    type_text(&s->editor, s->foreground_editor.buf, s->foreground_editor.len);
    line_start(&s->foreground_editor);                /* no prompt: prints nothing */
    return false;
}

static enum poll shell_poll(struct task *task)
{
    struct shell *s = task->data;
    ASYNC_BEGIN(&s->async);
    for (;;) {
        line_start(&s->editor);
        if (!typed_ahead(s))
            AWAIT(&s->async, read_line(s, &s->editor));
        if (s->result == LINE_DONE)
            run_line(s);
        if (s->state.foreground || s->state.sleeping)
            AWAIT(&s->async, foreground_done(s));
    }
    ASYNC_END(&s->async);
}

static void write_console(const char *text, size_t len)
{
    console_write(text, len);
}

int shell_start(void)
{
    gdbstub_set_monitor(shell_monitor);
    line_init(&shell.editor, PROMPT, write_console, command_complete);
    line_init(&shell.foreground_editor, "", write_console, NULL);
    return task_spawn("shell", shell_poll, &shell);
}
