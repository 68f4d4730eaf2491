/*
 * ulib.c - the user runtime (see ulib.h): print/printf over sys_write, errno names,
 * number arguments, exit. Linked into every program after its own object, with start.S first.
 * printf formats into one stack buffer and writes it with a single syscall, flushing
 * early only when the buffer fills, so each call costs one kernel entry in the common case.
 */
#include "ulib.h"
#include "number.h"

long print(const char *s)
{
    return sys_write(1, s, strlen(s));
}

/* ---- printf ---- */

/* The output of one printf call. `error` holds the first failed write's result; after
 * it, output is dropped so that a bad fd costs one syscall, not one per buffer. */
struct printf_out {
    int fd;
    size_t len;                 /* bytes in buf, not yet written */
    long written;               /* bytes the kernel accepted so far */
    long error;                 /* 0, or the first negated errno from sys_write */
    char buf[ULIB_PRINTF_BUFFER];
};

static void out_flush(struct printf_out *out)
{
    if (out->len && !out->error) {
        long result = sys_write(out->fd, out->buf, out->len);
        if (result < 0)
            out->error = result;
        else
            out->written += result;
    }
    out->len = 0;
}

static void out_char(struct printf_out *out, char c)
{
    if (out->len == sizeof(out->buf))
        out_flush(out);
    out->buf[out->len++] = c;
}

static void out_repeat(struct printf_out *out, char c, int count)
{
    while (count-- > 0)
        out_char(out, c);
}

/* One converted field: `prefix` ("-", "0x" or "") then `len` bytes of `text`, padded to
 * `width`. Zero padding goes between the prefix and the digits, as in C. */
static void out_field(struct printf_out *out, const char *prefix, const char *text, size_t len,
                      int width, bool left, bool zero)
{
    int pad = width - (int)(strlen(prefix) + len);
    if (!left && !zero)
        out_repeat(out, ' ', pad);
    while (*prefix)
        out_char(out, *prefix++);
    if (!left && zero)
        out_repeat(out, '0', pad);
    for (size_t i = 0; i < len; i++)
        out_char(out, text[i]);
    if (left)
        out_repeat(out, ' ', pad);
}

/* Digits of `value` in `base` (10 or 16), written backwards from the end of `end`;
 * returns the first digit. 20 digits hold any 64-bit value. */
static char *format_unsigned(char *end, unsigned long value, unsigned base)
{
    char *p = end;
    do {
        *--p = "0123456789abcdef"[value % base];
        value /= base;
    } while (value);
    return p;
}

int vdprintf(int fd, const char *fmt, va_list args)
{
    struct printf_out out = { .fd = fd };
    char digits[20];
    char *const end = digits + sizeof(digits);

    while (*fmt) {
        if (*fmt != '%') {
            out_char(&out, *fmt++);
            continue;
        }
        const char *spec = fmt++;       /* printed as written if the conversion is unknown */
        bool left = false, zero = false;
        for (;; fmt++) {
            if (*fmt == '-')
                left = true;
            else if (*fmt == '0')
                zero = true;
            else
                break;
        }
        int width = 0;
        while (*fmt >= '0' && *fmt <= '9' && width < 1000)
            width = width * 10 + (*fmt++ - '0');
        int longs = 0;
        while (*fmt == 'l' && longs < 2) {
            longs++;
            fmt++;
        }

        char *p;
        switch (*fmt) {
        case 'd':
        case 'i': {
            long value = longs ? va_arg(args, long) : va_arg(args, int);
            /* Negate as unsigned: -LONG_MIN does not fit in a long. */
            unsigned long magnitude = value < 0 ? -(unsigned long)value : (unsigned long)value;
            p = format_unsigned(end, magnitude, 10);
            out_field(&out, value < 0 ? "-" : "", p, (size_t)(end - p), width, left, zero);
            break;
        }
        case 'u':
        case 'x': {
            unsigned long value = longs ? va_arg(args, unsigned long) : va_arg(args, unsigned);
            p = format_unsigned(end, value, *fmt == 'u' ? 10 : 16);
            out_field(&out, "", p, (size_t)(end - p), width, left, zero);
            break;
        }
        case 'p': {
            /* Always 16 digits, as the kernel's %p prints them: addresses line up. */
            uintptr_t value = (uintptr_t)va_arg(args, void *);
            char *q = end;
            for (int i = 0; i < 16; i++, value >>= 4)
                *--q = "0123456789abcdef"[value & 15];
            out_field(&out, "0x", q, 16, width, left, false);
            break;
        }
        case 's': {
            const char *s = va_arg(args, const char *);
            if (!s)
                s = "(null)";
            out_field(&out, "", s, strlen(s), width, left, false);
            break;
        }
        case 'c': {
            char c = (char)va_arg(args, int);
            out_field(&out, "", &c, 1, width, left, false);
            break;
        }
        case '%':
            out_char(&out, '%');
            break;
        default:
            /* Unknown or truncated ("%" at the end): copy the spec, consume nothing. */
            while (spec < fmt)
                out_char(&out, *spec++);
            continue;
        }
        fmt++;
    }
    out_flush(&out);
    return out.error ? (int)out.error : (int)out.written;
}

int dprintf(int fd, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int result = vdprintf(fd, fmt, args);
    va_end(args);
    return result;
}

int printf(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int result = vdprintf(1, fmt, args);
    va_end(args);
    return result;
}

/* ---- errno names ---- */

/* Indexed by number. errno_names.inc is generated from errno.h by the Makefile (one
 * ERRNO_NAME(EFAULT) line per #define), so the numbers and the names both come from
 * errno.h and a new errno needs no edit here. */
#define ERRNO_NAME(e) [e] = #e,
static const char *const errno_names[] = {
#include "errno_names.inc"
};
#undef ERRNO_NAME

const char *errno_name(long negated_errno)
{
    if (negated_errno >= 0)
        return "OK";
    unsigned long number = -(unsigned long)negated_errno;
    if (number < ARRAY_SIZE(errno_names) && errno_names[number])
        return errno_names[number];
    return "E?";
}

/* ---- number arguments ---- */

int parse_long(const char *text, long min, long max, long *value)
{
    bool negative = *text == '-';
    const char *p = text + negative;
    /* The largest magnitude the range allows on this side of zero, as unsigned: -LONG_MIN
     * does not fit in a long. */
    unsigned long limit = negative ? (min < 0 ? -(unsigned long)min : 0)
                                   : (max > 0 ? (unsigned long)max : 0);
    uint64_t magnitude;
    if (parse_unsigned(p, limit, &magnitude) != 0)
        return -EINVAL;
    long v = !negative ? (long)magnitude : magnitude ? -(long)(magnitude - 1) - 1 : 0;
    if (v < min || v > max)
        return -EINVAL;
    *value = v;
    return 0;
}

long number_argument(const char *program, const char *what, const char *text, long min,
                     long max)
{
    long value;
    if (parse_long(text, min, max, &value) != 0) {
        dprintf(2, "%s: %s must be a whole number from %ld to %ld, not \"%s\"\n", program,
                what, min, max, text);
        exit(2);
    }
    return value;
}

void exit(int code)
{
    sys_exit(code);
    __builtin_trap();           /* ud2: exit came back, so let the kernel kill us */
}
