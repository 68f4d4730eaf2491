/*
 * shell.c - the console task (shell.h), for now a placeholder: one line editor fed by
 * both input sources (key events from the keyboard task, bytes from COM1), echoing what
 * is typed and answering Enter with a note that commands are not there yet.
 */
#include "shell.h"
#include "executor.h"
#include "keyboard.h"
#include "kprintf.h"
#include "serial_input.h"

#define PROMPT "lockstep> "

struct console_task {
    struct async async;
    struct key_event key;
    uint8_t byte;
    bool have_key, have_byte;
};

static struct console_task console;

/* Poll both sources (each registers us if it has nothing); true if either had input. */
static bool input_ready(struct console_task *c)
{
    c->have_byte = serial_read_byte(&c->byte);
    c->have_key = keyboard_read_key(&c->key);
    return c->have_byte || c->have_key;
}

static void typed(char c)
{
    if (c == '\r' || c == '\n')
        kprintf("\n(no shell yet: the line was not run)\n" PROMPT);
    else if (c >= ' ' && c < 0x7f)
        kprintf("%c", c);
}

static enum poll console_poll(struct task *task)
{
    struct console_task *c = task->data;
    ASYNC_BEGIN(&c->async);
    kprintf(PROMPT);
    for (;;) {
        AWAIT(&c->async, input_ready(c));
        if (c->have_byte)
            typed((char)c->byte);
        if (c->have_key && c->key.pressed && c->key.ascii)
            typed(c->key.ascii);
    }
    ASYNC_END(&c->async);
}

int shell_start(void)
{
    return task_spawn("shell", console_poll, &console);
}
