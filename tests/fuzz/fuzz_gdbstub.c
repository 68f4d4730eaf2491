/*
 * fuzz_gdbstub.c - libFuzzer target for the GDB stub's protocol side (debug/gdbstub/rsp.c,
 * gdbstub.c, threads.c) over a fake byte link and a fake machine, as
 * tests/unit/test_gdbstub.c drives it. Byte 0 of the input configures the run (bit 0:
 * mode; bits 1-2: the stop reason; bits 3-7: how many tasks the machine has); the rest
 * is what GDB sends:
 *   raw mode      bytes on the link, through rsp_receive and gdbstub_session (framing,
 *                 acks, escapes, Ctrl-C, checksums), one session after another
 *   packet mode   '\n'-separated payloads, each handed to gdbstub_handle_packet in an
 *                 exact-size buffer, as rsp_receive delivers them
 * Checked: every byte the stub sends is an ack or a well-formed, escaped packet with the
 * right checksum, whose runs ("X*c", never of an escaped byte) expand to at most
 * RSP_PACKET_MAX bytes; a breakpoint is recorded once and never armed here (the target
 * arms them when the machine resumes); detach removes them all; and in packet mode GDB's
 * view stays consistent: what M/X/G/P wrote (reply OK, for exactly the data they take)
 * reads back the same through m/g/p, Z0/z0 leave it as it was, and c/s resume with the
 * pc at the address they give, or are refused and change nothing.
 */
#include "fuzz.h"
#include "errno.h"
#include "gdbstub_internal.h"
#include "rsp.h"

/* ---- the fake machine: tasks 1..N (and the kernel), 26 registers, two memory areas ---- */
#define REGS 26
#define MAX_TASKS 93
#define AREA_SIZE 0x1000

static const uint64_t area_base[2] = { 0x1000, 0xfffffffffffff000ull };   /* the second
                                                                 ends exactly at 2^64 */
static uint8_t *area[2];
static uint8_t registers[MAX_TASKS + 2][REGS][16];   /* [0]: the kernel thread */
static uint32_t task_count, stopped;
static struct { bool used; uint64_t address, len; int type; } debug_regs[4];

static unsigned reg_size(unsigned r)
{
    return r < 17 ? 8 : r < 24 ? 4 : r == 24 ? 10 : 16;     /* GPRs, eflags+segments, st0, xmm0 */
}

static int thread_slot(uint32_t thread)
{
    if (thread == GDB_KERNEL_THREAD)
        return 0;
    return thread >= 1 && thread <= task_count ? (int)thread : -1;
}

static int read_reg(uint32_t thread, unsigned r, void *out)
{
    int slot = thread_slot(thread);
    if (slot < 0)
        return -ESRCH;
    if (r >= REGS)
        return -EINVAL;
    memcpy(out, registers[slot][r], reg_size(r));
    return 0;
}

static int write_reg(uint32_t thread, unsigned r, const void *in)
{
    int slot = thread_slot(thread);
    if (slot < 0 || thread != stopped)
        return -ESRCH;                      /* only the stopped thread's registers */
    if (r >= REGS)
        return -EINVAL;
    memcpy(registers[slot][r], in, reg_size(r));
    return 0;
}

/* rip (16) of the stopped thread; refused where x86_64.c refuses it: non-canonical. */
static int set_pc(uint64_t address)
{
    int slot = thread_slot(stopped);
    uint64_t top = address >> 47;
    if (slot < 0 || (top != 0 && top != 0x1ffff))
        return -EINVAL;
    memcpy(registers[slot][16], &address, 8);
    return 0;
}

static uint8_t *memory_at(uint64_t address, size_t len)
{
    for (int i = 0; i < 2; i++) {
        uint64_t off = address - area_base[i];
        if (address >= area_base[i] && off <= AREA_SIZE && len <= AREA_SIZE - off)
            return area[i] + off;
    }
    return NULL;
}

static int read_mem(uint64_t address, void *out, size_t len)
{
    uint8_t *at = memory_at(address, len);
    if (!at)
        return -EFAULT;
    memcpy(out, at, len);
    return 0;
}

