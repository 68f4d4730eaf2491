/*
 * rsp.c - packet framing for the GDB stub (rsp.h). A small state machine per byte:
 * wait for '$', collect (unescaping) until '#', read two checksum digits, check, ack.
 */
#include "rsp.h"
#include "errno.h"

#define MAX_RESENDS 8

void rsp_init(struct rsp *rsp, const struct rsp_io *io)
{
    *rsp = (struct rsp){ .io = *io };
}

int rsp_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t rsp_hex_encode(char *out, const void *bytes, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *b = bytes;
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    return 2 * len;
}

int rsp_hex_decode(void *bytes, const char *hex, size_t len)
{
    uint8_t *b = bytes;
    for (size_t i = 0; i < len; i++) {
        int hi = rsp_hex_value(hex[2 * i]), lo = hi < 0 ? -1 : rsp_hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -EINVAL;
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int rsp_parse_hex(const char *text, uint64_t *value, const char **end)
{
    uint64_t v = 0;
    const char *p = text;
    int digit;
    while ((digit = rsp_hex_value(*p)) >= 0) {
        if (v >> 60)
            return -EINVAL;                /* more than 64 bits */
        v = v << 4 | (uint64_t)digit;
        p++;
    }
    if (p == text)
        return -EINVAL;
    *value = v;
    if (end)
        *end = p;
    return 0;
}

enum rsp_status rsp_receive(struct rsp *rsp, char *buf, size_t *len)
{
    for (;;) {
        int c = rsp->io.getc(rsp->io.ctx);
        if (c < 0)
            return RSP_CLOSED;
        if (c == 0x03)
            return RSP_INTERRUPT;
        if (c != '$')
            continue;                      /* acks, garbage between packets */
        size_t n = 0;
        uint8_t sum = 0;
        bool escaped = false, overflow = false, restart = false;
        for (;;) {
            c = rsp->io.getc(rsp->io.ctx);
            if (c < 0)
                return RSP_CLOSED;
            if (c == '$') {                /* a new packet began: drop the broken one */
                restart = true;
                break;
            }
            if (c == '#')
                break;
            sum += (uint8_t)c;
            if (escaped) {
                c ^= 0x20;
                escaped = false;
            } else if (c == '}') {
                escaped = true;
                continue;
            }
            if (n < RSP_PACKET_MAX)
                buf[n++] = (char)c;
            else
                overflow = true;
        }
        if (restart)
            continue;
        int hi = rsp->io.getc(rsp->io.ctx), lo = hi < 0 ? -1 : rsp->io.getc(rsp->io.ctx);
        if (hi < 0 || lo < 0)
            return RSP_CLOSED;
        int want_hi = rsp_hex_value((char)hi), want_lo = rsp_hex_value((char)lo);
        if (want_hi < 0 || want_lo < 0 || (uint8_t)(want_hi << 4 | want_lo) != sum) {
            rsp->bad_checksums++;
            if (!rsp->no_ack)
                rsp->io.putc('-', rsp->io.ctx);
            continue;                      /* GDB resends it */
        }
        if (!rsp->no_ack)
            rsp->io.putc('+', rsp->io.ctx);
        buf[n] = '\0';
        *len = n;
        if (overflow) {
            rsp->oversize++;
            return RSP_OVERSIZE;
        }
        return RSP_PACKET;
    }
}

static void put_packet(struct rsp *rsp, const char *payload, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    uint8_t sum = 0;
    rsp->io.putc('$', rsp->io.ctx);
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)payload[i];
        if (c == '$' || c == '#' || c == '}' || c == '*') {
            rsp->io.putc('}', rsp->io.ctx);
            sum += '}';
            c ^= 0x20;
        }
        rsp->io.putc(c, rsp->io.ctx);
        sum += c;
    }
    rsp->io.putc('#', rsp->io.ctx);
    rsp->io.putc((uint8_t)digits[sum >> 4], rsp->io.ctx);
    rsp->io.putc((uint8_t)digits[sum & 15], rsp->io.ctx);
}

int rsp_send(struct rsp *rsp, const char *payload, size_t len)
{
    for (int attempt = 0; attempt <= MAX_RESENDS; attempt++) {
        put_packet(rsp, payload, len);
        if (rsp->no_ack)
            return 0;
        for (;;) {
            int c = rsp->io.getc(rsp->io.ctx);
            if (c < 0)
                return -EIO;
            if (c == '+')
                return 0;
            if (c == '-')
                break;                     /* resend */
            /* anything else before the ack: ignore */
        }
        rsp->resends++;
    }
    return -EIO;
}

int rsp_send_string(struct rsp *rsp, const char *payload)
{
    size_t n = 0;
    while (payload[n])
        n++;
    return rsp_send(rsp, payload, n);
}
