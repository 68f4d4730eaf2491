/*
 * gdbstub.c - one handler per packet of the GDB remote protocol (gdbstub_internal.h),
 * arch-neutral: everything machine-specific goes through struct gdb_target, and the
 * thread packets (H, T, qC, qfThreadInfo/qsThreadInfo, qThreadExtraInfo, vCont's
 * actions) are decided in threads.c. Replies are built in stub->out and sent from here,
 * once per packet. Unknown packets get the empty reply, as the protocol asks; malformed
 * ones get "E01" (bad syntax), and refusals an errno in hex: "E0e" (EFAULT, memory not
 * mapped), "E1c" (ENOSPC, no free slot), "E0d" (EACCES, no breakpoint allowed there).
 */
#include "gdbstub_internal.h"
#include "errno.h"
#include "format.h"
#include "string.h"

#define REPLY_BAD     "E01"                 /* malformed packet */
#define REPLY_FAULT   "E0e"                 /* EFAULT (14): memory not mapped */
#define REPLY_NOSPACE "E1c"                 /* ENOSPC (28): no free slot */
#define REPLY_REFUSED "E0d"                 /* EACCES (13): no breakpoint allowed there */

static const char supported[] =             /* after "PacketSize=%x;" (RSP_PACKET_MAX) */
    "qXfer:features:read+;QStartNoAckMode+;vContSupported+;swbreak+;hwbreak+";

void gdbstub_init(struct gdbstub *stub, const struct rsp_io *io,
                  const struct gdb_target *target)
{
    memset(stub, 0, sizeof(*stub));
    rsp_init(&stub->rsp, io);
    stub->target = target;
}

static void reply(struct gdbstub *stub, const char *text)
{
    rsp_send_string(&stub->rsp, text);
}

static void reply_len(struct gdbstub *stub, size_t len)
{
    rsp_send(&stub->rsp, stub->out, len);
}

/* A reply built in stub->out: its length, or a negative errno (E01). */
static void reply_built(struct gdbstub *stub, int len)
{
    if (len < 0)
        reply(stub, REPLY_BAD);
    else
        reply_len(stub, (size_t)len);
}

static void send_stop(struct gdbstub *stub, const struct gdb_stop *stop)
{
    size_t n = (size_t)ksnprintf(stub->out, sizeof(stub->out), "T%02xthread:%x;",
                                 stop->signal & 0xff, stop->thread);
    if (stop->reason == GDB_STOP_SWBREAK)
        n += (size_t)ksnprintf(stub->out + n, sizeof(stub->out) - n, "swbreak:;");
    else if (stop->reason == GDB_STOP_HWBREAK)
        n += (size_t)ksnprintf(stub->out + n, sizeof(stub->out) - n, "hwbreak:;");
    else if (stop->reason == GDB_STOP_WATCH)
        n += (size_t)ksnprintf(stub->out + n, sizeof(stub->out) - n, "watch:%lx;",
                               stop->watch_address);
    /* Expedite the registers GDB needs at every stop (the target says which), so that a
     * step costs no full 'g' transfer. */
    const struct gdb_target *t = stub->target;
    for (size_t i = 0; i < t->expedite_count; i++) {
        unsigned r = t->expedite[i];
        uint8_t value[16];
        if (t->read_reg(stop->thread, r, value) != 0)
            continue;
        n += (size_t)ksnprintf(stub->out + n, sizeof(stub->out) - n, "%02x:", r);
        n += rsp_hex_encode(stub->out + n, value, t->reg_size(r));
        stub->out[n++] = ';';
    }
    reply_len(stub, n);
}

/* ---- software breakpoints: recorded here, armed by the target while it runs ---- */

static struct gdb_breakpoint *find_breakpoint(struct gdbstub *stub, uint64_t address)
{
    for (size_t i = 0; i < GDB_SW_BREAKPOINTS; i++) {
        if (stub->breakpoints[i].used && stub->breakpoints[i].address == address)
            return &stub->breakpoints[i];
    }
    return NULL;
}

/* Refused unless the target allows it there and the byte can be read and written now
 * (written back unchanged), so that arming it later cannot fail. */
static int insert_breakpoint(struct gdbstub *stub, uint64_t address)
{
    if (find_breakpoint(stub, address))
        return 0;                           /* already there */
    const struct gdb_target *t = stub->target;
    if (t->breakpoint_allowed && t->breakpoint_allowed(address, 0) != 0)
        return -EACCES;
    for (size_t i = 0; i < GDB_SW_BREAKPOINTS; i++) {
        struct gdb_breakpoint *b = &stub->breakpoints[i];
        if (b->used)
            continue;
        uint8_t byte;
        if (t->read_mem(address, &byte, 1) != 0 || t->write_mem(address, &byte, 1) != 0)
            return -EFAULT;
        *b = (struct gdb_breakpoint){ .address = address, .used = true };
        return 0;
    }
    return -ENOSPC;
}

