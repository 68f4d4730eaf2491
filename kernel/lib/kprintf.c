/*
 * kprintf.c - the console list and kprintf. Formatting goes through format_v into a small
 * stack buffer that is flushed to every console when full and at the end of each call,
 * so a console sees whole runs of text rather than single characters.
 * The console table is changed only with IRQs off (at boot, or by tests).
 */
#include "kprintf.h"
#include "errno.h"
#include "format.h"

static struct console *consoles[CONSOLE_MAX];   /* changed with IRQs off */

int console_register(struct console *console)
{
    for (size_t i = 0; i < CONSOLE_MAX; i++) {
        if (!consoles[i]) {
            consoles[i] = console;
            return 0;
        }
    }
    return -ENOSPC;
}

int console_unregister(struct console *console)
{
    for (size_t i = 0; i < CONSOLE_MAX; i++) {
        if (consoles[i] == console) {
            consoles[i] = NULL;
            return 0;
        }
    }
    return -ENOENT;
}

void console_write(const char *text, size_t len)
{
    for (size_t i = 0; i < CONSOLE_MAX; i++) {
        struct console *c = READ_ONCE(consoles[i]);
        if (c)
            c->write(c, text, len);
    }
}

struct line {
    char buf[128];
    size_t used;
};

static void line_sink(const char *text, size_t len, void *ctx)
{
    struct line *l = ctx;
    while (len) {
        size_t room = sizeof(l->buf) - l->used;
        size_t n = len < room ? len : room;
        for (size_t i = 0; i < n; i++)
            l->buf[l->used + i] = text[i];
        l->used += n;
        text += n;
        len -= n;
        if (l->used == sizeof(l->buf)) {
            console_write(l->buf, l->used);
            l->used = 0;
        }
    }
}

int kvprintf(const char *fmt, va_list args)
{
    struct line l = { .used = 0 };
    int n = format_v(line_sink, &l, fmt, args);
    console_write(l.buf, l.used);
    return n;
}

int kprintf(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = kvprintf(fmt, args);
    va_end(args);
    return n;
}