static int write_mem(uint64_t address, const void *in, size_t len)
{
    uint8_t *at = memory_at(address, len);
    if (!at)
        return -EFAULT;
    memcpy(at, in, len);
    return 0;
}

/* Four debug registers, as x86_64.c: lengths 1, 2, 4, 8, aligned; type 1 length 1. */
static int hw_point(int type, uint64_t address, uint64_t len, bool insert)
{
    if (!insert) {
        for (int i = 0; i < 4; i++) {
            if (debug_regs[i].used && debug_regs[i].address == address &&
                debug_regs[i].len == len && debug_regs[i].type == type) {
                debug_regs[i].used = false;
                return 0;
            }
        }
        return -ENOENT;
    }
    if ((len != 1 && len != 2 && len != 4 && len != 8) || address % len ||
        (type == 1 && len != 1))
        return -EINVAL;
    for (int i = 0; i < 4; i++) {
        if (!debug_regs[i].used) {
            debug_regs[i].used = true;
            debug_regs[i].address = address;
            debug_regs[i].len = len;
            debug_regs[i].type = type;
            return 0;
        }
    }
    return -ENOSPC;
}

static void hw_clear_all(void)
{
    memset(debug_regs, 0, sizeof(debug_regs));
}

/* The kernel thread first, then the tasks, as x86_64.c orders them. */
static uint32_t thread_next(uint32_t after)
{
    if (after == 0)
        return GDB_KERNEL_THREAD;
    uint32_t next = after == GDB_KERNEL_THREAD ? 1 : after + 1;
    return next <= task_count ? next : 0;
}

static bool thread_alive(uint32_t thread)
{
    return thread_slot(thread) >= 0;
}

static int thread_info(uint32_t thread, char *buf, size_t len)
{
    if (thread_slot(thread) < 0)
        return -ESRCH;
    snprintf(buf, len, "task %u, ready, 123456 polls, and a description that runs on and on "
             "past any buffer it might be given", thread);
    return 0;
}

static int monitor(const char *command, void (*out)(const char *text, size_t len, void *ctx),
                   void *ctx)
{
    if (strcmp(command, "hello") == 0) {
        out("hi there\n", 9, ctx);
        return 0;
    }
    if (strcmp(command, "empty") == 0)
        return 0;
    if (strcmp(command, "big") == 0) {             /* more than one packet's worth */
        static char text[5000];
        memset(text, 'x', sizeof(text));
        out(text, sizeof(text), ctx);
        out(text, 3, ctx);
        return 0;
    }
    if (strcmp(command, "unregistered") == 0)
        return -ENOSYS;                             /* no monitor yet: the stub says so */
    out("what?\n", 6, ctx);                         /* the monitor answers every command */
    return 0;
}

static char target_xml[6000];                       /* longer than one reply */
static const uint8_t expedited[] = { 6, 7, 16 };

static const struct gdb_target target = {
    .target_xml = target_xml,
    .reg_count = REGS, .reg_size = reg_size, .read_reg = read_reg, .write_reg = write_reg,
    .set_pc = set_pc,
    .read_mem = read_mem, .write_mem = write_mem, .hw_point = hw_point,
    .hw_clear_all = hw_clear_all, .thread_next = thread_next, .thread_alive = thread_alive,
    .thread_info = thread_info, .monitor = monitor,
    .expedite = expedited, .expedite_count = ARRAY_SIZE(expedited),
};

/* ---- the link: GDB's bytes in; the stub's bytes checked as they go out ---- */
static const uint8_t *link_in;
static size_t link_len, link_pos;

static int link_getc(void *ctx)
{
    (void)ctx;
    return link_pos < link_len ? link_in[link_pos++] : -1;
}

/* What the stub sends, parsed as it arrives: acks between packets, and packets. */
static enum { OUTSIDE, PAYLOAD, ESCAPED, RUN, CHECK_HI, CHECK_LO } sending;
static bool last_escaped;                       /* the payload's last byte came escaped */
static uint8_t sum, check_hi;
static char payload[RSP_PACKET_MAX + 1], reply[RSP_PACKET_MAX + 1];
static size_t payload_len, reply_len;
static unsigned replies;

