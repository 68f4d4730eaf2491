/*
 * format.c - the printf engine (format.h). One pass over the format string; each
 * conversion is parsed into a `struct spec` and emitted by emit_number or emit_text.
 * Padding rules follow C99 7.19.6.1 so that host tests can compare with glibc; the one
 * deliberate difference is %p (fixed 0x + 16 digits, as kernel reports want).
 */
#include "format.h"

struct spec {
    bool left;           /* '-' */
    bool zero;           /* '0' */
    bool plus;           /* '+' */
    bool space;          /* ' ' */
    bool alternate;      /* '#' */
    int width;           /* -1: none */
    int precision;       /* -1: none */
};

struct out {
    format_sink_fn sink;
    void *ctx;
    int count;
};

static void put(struct out *o, const char *text, size_t len)
{
    if (len) {
        o->sink(text, len, o->ctx);
        o->count += (int)len;
    }
}

static void repeat(struct out *o, char c, int n)
{
    char run[16];
    for (int i = 0; i < (int)sizeof(run); i++)
        run[i] = c;
    while (n > 0) {
        int chunk = n < (int)sizeof(run) ? n : (int)sizeof(run);
        put(o, run, (size_t)chunk);
        n -= chunk;
    }
}

static void emit_text(struct out *o, const struct spec *s, const char *text, size_t len)
{
    int pad = s->width > (int)len ? s->width - (int)len : 0;
    if (!s->left)
        repeat(o, ' ', pad);
    put(o, text, len);
    if (s->left)
        repeat(o, ' ', pad);
}

static void emit_number(struct out *o, const struct spec *s, uint64_t value, bool negative,
                        unsigned base, bool upper, const char *prefix)
{
    const char *digit_chars = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char digits[24];
    int n = 0;
    if (!(value == 0 && s->precision == 0)) {   /* "%.0d" of 0 prints no digits */
        do {
            digits[n++] = digit_chars[value % base];
            value /= base;
        } while (value);
    }
    char sign[3];
    int sign_len = 0;
    if (negative)
        sign[sign_len++] = '-';
    else if (s->plus)
        sign[sign_len++] = '+';
    else if (s->space)
        sign[sign_len++] = ' ';
    for (; prefix && *prefix; prefix++)
        sign[sign_len++] = *prefix;

    int zeros = s->precision > n ? s->precision - n : 0;
    if (s->zero && !s->left && s->precision < 0 && s->width > sign_len + n)
        zeros = s->width - sign_len - n;
    int pad = s->width - sign_len - zeros - n;

    if (!s->left)
        repeat(o, ' ', pad);
    put(o, sign, (size_t)sign_len);
    repeat(o, '0', zeros);
    for (int i = n - 1; i >= 0; i--)
        put(o, &digits[i], 1);
    if (s->left)
        repeat(o, ' ', pad);
}

/* Widths and precisions beyond this are clamped, so no padding sum can overflow. */
#define FIELD_MAX 100000

static int parse_number(const char **p)
{
    int n = 0;
    while (**p >= '0' && **p <= '9') {
        if (n < FIELD_MAX)
            n = n * 10 + (**p - '0');
        (*p)++;
    }
    return n;
}

static int clamp_field(int n)
{
    return n > FIELD_MAX ? FIELD_MAX : n < -FIELD_MAX ? -FIELD_MAX : n;
}

