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

/* Every byte out goes through here, so that rsp->sent counts what the wire carried. */
static void put(struct rsp *rsp, uint8_t byte)
{
    rsp->io.putc(byte, rsp->io.ctx);
    rsp->sent++;
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
                put(rsp, '-');
            continue;                      /* GDB resends it */
        }
        if (!rsp->no_ack)
            put(rsp, '+');
        buf[n] = '\0';
        *len = n;
        if (overflow) {
            rsp->oversize++;
            return RSP_OVERSIZE;
        }
        return RSP_PACKET;
    }
}

/*
 * Replies are run-length encoded, as gdbserver does (GDB manual, "Overview" of the remote
 * protocol): "X*c" stands for X and then c - 29 more copies of X. GDB expands it in every
 * packet it receives. It pays here because every byte on COM3 is an I/O port write (and,
 * under QEMU, a host write() of one byte): stack words, addresses and zeroed memory are
 * full of runs ("ffffffff", "00000000").
 *   - a run is encoded only from 3 repeats on, where "*c" (2 bytes) starts to save;
 *   - c stays printable: at most 97 repeats ('~');
 *   - c may not be '#' or '$' (6 and 7 repeats), which would end or start a packet: those
 *     runs send 5 repeats ('"') and the rest as plain bytes;
 *   - escaped bytes ($ # } *) are never run-length encoded, so '*' on the wire is always
 *     a run.
 */
#define RLE_MIN_REPEATS 3
#define RLE_MAX_REPEATS ('~' - 29)

static void put_packet(struct rsp *rsp, const char *payload, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    uint8_t sum = 0;
    put(rsp, '$');
    for (size_t i = 0; i < len;) {
        uint8_t c = (uint8_t)payload[i++];
        if (c == '$' || c == '#' || c == '}' || c == '*') {
            put(rsp, '}');
            sum += '}';
            c ^= 0x20;
            put(rsp, c);
            sum += c;
            continue;
        }
        put(rsp, c);
        sum += c;
        size_t repeats = 0;
        while (i + repeats < len && (uint8_t)payload[i + repeats] == c &&
               repeats < RLE_MAX_REPEATS)
            repeats++;
        if (repeats < RLE_MIN_REPEATS)
            continue;                      /* sent as plain bytes */
        if (repeats + 29 == '#' || repeats + 29 == '$')
            repeats = '"' - 29;
        uint8_t count = (uint8_t)(repeats + 29);
        put(rsp, '*');
        put(rsp, count);
        sum += '*' + count;
        i += repeats;
    }
    put(rsp, '#');
    put(rsp, (uint8_t)digits[sum >> 4]);
    put(rsp, (uint8_t)digits[sum & 15]);
}

void rsp_request_resend(struct rsp *rsp)
{
    if (!rsp->no_ack)
        put(rsp, '-');
}

void rsp_restart_acks(struct rsp *rsp)
{
    if (rsp->no_ack) {
        rsp->no_ack = false;
        put(rsp, '+');
    }
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