static void link_putc(uint8_t byte, void *ctx)
{
    (void)ctx;
    switch (sending) {
    case OUTSIDE:
        FUZZ_CHECK(byte == '+' || byte == '-' || byte == '$');
        if (byte == '$') {
            sending = PAYLOAD;
            sum = 0;
            payload_len = 0;
        }
        return;
    case RUN:                                   /* "X*c": c - 29 more copies of X */
        FUZZ_CHECK(byte >= ' ' && byte <= '~' && byte != '#' && byte != '$');   /* 3..97 */
        sum += byte;
        for (unsigned n = byte - 29u; n > 0; n--) {
            FUZZ_CHECK(payload_len < RSP_PACKET_MAX);
            payload[payload_len] = payload[payload_len - 1];
            payload_len++;
        }
        sending = PAYLOAD;
        return;
    case PAYLOAD:
    case ESCAPED:
        if (byte == '#' && sending == PAYLOAD) {
            sending = CHECK_HI;
            return;
        }
        FUZZ_CHECK(sending == ESCAPED || byte != '$');
        sum += byte;
        if (sending == PAYLOAD && byte == '*') {    /* a run: never of an escaped byte */
            FUZZ_CHECK(payload_len > 0 && !last_escaped);
            sending = RUN;
            return;
        }
        if (sending == PAYLOAD && byte == '}') {
            sending = ESCAPED;
            return;
        }
        FUZZ_CHECK(payload_len < RSP_PACKET_MAX);
        last_escaped = sending == ESCAPED;
        payload[payload_len++] = (char)(last_escaped ? byte ^ 0x20 : byte);
        sending = PAYLOAD;
        return;
    case CHECK_HI:
        FUZZ_CHECK(rsp_hex_value((char)byte) >= 0);
        check_hi = byte;
        sending = CHECK_LO;
        return;
    case CHECK_LO:
        FUZZ_CHECK(rsp_hex_value((char)byte) >= 0);
        FUZZ_CHECK((rsp_hex_value((char)check_hi) << 4 | rsp_hex_value((char)byte)) == sum);
        memcpy(reply, payload, payload_len);
        reply[payload_len] = '\0';
        reply_len = payload_len;
        replies++;
        sending = OUTSIDE;
        return;
    }
}

static const struct rsp_io link = { link_getc, link_putc, NULL };

/* ---- invariants ---- */
static void check_breakpoints(const struct gdbstub *stub, bool detached)
{
    FUZZ_CHECK(sending == OUTSIDE);                 /* no reply left half sent */
    for (size_t i = 0; i < GDB_SW_BREAKPOINTS; i++) {
        const struct gdb_breakpoint *b = &stub->breakpoints[i];
        if (!b->used)
            continue;
        FUZZ_CHECK(!detached);
        FUZZ_CHECK(memory_at(b->address, 1) != NULL);   /* only where memory is */
        FUZZ_CHECK(!b->armed);                      /* arming is the target's, at resume */
        for (size_t j = i + 1; j < GDB_SW_BREAKPOINTS; j++)
            FUZZ_CHECK(!stub->breakpoints[j].used || stub->breakpoints[j].address != b->address);
    }
    if (detached) {
        for (int i = 0; i < 4; i++)
            FUZZ_CHECK(!debug_regs[i].used);
    }
}

/* Hand one payload to the stub as rsp_receive would: exact size, NUL after it. Returns
 * the reply, or NULL if none was sent. A packet that ends the session (c, s, D, k...)
 * needs nothing more: the machine stops again at once, with the same stop. */
static const char *handle(struct gdbstub *stub, const char *text, size_t len,
                          const struct gdb_stop *stop)
{
    char *packet = fuzz_copy(text, len + 1);      /* text is NUL-terminated at len */
    packet[len] = '\0';
    unsigned sent_before = replies;
    enum gdb_resume resume = GDB_CONTINUE;
    bool ended = gdbstub_handle_packet(stub, packet, len, stop, &resume);
    free(packet);
    check_breakpoints(stub, ended && (resume == GDB_DETACH || resume == GDB_KILL));
    return replies == sent_before ? NULL : reply;
}

static void ask(struct gdbstub *stub, const struct gdb_stop *stop, const char *text,
                char *answer)
{
    const char *r = handle(stub, text, strlen(text), stop);
    snprintf(answer, RSP_PACKET_MAX + 1, "%s", r ? r : "(none)");
}