int format_v(format_sink_fn sink, void *ctx, const char *fmt, va_list args)
{
    struct out o = { .sink = sink, .ctx = ctx, .count = 0 };
    va_list ap;
    va_copy(ap, args);

    while (*fmt) {
        const char *run = fmt;
        while (*fmt && *fmt != '%')
            fmt++;
        put(&o, run, (size_t)(fmt - run));
        if (!*fmt)
            break;

        const char *start = fmt++;       /* at '%' */
        struct spec s = { .width = -1, .precision = -1 };
        for (;; fmt++) {
            if (*fmt == '-') s.left = true;
            else if (*fmt == '0') s.zero = true;
            else if (*fmt == '+') s.plus = true;
            else if (*fmt == ' ') s.space = true;
            else if (*fmt == '#') s.alternate = true;
            else break;
        }
        if (*fmt == '*') {
            s.width = clamp_field(va_arg(ap, int));
            if (s.width < 0) {
                s.left = true;
                s.width = -s.width;
            }
            fmt++;
        } else if (*fmt >= '0' && *fmt <= '9') {
            s.width = parse_number(&fmt);
        }
        if (*fmt == '.') {
            fmt++;
            if (*fmt == '*') {
                s.precision = clamp_field(va_arg(ap, int));
                if (s.precision < 0)
                    s.precision = -1;
                fmt++;
            } else {
                s.precision = parse_number(&fmt);
            }
        }
        int size = 0;                    /* -2 hh, -1 h, 0 int, 1 long, 2 long long */
        if (*fmt == 'h') {
            size = -1;
            if (*++fmt == 'h') { size = -2; fmt++; }
        } else if (*fmt == 'l') {
            size = 1;
            if (*++fmt == 'l') { size = 2; fmt++; }
        } else if (*fmt == 'z') {
            size = 1;
            fmt++;
        }

        char conversion = *fmt;
        if (conversion)
            fmt++;
        switch (conversion) {
        case 'd':
        case 'i': {
            int64_t v;
            if (size >= 2) v = va_arg(ap, long long);
            else if (size == 1) v = va_arg(ap, long);
            else v = va_arg(ap, int);
            if (size == -1) v = (short)v;
            if (size == -2) v = (signed char)v;
            uint64_t magnitude = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            emit_number(&o, &s, magnitude, v < 0, 10, false, NULL);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v;
            if (size >= 2) v = va_arg(ap, unsigned long long);
            else if (size == 1) v = va_arg(ap, unsigned long);
            else v = va_arg(ap, unsigned int);
            if (size == -1) v = (unsigned short)v;
            if (size == -2) v = (unsigned char)v;
            s.plus = s.space = false;    /* sign flags apply to signed conversions only */
            const char *prefix = NULL;
            if (conversion != 'u' && s.alternate && v != 0)
                prefix = conversion == 'x' ? "0x" : "0X";
            emit_number(&o, &s, v, false, conversion == 'u' ? 10 : 16, conversion == 'X',
                        prefix);
            break;
        }
        case 'p': {
            uint64_t v = (uint64_t)(uintptr_t)va_arg(ap, void *);
            struct spec p = { .left = s.left, .width = s.width, .precision = 16 };
            emit_number(&o, &p, v, false, 16, false, "0x");
            break;
        }
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            size_t len = 0;
            while (str[len] && (s.precision < 0 || len < (size_t)s.precision))
                len++;
            emit_text(&o, &s, str, len);
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            emit_text(&o, &s, &c, 1);
            break;
        }
        case '%':
            put(&o, "%", 1);
            break;
        default:                         /* unknown or truncated: print it as written */
            put(&o, start, (size_t)(fmt - start));
            break;
        }
    }
    va_end(ap);
    return o.count;
}

struct buffer {
    char *buf;
    size_t size;
    size_t used;
};

static void buffer_sink(const char *text, size_t len, void *ctx)
{
    struct buffer *b = ctx;
    for (size_t i = 0; i < len; i++) {
        if (b->used + 1 < b->size)
            b->buf[b->used] = text[i];
        b->used++;
    }
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list args)
{
    struct buffer b = { .buf = buf, .size = size, .used = 0 };
    int n = format_v(buffer_sink, &b, fmt, args);
    if (size > 0)
        buf[b.used < size ? b.used : size - 1] = '\0';
    return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = kvsnprintf(buf, size, fmt, args);
    va_end(args);
    return n;
}