/* An armed one (the target normally lifts them all before the stub runs) gets its
 * byte back first. */
static void forget_breakpoint(struct gdbstub *stub, struct gdb_breakpoint *b)
{
    if (b->armed)
        stub->target->write_mem(b->address, &b->saved, 1);
    *b = (struct gdb_breakpoint){ 0 };
}

static int remove_breakpoint(struct gdbstub *stub, uint64_t address)
{
    struct gdb_breakpoint *b = find_breakpoint(stub, address);
    if (b)
        forget_breakpoint(stub, b);
    return 0;                               /* GDB may remove twice: harmless */
}

static void remove_all_breakpoints(struct gdbstub *stub)
{
    for (size_t i = 0; i < GDB_SW_BREAKPOINTS; i++) {
        if (stub->breakpoints[i].used)
            forget_breakpoint(stub, &stub->breakpoints[i]);
    }
    if (stub->target->hw_clear_all)
        stub->target->hw_clear_all();
}

/* This GDB is done with us (D, k, or the link went away): its breakpoints go, and the
 * next GDB finds the stub unattached and in the ack mode every connection starts in.
 * After any last reply: D's OK goes out in the mode GDB asked for. */
static void end_session(struct gdbstub *stub)
{
    remove_all_breakpoints(stub);
    stub->attached = false;
    stub->rsp.no_ack = false;
}

/* ---- parsing helpers ---- */

/* "ADDR,LEN" followed by `stop` (':' or NUL); returns 0 or -EINVAL. */
static int parse_address_length(const char *p, char stop, uint64_t *address, uint64_t *len,
                                const char **rest)
{
    const char *end;
    if (rsp_parse_hex(p, address, &end) != 0 || *end != ',')
        return -EINVAL;
    if (rsp_parse_hex(end + 1, len, &end) != 0 || *end != stop)
        return -EINVAL;
    if (rest)
        *rest = end;
    return 0;
}

/* ---- handlers ---- */

static void handle_read_registers(struct gdbstub *stub)
{
    const struct gdb_target *t = stub->target;
    size_t n = 0;
    uint8_t value[16];
    for (unsigned r = 0; r < t->reg_count; r++) {
        unsigned size = t->reg_size(r);
        if (t->read_reg(stub->reg_thread, r, value) != 0) {
            reply(stub, REPLY_BAD);
            return;
        }
        n += rsp_hex_encode(stub->out + n, value, size);
    }
    reply_len(stub, n);
}

/* All or nothing: the whole packet is checked before any register is written (every
 * register, no digit more: GDB sends as many as 'g' answered), and if the target
 * refuses one (a waiting task's, a change to cs, a non-canonical rip) the ones already
 * written get their old values back. Those are kept in stub->out, which holds nothing
 * until the reply. */
static void handle_write_registers(struct gdbstub *stub, const char *hex, size_t len)
{
    const struct gdb_target *t = stub->target;
    uint8_t value[16], *old = (uint8_t *)stub->out;
    size_t at = 0, kept = 0;
    for (unsigned r = 0; r < t->reg_count; r++) {
        unsigned size = t->reg_size(r);
        if (at + 2 * size > len || rsp_hex_decode(value, hex + at, size) != 0 ||
            kept + size > sizeof(stub->out) ||
            t->read_reg(stub->reg_thread, r, old + kept) != 0) {
            reply(stub, REPLY_BAD);
            return;
        }
        at += 2 * size;
        kept += size;
    }
    if (at != len) {
        reply(stub, REPLY_BAD);             /* data past the last register */
        return;
    }
    at = 0;
    for (unsigned r = 0; r < t->reg_count; r++) {
        unsigned size = t->reg_size(r);
        rsp_hex_decode(value, hex + at, size);
        if (t->write_reg(stub->reg_thread, r, value) != 0) {
            for (unsigned back = 0, from = 0; back < r; from += t->reg_size(back), back++)
                t->write_reg(stub->reg_thread, back, old + from);   /* its own value */
            reply(stub, REPLY_BAD);
            return;
        }
        at += 2 * size;
    }
    reply(stub, "OK");
}