static bool parse_hex_pair(const char *p, char separator, uint64_t *a, uint64_t *b,
                           const char **rest)
{
    const char *end;
    if (rsp_parse_hex(p, a, &end) != 0 || *end != ',' || rsp_parse_hex(end + 1, b, &end) != 0 ||
        *end != separator)
        return false;
    *rest = end + 1;
    return true;
}

static char answer[RSP_PACKET_MAX + 1], before[RSP_PACKET_MAX + 1];

/* After M/X/G/P answered OK, GDB reads back what it wrote; a refused G changes nothing. */
static void check_view(struct gdbstub *stub, const struct gdb_stop *stop, const char *text,
                       size_t len, bool ok)
{
    char query[64];
    uint64_t address, count;
    const char *data;
    if ((text[0] == 'M' || text[0] == 'X') && ok &&
        parse_hex_pair(text + 1, ':', &address, &count, &data) && count && count <= 2048) {
        static uint8_t wrote[2048], read_back[2048];
        /* exactly LEN bytes of data: no more, no less */
        FUZZ_CHECK(len - (size_t)(data - text) == (text[0] == 'X' ? count : 2 * count));
        if (text[0] == 'X')
            memcpy(wrote, data, (size_t)count);
        else
            FUZZ_CHECK(rsp_hex_decode(wrote, data, (size_t)count) == 0);
        snprintf(query, sizeof(query), "m%llx,%llx", (unsigned long long)address,
                 (unsigned long long)count);
        ask(stub, stop, query, answer);
        FUZZ_CHECK(strlen(answer) == 2 * count &&
                   rsp_hex_decode(read_back, answer, (size_t)count) == 0);
        FUZZ_CHECK(memcmp(read_back, wrote, (size_t)count) == 0);
    }
    if (text[0] == 'G') {
        ask(stub, stop, "g", answer);
        size_t n = strlen(answer);
        if (ok) {
            FUZZ_CHECK(n == len - 1);       /* every register, no digit more */
            for (size_t i = 0; i < n; i++)
                FUZZ_CHECK(answer[i] == (text[1 + i] | 0x20) || answer[i] == text[1 + i]);
        } else {
            FUZZ_CHECK(strcmp(answer, before) == 0);
        }
    }
    if (text[0] == 'P' && ok) {
        const char *end;
        uint64_t regno;
        FUZZ_CHECK(rsp_parse_hex(text + 1, &regno, &end) == 0 && *end == '=');
        snprintf(query, sizeof(query), "p%llx", (unsigned long long)regno);
        ask(stub, stop, query, answer);
        FUZZ_CHECK(strlen(answer) == strlen(end + 1));
        for (size_t i = 0; answer[i]; i++)
            FUZZ_CHECK(answer[i] == (end[1 + i] | 0x20) || answer[i] == end[1 + i]);
    }
}

/* c/C/s/S resume (no reply) or are refused with E01 and change nothing; "c ADDR" and
 * "s ADDR" resume with the pc at ADDR. `g_before` is 'g' before the packet. */
static bool resume_packet(const char *text)
{
    return text[0] == 'c' || text[0] == 'C' || text[0] == 's' || text[0] == 'S';
}

static void check_resume(struct gdbstub *stub, const struct gdb_stop *stop, const char *text,
                         bool resumed, bool refused, const char *g_before)
{
    FUZZ_CHECK(resumed || refused);
    if (refused) {
        ask(stub, stop, "g", answer);
        FUZZ_CHECK(strcmp(answer, g_before) == 0);
        return;
    }
    uint64_t pc;
    const char *end;
    if ((text[0] == 'c' || text[0] == 's') && rsp_parse_hex(text + 1, &pc, &end) == 0 &&
        *end == '\0')
        FUZZ_CHECK(memcmp(registers[thread_slot(stopped)][16], &pc, 8) == 0);
}

/* Z0/z0 at an address: what GDB reads there before and after must agree. */
static bool breakpoint_address(const char *text, uint64_t *address)
{
    uint64_t type;
    const char *end;
    return (text[0] == 'Z' || text[0] == 'z') && rsp_parse_hex(text + 1, &type, &end) == 0 &&
           type == 0 && *end == ',' && rsp_parse_hex(end + 1, address, &end) == 0;
}

