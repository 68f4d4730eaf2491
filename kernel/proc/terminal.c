/*
 * terminal.c - the console's input queue (terminal.h): whole lines, each ending in '\n',
 * appended at the back by the shell and taken from the front by read(0) or, once the
 * program that should have read them has ended, by the shell itself. A read may take
 * part of a line; the rest stays in front for the next reader, as on a tty.
 */
#include "terminal.h"
#include "errno.h"
#include "executor.h"
#include "string.h"
#include "trace.h"

static char queue[TERMINAL_INPUT_MAX]; /* queue[0, length): the oldest byte first */
static size_t length;
static uint16_t waiter;                /* a task waiting in read(0), or 0 */

int terminal_input(const char *text, size_t len)
{
    if (len > sizeof(queue) - length)
        return -ENOSPC;
    memcpy(queue + length, text, len);
    length += len;
    if (waiter)
        task_wake(waiter, TRACE_WAKER_TASK(task_current_id()));
    return 0;
}

size_t terminal_line(const char **text)
{
    const char *newline = memchr(queue, '\n', length);
    if (!newline)
        return 0;
    *text = queue;
    return (size_t)(newline - queue) + 1;
}

void terminal_consume(size_t n)
{
    if (n > length)
        n = length;
    memmove(queue, queue + n, length - n);
    length -= n;
}

void terminal_wait(uint16_t id)
{
    waiter = id;
}

void terminal_stop_waiting(uint16_t id)
{
    if (waiter == id)
        waiter = 0;
}

void terminal_flush(void)
{
    length = 0;
}