/* c [ADDR], s [ADDR], C SIG[;ADDR], S SIG[;ADDR]: resume, at ADDR if one is given (the
 * stopped context's pc moves there first, as QEMU's stub does). The signal is checked and
 * ignored: the stopped kernel has no one to deliver it to. 0, or -EINVAL if malformed or
 * the target refuses the address; the pc is left as it was then. */
static int resume_at(struct gdbstub *stub, const char *p)
{
    const char *at = p + 1;
    uint64_t value;
    if (p[0] == 'C' || p[0] == 'S') {
        if (rsp_parse_hex(at, &value, &at) != 0 || value > 0xff)
            return -EINVAL;
        if (*at == ';')
            at++;
        else if (*at == '\0')
            return 0;
        else
            return -EINVAL;
    } else if (*at == '\0') {
        return 0;
    }
    if (rsp_parse_hex(at, &value, &at) != 0 || *at != '\0' || !stub->target->set_pc)
        return -EINVAL;
    return stub->target->set_pc(value) == 0 ? 0 : -EINVAL;
}

static void handle_register(struct gdbstub *stub, const char *p, bool write)
{
    const struct gdb_target *t = stub->target;
    uint64_t regno;
    const char *end;
    uint8_t value[16];
    if (rsp_parse_hex(p, &regno, &end) != 0 || regno >= t->reg_count ||
        (write ? *end != '=' : *end != '\0')) {
        reply(stub, REPLY_BAD);
        return;
    }
    unsigned size = t->reg_size((unsigned)regno);
    if (write) {
        if (strlen(end + 1) != 2 * size || rsp_hex_decode(value, end + 1, size) != 0 ||
            t->write_reg(stub->reg_thread, (unsigned)regno, value) != 0) {
            reply(stub, REPLY_BAD);
            return;
        }
        reply(stub, "OK");
        return;
    }
    if (t->read_reg(stub->reg_thread, (unsigned)regno, value) != 0) {
        reply(stub, REPLY_BAD);
        return;
    }
    reply_len(stub, rsp_hex_encode(stub->out, value, size));
}

static void handle_read_memory(struct gdbstub *stub, const char *p)
{
    uint64_t address, len;
    if (parse_address_length(p, '\0', &address, &len, NULL) != 0) {
        reply(stub, REPLY_BAD);
        return;
    }
    if (len > sizeof(stub->out) / 2)
        len = sizeof(stub->out) / 2;        /* GDB asks again for the rest */
    uint8_t chunk[256];                     /* a power of two below the page size */
    size_t n = 0;
    for (uint64_t done = 0; done < len;) {
        /* Chunks end on chunk-size boundaries, hence at every page's end: a read that
         * runs into an unmapped page answers with all the bytes before it. */
        uint64_t to_boundary = sizeof(chunk) - ((address + done) & (sizeof(chunk) - 1));
        size_t part = len - done < to_boundary ? (size_t)(len - done) : (size_t)to_boundary;
        if (stub->target->read_mem(address + done, chunk, part) != 0) {
            if (done == 0) {
                reply(stub, REPLY_FAULT);
                return;
            }
            break;                          /* a partial read is a valid answer */
        }
        n += rsp_hex_encode(stub->out + n, chunk, part);
        done += part;
    }
    reply_len(stub, n);
}

/* M ADDR,LEN:HEX and X ADDR,LEN:BYTES: exactly LEN bytes of data, as GDB sends them;
 * less or more is malformed. */
static void handle_write_memory(struct gdbstub *stub, const char *p, size_t packet_len,
                                bool binary)
{
    uint64_t address, len;
    const char *data;
    if (parse_address_length(p, ':', &address, &len, &data) != 0) {
        reply(stub, REPLY_BAD);
        return;
    }
    data++;                                 /* past ':' */
    size_t available = packet_len - (size_t)(data - (p - 1));
    if (len > RSP_PACKET_MAX || available != (binary ? len : 2 * len)) {
        reply(stub, REPLY_BAD);
        return;
    }
    uint8_t *bytes = (uint8_t *)stub->out;  /* scratch: the reply is short */
    if (binary)
        memcpy(bytes, data, (size_t)len);
    else if (rsp_hex_decode(bytes, data, (size_t)len) != 0) {
        reply(stub, REPLY_BAD);
        return;
    }
    reply(stub, stub->target->write_mem(address, bytes, (size_t)len) ? REPLY_FAULT : "OK");
}

