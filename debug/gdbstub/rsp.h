/*
 * rsp.h - GDB remote serial protocol framing (GDB manual, "Overview" of Remote Protocol):
 *   $payload#cc   cc = two hex digits, the sum of the payload bytes mod 256
 *   +  -          acknowledge / ask for a resend (until QStartNoAckMode)
 *   }x            escape: the byte x ^ 0x20 (for $ # } * inside payloads)
 *   X*c           run-length encoding (our replies only): X, then c - 29 more X's
 *   0x03          (outside a packet) GDB's interrupt request, Ctrl-C
 * Arch-neutral and pure: bytes come and go through a byte backend, so host tests drive it
 * over a fake pipe. Packets longer than RSP_PACKET_MAX are refused, never overflowed.
 */
#ifndef LOCKSTEP_GDBSTUB_RSP_H
#define LOCKSTEP_GDBSTUB_RSP_H

#include "compiler.h"

#define RSP_PACKET_MAX 16384                /* advertised as PacketSize; GDB's own limit */

struct rsp_io {
    int (*getc)(void *ctx);                 /* next byte, waiting for it; < 0: link gone */
    void (*putc)(uint8_t byte, void *ctx);
    void *ctx;
};

struct rsp {
    struct rsp_io io;
    bool no_ack;                            /* after QStartNoAckMode */
    uint64_t bad_checksums, oversize, resends;
    uint64_t sent;                          /* bytes put on the wire (make bench reads it) */
};

enum rsp_status {
    RSP_PACKET = 0,                         /* a packet is in the buffer */
    RSP_INTERRUPT = 1,                      /* Ctrl-C (0x03) arrived between packets */
    RSP_OVERSIZE = 2,                       /* a well-formed packet too long for the buffer */
    RSP_CLOSED = -1,                        /* the byte backend is gone */
};

void rsp_init(struct rsp *rsp, const struct rsp_io *io);

/* Wait for the next packet; its payload (unescaped, NUL-terminated) goes into buf, which
 * holds RSP_PACKET_MAX + 1 bytes, and its length into *len. Bytes outside packets other
 * than 0x03 are skipped; bad checksums are NAKed and the next packet awaited. */
enum rsp_status rsp_receive(struct rsp *rsp, char *buf, size_t *len);

/* Ask GDB to send its packet again ('-'), in ack mode. */
void rsp_request_resend(struct rsp *rsp);

/* Back to ack mode, acknowledging the packet just received: a new GDB connected while
 * the last one's no-ack mode was still on (it went away without D or k). */
void rsp_restart_acks(struct rsp *rsp);

/* Send one packet (escaping and run-length encoding as needed); unless in no-ack mode,
 * resend on '-' (at most 8 times) and return when '+' arrives. Returns 0 or -EIO. */
int rsp_send(struct rsp *rsp, const char *payload, size_t len);
int rsp_send_string(struct rsp *rsp, const char *payload);

/* Hex helpers shared with the packet handlers. */
int rsp_hex_value(char c);                  /* 0-15, or -1 */
size_t rsp_hex_encode(char *out, const void *bytes, size_t len);     /* returns 2*len */
/* Decode 2*len hex digits into bytes; returns 0 or -EINVAL on a bad digit. */
int rsp_hex_decode(void *bytes, const char *hex, size_t len);
/* Parse a hex number up to a separator; *end is set past it. Returns 0 or -EINVAL. */
int rsp_parse_hex(const char *text, uint64_t *value, const char **end);

#endif