static void run_packets(struct gdbstub *stub, const struct gdb_stop *stop,
                        const uint8_t *data, size_t size)
{
    link_len = link_pos = 0;                        /* nothing to read: no acks wait */
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != '\n')
            continue;
        const char *text = (const char *)data + start;
        size_t len = i - start;
        start = i + 1;
        if (len == 0 || len > RSP_PACKET_MAX)
            continue;                               /* rsp_receive never delivers these */
        /* The packet's own text, NUL-terminated: handed to the stub and checked below. */
        char *copy = malloc(len + 1);
        memcpy(copy, text, len);
        copy[len] = '\0';
        /* What GDB sees before the packet, where the checks compare with it. */
        uint64_t address = 0;
        bool point = breakpoint_address(copy, &address);
        char query[64];
        snprintf(query, sizeof(query), "m%llx,1", (unsigned long long)address);
        if (point)
            ask(stub, stop, query, before);
        else if (copy[0] == 'G' || resume_packet(copy))
            ask(stub, stop, "g", before);
        const char *r = handle(stub, copy, len, stop);
        bool ok = r && strcmp(r, "OK") == 0;
        if (resume_packet(copy))
            check_resume(stub, stop, copy, !r, r && strcmp(r, "E01") == 0, before);
        if (point && before[0] != 'E') {
            ask(stub, stop, query, answer);
            FUZZ_CHECK(strcmp(answer, before) == 0);
        }
        check_view(stub, stop, copy, len, ok);
        free(copy);
    }
}

static void run_raw(struct gdbstub *stub, const struct gdb_stop *stop,
                    const uint8_t *data, size_t size)
{
    link_in = data;
    link_len = size;
    link_pos = 0;
    while (link_pos < link_len) {
        size_t at = link_pos;
        enum gdb_resume resume = gdbstub_session(stub, stop);
        check_breakpoints(stub, resume == GDB_DETACH || resume == GDB_KILL);
        FUZZ_CHECK(link_pos > at);                  /* every session consumes input */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t config = data[0];
    task_count = (uint32_t)(config >> 3) * 3;
    stopped = task_count ? 1 : GDB_KERNEL_THREAD;
    const struct gdb_stop stop = {
        .signal = GDB_SIGTRAP, .reason = (enum gdb_stop_reason)((config >> 1) & 3),
        .watch_address = 0x1008, .thread = stopped,
    };
    /* The machine's starting state, made once and copied in for every input. */
    static uint8_t memory_start[AREA_SIZE], registers_start[sizeof(registers)];
    if (!target_xml[0]) {
        size_t n = 0;
        n += (size_t)snprintf(target_xml, sizeof(target_xml),   /* bytes to escape, too */
                              "<target version=\"1.0\"><!-- $#}* ***** -->");
        while (n + 64 < sizeof(target_xml))
            n += (size_t)snprintf(target_xml + n, sizeof(target_xml) - n,
                                  "<reg name=\"r%zu\" bitsize=\"64\"/>\n", n);
        snprintf(target_xml + n, sizeof(target_xml) - n, "</target>");
        for (size_t j = 0; j < AREA_SIZE; j++)
            memory_start[j] = (uint8_t)(j * 7);
        for (size_t j = 0; j < sizeof(registers_start); j++)
            registers_start[j] = (uint8_t)(j * 13 + j / 251);
    }
    for (int i = 0; i < 2; i++)
        area[i] = fuzz_copy(memory_start, AREA_SIZE);
    memcpy(registers, registers_start, sizeof(registers));
    hw_clear_all();
    sending = OUTSIDE;
    replies = 0;

    struct gdbstub *stub = malloc(sizeof(*stub));   /* its own allocation: ASan bounds */
    gdbstub_init(stub, &link, &target);
    stub->stopped_thread = stub->reg_thread = stopped;   /* as gdbstub_session sets them */
    if (config & 1)
        run_raw(stub, &stop, data + 1, size - 1);
    else
        run_packets(stub, &stop, data + 1, size - 1);
    free(stub);
    free(area[0]);
    free(area[1]);
    return 0;
}