static void handle_point(struct gdbstub *stub, const char *p, bool insert)
{
    uint64_t type, address, kind;
    const char *end;
    if (rsp_parse_hex(p, &type, &end) != 0 || *end != ',' ||
        rsp_parse_hex(end + 1, &address, &end) != 0 || *end != ',' ||
        rsp_parse_hex(end + 1, &kind, &end) != 0 || (*end != '\0' && *end != ';')) {
        reply(stub, REPLY_BAD);             /* (";cond" lists are accepted and ignored) */
        return;
    }
    int err;
    switch (type) {
    case 0:
        err = insert ? insert_breakpoint(stub, address) : remove_breakpoint(stub, address);
        break;
    case 1:
    case 2:
    case 4:
        if (type == 1 && insert && stub->target->breakpoint_allowed &&
            stub->target->breakpoint_allowed(address, 1) != 0) {
            err = -EACCES;
            break;
        }
        if (!stub->target->hw_point) {
            reply(stub, "");
            return;
        }
        err = stub->target->hw_point((int)type, address, kind, insert);
        break;
    default:                                /* 3, read watchpoints: not on x86 */
        reply(stub, "");
        return;
    }
    reply(stub, err == 0 ? "OK" : err == -ENOSPC ? REPLY_NOSPACE :
                err == -EFAULT ? REPLY_FAULT : err == -EACCES ? REPLY_REFUSED : REPLY_BAD);
}

static void handle_xfer_features(struct gdbstub *stub, const char *p)
{
    static const char prefix[] = "target.xml:";
    uint64_t offset, len;
    if (strncmp(p, prefix, sizeof(prefix) - 1) != 0 ||
        parse_address_length(p + sizeof(prefix) - 1, '\0', &offset, &len, NULL) != 0) {
        reply(stub, REPLY_BAD);
        return;
    }
    const char *xml = stub->target->target_xml;
    size_t total = strlen(xml);
    if (offset > total) {
        reply(stub, REPLY_BAD);
        return;
    }
    size_t n = total - (size_t)offset;
    if (n > len)
        n = (size_t)len;
    if (n > sizeof(stub->out) - 2)
        n = sizeof(stub->out) - 2;
    stub->out[0] = offset + n < total ? 'm' : 'l';
    memcpy(stub->out + 1, xml + offset, n);
    reply_len(stub, n + 1);
}

/* The target's output for `monitor`, as "O" packets; ctx is the stub. */
static void monitor_out(const char *text, size_t len, void *ctx)
{
    struct gdbstub *stub = ctx;
    while (len) {                           /* "O" + hex, in packet-sized pieces */
        size_t part = len < (RSP_PACKET_MAX - 2) / 2 ? len : (RSP_PACKET_MAX - 2) / 2;
        stub->out[0] = 'O';
        reply_len(stub, 1 + rsp_hex_encode(stub->out + 1, text, part));
        text += part;
        len -= part;
    }
}

static void handle_monitor(struct gdbstub *stub, const char *hex)
{
    char command[GDBSTUB_MONITOR_MAX + 1];
    size_t digits = strlen(hex), n = digits / 2;
    bool hex_ok = digits % 2 == 0;
    for (size_t i = 0; hex_ok && i < digits; i++)
        hex_ok = rsp_hex_value(hex[i]) >= 0;
    if (!hex_ok) {
        reply(stub, REPLY_BAD);
        return;
    }
    if (n > GDBSTUB_MONITOR_MAX) {          /* said, not E01, which ends GDB's script */
        char text[64];
        int len = ksnprintf(text, sizeof(text), "monitor: the command is longer than %d "
                            "characters\n", GDBSTUB_MONITOR_MAX);
        monitor_out(text, (size_t)len, stub);
        reply(stub, "OK");
        return;
    }
    rsp_hex_decode(command, hex, n);
    command[n] = '\0';
    /* The monitor's commands, and what it says to one it does not know, are its own:
     * the stub only relays. It speaks for itself only when there is no monitor. */
    const struct gdb_target *t = stub->target;
    if (!t->monitor || t->monitor(command, monitor_out, stub) == -ENOSYS) {
        static const char none[] = "no monitor commands are registered yet\n";
        monitor_out(none, sizeof(none) - 1, stub);
    }
    reply(stub, "OK");
}

bool gdbstub_handle_packet(struct gdbstub *stub, const char *p, size_t len,
                           const struct gdb_stop *stop, enum gdb_resume *resume)
{
    stub->attached = true;
    switch (p[0]) {
    case '?':
        send_stop(stub, stop);
        return false;
    case 'g':
        handle_read_registers(stub);
        return false;
    case 'G':
        handle_write_registers(stub, p + 1, len - 1);
        return false;
    case 'p':
        handle_register(stub, p + 1, false);
        return false;
    case 'P':
        handle_register(stub, p + 1, true);
        return false;
    case 'm':
        handle_read_memory(stub, p + 1);
        return false;
    case 'M':
        handle_write_memory(stub, p + 1, len, false);
        return false;
    case 'X':
        handle_write_memory(stub, p + 1, len, true);
        return false;
    case 'Z':
    case 'z':
        handle_point(stub, p + 1, p[0] == 'Z');
        return false;
    case 'c':
    case 'C':
    case 's':
    case 'S':
        if (resume_at(stub, p) != 0) {
            reply(stub, REPLY_BAD);
            return false;
        }
        *resume = p[0] == 'c' || p[0] == 'C' ? GDB_CONTINUE : GDB_STEP;
        return true;
    case 'D':
        reply(stub, "OK");
        end_session(stub);
        *resume = GDB_DETACH;
        return true;
    case 'k':
        end_session(stub);
        *resume = GDB_KILL;
        return true;
    case 'H':
        reply(stub, gdbstub_thread_select(stub, p + 1) == 0 ? "OK" : REPLY_BAD);
        return false;
    case 'T':
        reply(stub, gdbstub_thread_alive(stub, p + 1) == 0 ? "OK" : REPLY_BAD);
        return false;
    case 'v':
        if (strcmp(p, "vCont?") == 0) {
            reply(stub, "vCont;c;C;s;S");
            return false;
        }
        if (strncmp(p, "vCont;", 6) == 0 || strcmp(p, "vCont") == 0) {
            if (gdbstub_parse_vcont(stub, p + 5, resume))
                return true;
            reply(stub, REPLY_BAD);
            return false;
        }
        reply(stub, "");                    /* vMustReplyEmpty, vFile...: not supported */
        return false;
    case 'q':
        if (strncmp(p, "qSupported", 10) == 0) {
            /* Every GDB connection starts with it, in ack mode. One that went away
             * without D or k (killed, `disconnect`) left its no-ack mode and its
             * breakpoints behind: the new GDB knows nothing of them. */
            rsp_restart_acks(&stub->rsp);
            remove_all_breakpoints(stub);
            ksnprintf(stub->out, sizeof(stub->out), "PacketSize=%x;%s", RSP_PACKET_MAX,
                      supported);
            reply(stub, stub->out);
        } else if (strncmp(p, "qXfer:features:read:", 20) == 0)
            handle_xfer_features(stub, p + 20);
        else if (strcmp(p, "qAttached") == 0)
            reply(stub, "1");
        else if (strcmp(p, "qC") == 0)
            reply_len(stub, gdbstub_thread_current(stub));
        else if (strcmp(p, "qfThreadInfo") == 0)
            reply_len(stub, gdbstub_thread_list(stub, true));
        else if (strcmp(p, "qsThreadInfo") == 0)
            reply_len(stub, gdbstub_thread_list(stub, false));
        else if (strncmp(p, "qThreadExtraInfo,", 17) == 0)
            reply_built(stub, gdbstub_thread_extra(stub, p + 17));
        else if (strncmp(p, "qRcmd,", 6) == 0)
            handle_monitor(stub, p + 6);
        else if (strncmp(p, "qSymbol", 7) == 0)
            reply(stub, "OK");
        else
            reply(stub, "");
        return false;
    case 'Q':
        if (strcmp(p, "QStartNoAckMode") == 0) {
            reply(stub, "OK");              /* acknowledged in the old mode */
            stub->rsp.no_ack = true;
        } else {
            reply(stub, "");
        }
        return false;
    default:
        reply(stub, "");
        return false;
    }
}

enum gdb_resume gdbstub_session(struct gdbstub *stub, const struct gdb_stop *stop)
{
    stub->stopped_thread = stop->thread;
    stub->reg_thread = stop->thread;
    if (stub->attached)
        send_stop(stub, stop);              /* GDB is waiting for it */
    for (;;) {
        size_t len = 0;
        enum rsp_status status = rsp_receive(&stub->rsp, stub->in, &len);
        if (status == RSP_CLOSED) {
            end_session(stub);
            return GDB_DETACH;
        }
        if (status == RSP_INTERRUPT)
            continue;                       /* already stopped */
        if (status == RSP_OVERSIZE) {
            reply(stub, REPLY_BAD);
            continue;
        }
        enum gdb_resume resume;
        if (len == 0) {
            reply(stub, "");                /* "$#00": unknown, like any other */
            continue;
        }
        if (gdbstub_handle_packet(stub, stub->in, len, stop, &resume))
            return resume;
    }
}
