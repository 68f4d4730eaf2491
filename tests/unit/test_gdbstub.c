/*
 * test_gdbstub.c - the GDB stub's protocol side (debug/gdbstub/rsp.c, gdbstub.c,
 * threads.c) over a fake byte pipe and a fake machine: framing (acks, bad checksums and
 * resends, escapes, garbage between packets, Ctrl-C, oversize packets, a link that closes
 * mid-packet) and every packet handler, byte for byte as GDB sees it.
 */
#include "unit.h"
#include "errno.h"
#include "gdbstub_internal.h"
#include "rsp.h"

/* ---- the pipe: bytes GDB sends (in), bytes the stub sends (out) ---- */
static char in[2 * RSP_PACKET_MAX], out[2 * RSP_PACKET_MAX];
static size_t in_len, in_pos, out_len;

static int pipe_getc(void *ctx)
{
    (void)ctx;
    return in_pos < in_len ? (uint8_t)in[in_pos++] : -1;
}

static void pipe_putc(uint8_t byte, void *ctx)
{
    (void)ctx;
    if (out_len < sizeof(out) - 1)
        out[out_len++] = (char)byte;
    out[out_len] = '\0';
}

static const struct rsp_io io = { pipe_getc, pipe_putc, NULL };

/* What the stub sent (through a function, so the compiler does not size-check it). */
static __attribute__((noinline)) const char *output(void)
{
    return out;
}

static const char *last_of(const char *s, char c)
{
    const char *found = NULL;
    for (; *s; s++)
        if (*s == c)
            found = s;
    return found;
}

static void feed(const char *bytes)
{
    size_t n = strlen(bytes);
    memcpy(in + in_len, bytes, n);
    in_len += n;
}

/* Queue a well-formed packet, as GDB would send it. */
static void feed_packet(const char *payload)
{
    unsigned sum = 0;
    for (const char *p = payload; *p; p++)
        sum += (uint8_t)*p;
    static char frame[RSP_PACKET_MAX + 200];
    snprintf(frame, sizeof(frame), "$%s#%02x", payload, sum & 0xff);
    feed(frame);
}

/* ---- the fake machine: 3 registers, 4 KiB of memory at 0x1000 ---- */
static uint8_t memory[4096];
static uint64_t regs[3];
static int hw_calls, hw_last_type;
static uint64_t hw_last_address;

static unsigned reg_size(unsigned r) { return r == 2 ? 4 : 8; }

static int read_reg(uint32_t thread, unsigned r, void *value)
{
    if (thread != 1 && thread != 2)
        return -ESRCH;
    if (r >= 3)
        return -EINVAL;
    memcpy(value, &regs[r], reg_size(r));
    return 0;
}

static int write_reg(uint32_t thread, unsigned r, const void *value)
{
    if (thread != 1)
        return -ESRCH;
    if (r >= 3)
        return -EINVAL;
    if (r == 2 && *(const uint32_t *)value == 0xdeadbeef)
        return -EINVAL;                     /* as the kernel refuses a change to cs */
    regs[r] = 0;
    memcpy(&regs[r], value, reg_size(r));
    return 0;
}

static int read_mem(uint64_t address, void *value, size_t len)
{
    if (address < 0x1000 || address + len > 0x2000 || address + len < address)
        return -EFAULT;
    memcpy(value, memory + (address - 0x1000), len);
    return 0;
}

static int write_mem(uint64_t address, const void *value, size_t len)
{
    if (address < 0x1000 || address + len > 0x2000 || address + len < address)
        return -EFAULT;
    memcpy(memory + (address - 0x1000), value, len);
    return 0;
}

static int hw_point(int type, uint64_t address, uint64_t len, bool insert)
{
    (void)len;
    hw_calls++;
    hw_last_type = insert ? type : -type;
    hw_last_address = address;
    return address == 0xbad ? -EINVAL : 0;
}

/* Register 1 is the fake's pc; like rip, it cannot hold a "non-canonical" 0xbad. */
static int set_pc(uint64_t address)
{
    if (address == 0xbad)
        return -EINVAL;
    regs[1] = address;
    return 0;
}

/* The fake's "debug trap path": no breakpoints at 0x1f00-0x1fff. */
static int breakpoint_allowed(uint64_t address, int type)
{
    (void)type;
    return address >= 0x1f00 && address < 0x2000 ? -EACCES : 0;
}

/* The threads the fake lists: 1 and 2 (setup), or as many as a test makes live; only 1
 * and 2 have registers and a description. */
#define FAKE_THREADS 0x10000
static bool listed[FAKE_THREADS];

static uint32_t thread_next(uint32_t after)
{
    for (uint32_t id = after + 1; id < FAKE_THREADS; id++) {
        if (listed[id])
            return id;
    }
    return 0;
}

static bool thread_alive(uint32_t thread)
{
    return thread < FAKE_THREADS && listed[thread];
}

/* Strict, where the kernel's cuts the text to fit: a buffer too short is refused, so a
 * stub that asked for a description only to learn whether the thread exists fails. */
static int thread_info_calls;

static int thread_info(uint32_t thread, char *buf, size_t len)
{
    thread_info_calls++;
    if (thread != 1 && thread != 2)
        return -ESRCH;
    return (size_t)snprintf(buf, len, "task %u, waiting", thread) < len ? 0 : -ERANGE;
}

/* The kernel's monitor answers every command itself; "unregistered" plays the kernel
 * before the shell has registered its monitor (x86_64.c then says -ENOSYS). */
static int monitor(const char *command, void (*put)(const char *text, size_t len, void *ctx),
                   void *ctx)
{
    if (strcmp(command, "unregistered") == 0)
        return -ENOSYS;
    if (strcmp(command, "hello") == 0)
        put("hi there\n", 9, ctx);
    else
        put("what?\n", 6, ctx);
    return 0;
}

static const struct gdb_target target = {
    .target_xml = "<target>0123456789</target>",
    .reg_count = 3, .reg_size = reg_size, .read_reg = read_reg, .write_reg = write_reg,
    .set_pc = set_pc,
    .read_mem = read_mem, .write_mem = write_mem, .hw_point = hw_point,
    .thread_next = thread_next, .thread_alive = thread_alive, .thread_info = thread_info,
    .monitor = monitor,
    .breakpoint_allowed = breakpoint_allowed,
};

static struct gdbstub stub;
static const struct gdb_stop stop = { .signal = 5, .reason = GDB_STOP_SWBREAK, .thread = 1 };

static void setup(void)
{
    in_len = in_pos = out_len = 0;
    out[0] = '\0';
    memset(memory, 0, sizeof(memory));
    for (int i = 0; i < 256; i++)
        memory[i] = (uint8_t)i;
    regs[0] = 0x1122334455667788ull;
    regs[1] = 0xffffffff80101234ull;
    regs[2] = 0x246;
    hw_calls = 0;
    memset(listed, 0, sizeof(listed));
    listed[1] = listed[2] = true;
    gdbstub_init(&stub, &io, &target);
}

/* Send one packet to the stub (acking its reply) and return the reply's payload. */
static const char *ask(const char *packet)
{
    static char reply[2 * RSP_PACKET_MAX];
    out_len = 0;
    feed_packet(packet);
    feed("+");
    size_t len = 0;
    enum rsp_status status = rsp_receive(&stub.rsp, stub.in, &len);
    CHECK_EQ(status, RSP_PACKET);
    enum gdb_resume resume;
    gdbstub_handle_packet(&stub, stub.in, len, &stop, &resume);
    /* out holds "+" (our ack of GDB's packet) then "$reply#cs" */
    const char *start = last_of(out, '$'), *end = last_of(out, '#');   /* the last packet */
    if (!start || !end || end < start)
        return "(no reply)";
    unsigned sum = 0;
    for (const char *p = start + 1; p < end; p++)
        sum += (uint8_t)*p;
    char digits[3];
    snprintf(digits, sizeof(digits), "%02x", sum & 0xff);
    CHECK(strncmp(end + 1, digits, 2) == 0);
    /* Expand run-length encoding ("X*c": c - 29 more X's), as GDB's read_frame does. */
    size_t n = 0;
    for (const char *p = start + 1; p < end; p++) {
        if (*p == '*' && n > 0 && p + 1 < end) {
            int repeats = (uint8_t)*++p - 29;
            CHECK(repeats >= 3);
            for (int i = 0; i < repeats; i++, n++)
                reply[n] = reply[n - 1];
        } else {
            reply[n++] = *p;
        }
    }
    reply[n] = '\0';
    return reply;
}

TEST(a_packet_is_acked_and_its_payload_returned)
{
    setup();
    feed("+garbage");                           /* stray bytes between packets */
    feed_packet("qSupported:xmlRegisters=i386");
    char buf[RSP_PACKET_MAX + 1];
    size_t len;
    CHECK_EQ(rsp_receive(&stub.rsp, buf, &len), RSP_PACKET);
    CHECK_STR(buf, "qSupported:xmlRegisters=i386");
    CHECK_STR(output(), "+");
}

TEST(a_bad_checksum_is_nacked_and_the_resend_taken)
{
    setup();
    feed("$m1000,4#00");                        /* wrong checksum */
    feed_packet("m1000,4");
    char buf[RSP_PACKET_MAX + 1];
    size_t len;
    CHECK_EQ(rsp_receive(&stub.rsp, buf, &len), RSP_PACKET);
    CHECK_STR(buf, "m1000,4");
    CHECK_STR(output(), "-+");
    CHECK_EQ(stub.rsp.bad_checksums, 1);
    setup();
    feed("$m1000,4#zz");                        /* not even hex */
    feed_packet("?");
    CHECK_EQ(rsp_receive(&stub.rsp, buf, &len), RSP_PACKET);
    CHECK_STR(buf, "?");
}

TEST(escapes_ctrl_c_restart_and_closing)
{
    setup();
    /* X1000,1:} escaped as }] (0x7d ^ 0x20); checksum over the bytes sent */
    const char *raw = "X1000,1:}]";
    unsigned sum = 0;
    for (const char *p = raw; *p; p++)
        sum += (uint8_t)*p;
    char frame[64];
    snprintf(frame, sizeof(frame), "$%s#%02x", raw, sum & 0xff);
    feed(frame);
    char buf[RSP_PACKET_MAX + 1];
    size_t len;
    CHECK_EQ(rsp_receive(&stub.rsp, buf, &len), RSP_PACKET);
    CHECK_EQ(len, 9);
    CHECK_EQ((uint8_t)buf[8], 0x7d);
    feed("\x03");
    CHECK_EQ(rsp_receive(&stub.rsp, buf, &len), RSP_INTERRUPT);
    feed("$abc$");                              /* a packet cut short by a new one */
    feed_packet("g");
    CHECK_EQ(rsp_receive(&stub.rsp, buf, &len), RSP_PACKET);
    CHECK_STR(buf, "g");
    feed("$m10");                               /* the link goes away mid-packet */
    CHECK_EQ(rsp_receive(&stub.rsp, buf, &len), RSP_CLOSED);
}

TEST(an_oversize_packet_is_refused_without_overflow)
{
    setup();
    static char big[RSP_PACKET_MAX + 100];
    memset(big, 'a', sizeof(big) - 1);
    big[0] = 'M';
    feed_packet(big);
    feed("+");
    feed_packet("D");
    feed("+");
    enum gdb_resume resume = gdbstub_session(&stub, &stop);
    CHECK_EQ(resume, GDB_DETACH);
    CHECK(strstr(out, "$E01#") != NULL);        /* the oversize packet: an error */
    CHECK_EQ(stub.rsp.oversize, 1);
}

TEST(replies_are_escaped_and_resent_on_nak)
{
    setup();
    rsp_send_string(&stub.rsp, "a#b");          /* no ack yet: nothing to read */
    CHECK(strstr(out, "$a}\x03" "b#") != NULL);
    setup();
    feed("-+");
    CHECK_EQ(rsp_send_string(&stub.rsp, "OK"), 0);
    CHECK_STR(output(), "$OK#9a$OK#9a");             /* sent twice: NAK, then ACK */
    setup();
    stub.rsp.no_ack = true;
    CHECK_EQ(rsp_send_string(&stub.rsp, "OK"), 0);
    CHECK_STR(output(), "$OK#9a");
}

/* The frame rsp_send puts on the wire for `payload` (no-ack mode: nothing to wait for). */
static const char *wire(const char *payload, size_t len)
{
    setup();
    stub.rsp.no_ack = true;
    CHECK_EQ(rsp_send(&stub.rsp, payload, len), 0);
    return output();
}

TEST(runs_in_replies_are_run_length_encoded)
{
    CHECK_STR(wire("0000", 4), "$0* #7a");              /* '0', then 32 - 29 = 3 more */
    CHECK_STR(wire("000", 3), "$000#90");               /* too short to pay */
    /* 7 and 6 repeats would be '$' and '#': 5 repeats ('"'), the rest plain (GDB manual's
     * own example, "0*\"00" for eight zeros) */
    CHECK_STR(wire("00000000", 8), "$0*\"00#dc");
    CHECK_STR(wire("0000000", 7), "$0*\"0#ac");
    static char run[200];
    memset(run, 'a', sizeof(run));                      /* 98 + 98 + 4: '~' is the most */
    CHECK_STR(wire(run, sizeof(run)), "$a*~a*~a* #bd");
    CHECK_STR(wire("****", 4), "$}\n}\n}\n}\n#1c");     /* escaped bytes: never a run */
    CHECK_STR(wire("f*ffff", 6), "$f}\nf* #9d");
    CHECK_EQ(stub.rsp.sent, strlen(output()));         /* the counter make bench reads */
}

/* GDB's side of a frame (remote.c read_frame): unescape and expand runs. Returns the
 * payload length, or -1 if the frame is malformed or its checksum wrong. */
static int gdb_decode(const char *frame, char *payload)
{
    if (frame[0] != '$')
        return -1;
    unsigned sum = 0;
    int n = 0;
    const char *p = frame + 1;
    for (; *p && *p != '#'; p++) {
        sum += (uint8_t)*p;
        if (*p == '}') {
            sum += (uint8_t)p[1];
            payload[n++] = (char)(*++p ^ 0x20);
        } else if (*p == '*') {
            int count = (uint8_t)*++p;
            sum += (uint8_t)count;
            if (n == 0 || count < ' ' || count > '~' || count == '#' || count == '$')
                return -1;
            for (int i = 0; i < count - 29; i++, n++)
                payload[n] = payload[n - 1];
        } else {
            payload[n++] = *p;
        }
    }
    char digits[3];
    snprintf(digits, sizeof(digits), "%02x", sum & 0xff);
    return *p == '#' && strncmp(p + 1, digits, 2) == 0 ? n : -1;
}

TEST(run_length_encoding_round_trips_through_gdbs_decoder)
{
    static const char alphabet[] = "0f0f0$#}*a";         /* runs, and every escaped byte */
    static char payload[1200], decoded[1200];
    uint32_t seed = 12345;
    for (int round = 0; round < 500; round++) {
        size_t len = 0;
        while (len < (size_t)(round * 2 % 1000)) {
            seed = seed * 1103515245u + 12345u;
            char c = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
            size_t copies = 1 + (seed >> 8) % 120;      /* runs of 1 to 120 */
            for (size_t i = 0; i < copies && len < sizeof(payload); i++)
                payload[len++] = c;
        }
        const char *frame = wire(payload, len);
        CHECK(strlen(frame) <= len * 2 + 4);
        CHECK_EQ(gdb_decode(frame, decoded), (int)len);
        CHECK(memcmp(decoded, payload, len) == 0);
    }
}

TEST(supported_features_and_no_ack_mode)
{
    setup();
    CHECK_STR(ask("qSupported:multiprocess+;swbreak+"),
              "PacketSize=4000;qXfer:features:read+;QStartNoAckMode+;vContSupported+;"
              "swbreak+;hwbreak+");
    CHECK_STR(ask("QStartNoAckMode"), "OK");
    CHECK(stub.rsp.no_ack);
    CHECK_STR(ask("vMustReplyEmpty"), "");
    CHECK_STR(ask("qTStatus"), "");
    CHECK_STR(ask("!"), "");
}

/* A new GDB starts in ack mode, so the stub leaves no-ack mode when one detaches. */
TEST(detach_and_kill_end_no_ack_mode)
{
    const char *ends[] = { "D", "k" };
    for (size_t i = 0; i < 2; i++) {
        setup();
        CHECK_STR(ask("QStartNoAckMode"), "OK");
        CHECK(stub.rsp.no_ack);
        feed_packet(ends[i]);
        CHECK_EQ(gdbstub_session(&stub, &stop), i == 0 ? GDB_DETACH : GDB_KILL);
        CHECK(!stub.rsp.no_ack);
    }
}

TEST(a_resend_request_is_a_nak_in_ack_mode_only)
{
    setup();
    out_len = 0;
    rsp_request_resend(&stub.rsp);
    CHECK_EQ(out_len, 1);
    CHECK_EQ(out[0], '-');
    stub.rsp.no_ack = true;
    rsp_request_resend(&stub.rsp);
    CHECK_EQ(out_len, 1);
}

TEST(stop_reply_and_threads)
{
    setup();
    CHECK_STR(ask("?"), "T05thread:1;swbreak:;");
    CHECK_STR(ask("qC"), "QC0");                /* before a session: no stopped thread */
    CHECK_STR(ask("qfThreadInfo"), "m1,2");
    CHECK_STR(ask("qsThreadInfo"), "l");
    CHECK_STR(ask("qThreadExtraInfo,2"), "7461736b20322c2077616974696e67");   /* "task 2, */
    CHECK_STR(ask("qThreadExtraInfo,9"), "E01");
    CHECK_STR(ask("T2"), "OK");
    CHECK_STR(ask("T9"), "E01");
    CHECK_STR(ask("qAttached"), "1");
}

TEST(registers_whole_and_one_by_one)
{
    setup();
    stub.reg_thread = 1;
    CHECK_STR(ask("g"), "8877665544332211" "34121080ffffffff" "46020000");
    CHECK_STR(ask("p2"), "46020000");
    CHECK_STR(ask("p3"), "E01");
    CHECK_STR(ask("P1=0100000000000000"), "OK");
    CHECK_EQ(regs[1], 1);
    CHECK_STR(ask("G" "0000000000000000" "0200000000000000" "03000000"), "OK");
    CHECK_EQ(regs[0], 0);
    CHECK_EQ(regs[2], 3);
    CHECK_STR(ask("G00"), "E01");                /* too short */
    CHECK_STR(ask("P0=zz"), "E01");
    CHECK_STR(ask("Hg2"), "OK");
    CHECK_STR(ask("P0=0100000000000000"), "E01");   /* another thread: read only */
}

/* Regression (found by tests/fuzz/fuzz_gdbstub.c): 'G' ignored write_reg's refusal, so
 * after Hg2 (a thread that is not the stopped one) it answered OK and wrote nothing. */
TEST(write_registers_to_a_thread_not_stopped_is_refused_not_ignored)
{
    setup();
    stub.reg_thread = 1;
    CHECK_STR(ask("Hg2"), "OK");
    CHECK_STR(ask("G" "0000000000000000" "0200000000000000" "03000000"), "E01");
    CHECK_EQ(regs[0], 0x1122334455667788ull);
}

/* Regression (found by tests/fuzz/fuzz_gdbstub.c): a 'G' whose second register was not
 * hex answered E01 after writing the first one; now nothing is written. */
TEST(a_refused_write_registers_packet_changes_no_register)
{
    setup();
    stub.reg_thread = 1;
    CHECK_STR(ask("G" "0000000000000000" "02000000000000zz" "03000000"), "E01");
    CHECK_EQ(regs[0], 0x1122334455667788ull);
    CHECK_STR(ask("G" "0000000000000000" "0200000000000000"), "E01");   /* too short */
    CHECK_EQ(regs[0], 0x1122334455667788ull);
}

/* Regression (review): a 'G' that the target refused at its third register (as the
 * kernel refuses a changed cs or a non-canonical rip) had written the first two. */
TEST(a_write_registers_packet_refused_halfway_changes_no_register)
{
    setup();
    stub.reg_thread = 1;
    CHECK_STR(ask("G" "0000000000000000" "0200000000000000" "efbeadde"), "E01");
    CHECK_EQ(regs[0], 0x1122334455667788ull);
    CHECK_EQ(regs[1], 0xffffffff80101234ull);
    CHECK_EQ(regs[2], 0x246);
    CHECK_STR(ask("G" "0000000000000000" "0200000000000000" "03000000"), "OK");
    CHECK_EQ(regs[1], 2);
}

/* Regression (review): G, M and X took data beyond what they used and ignored it. GDB
 * sends exactly every register ('g''s length) and exactly LEN bytes; anything more is
 * malformed and changes nothing. */
TEST(write_packets_with_data_beyond_what_they_use_are_refused)
{
    setup();
    stub.reg_thread = 1;
    CHECK_STR(ask("G" "0000000000000000" "0200000000000000" "03000000" "00"), "E01");
    CHECK_STR(ask("G" "0000000000000000" "0200000000000000" "03000000" "0"), "E01");
    CHECK_STR(ask("G" "0000000000000000" "0200000000000000" "03000000" "zz"), "E01");
    CHECK_EQ(regs[0], 0x1122334455667788ull);
    CHECK_EQ(regs[2], 0x246);
    CHECK_STR(ask("G" "0000000000000000" "0200000000000000" "03000000"), "OK");
    CHECK_EQ(regs[2], 3);
    CHECK_STR(ask("M1004,2:abcdef"), "E01");
    CHECK_STR(ask("M1004,2:abcde"), "E01");
    CHECK_STR(ask("M1004,0:ab"), "E01");
    CHECK_STR(ask("X1004,1:ab"), "E01");
    CHECK_STR(ask("X1004,0:a"), "E01");
    CHECK_STR(ask("X1004,2:a"), "E01");              /* and too little */
    CHECK_STR(ask("m1004,2"), "0405");               /* nothing was written */
    CHECK_STR(ask("M1004,2:abcd"), "OK");
    CHECK_STR(ask("X1006,2:ef"), "OK");
    CHECK_STR(ask("M1008,0:"), "OK");                /* GDB's probes: no data at all */
    CHECK_STR(ask("X1008,0:"), "OK");
    CHECK_STR(ask("m1004,4"), "abcd6566");
}

/* Regression (review): a read that ran into an unmapped page failed whole or in part
 * depending on where its 256-byte chunks fell; now it answers up to the page's end. */
TEST(a_read_into_an_unmapped_page_answers_the_bytes_before_it)
{
    setup();
    memory[0xff0] = 0x5a;
    const char *reply = ask("m1ff0,20");
    CHECK_EQ(strlen(reply), 32);                 /* 16 bytes, not E0e */
    CHECK(strncmp(reply, "5a00", 4) == 0);
    CHECK_EQ(strlen(ask("m1f01,200")), 2 * 0xff);
}

TEST(memory_read_write_and_faults)
{
    setup();
    CHECK_STR(ask("m1000,4"), "00010203");
    CHECK_STR(ask("m0,4"), "E0e");               /* not mapped: an error, no fault */
    CHECK_STR(ask("m1ffe,4"), "0000");           /* up to the unmapped page: partial */
    CHECK_STR(ask("m2000,4"), "E0e");
    CHECK_STR(ask("M1004,2:abcd"), "OK");
    CHECK_EQ(memory[4], 0xab);
    CHECK_STR(ask("M1004,2:ab"), "E01");         /* short data */
    CHECK_STR(ask("M0,1:00"), "E0e");
    CHECK_STR(ask("mzz"), "E01");
    CHECK_STR(ask("m1000"), "E01");
    CHECK_STR(ask("m1003,3"), "03abcd");          /* and the stub still answers */
}

static struct gdb_breakpoint *recorded(uint64_t address)
{
    for (size_t i = 0; i < GDB_SW_BREAKPOINTS; i++) {
        if (stub.breakpoints[i].used && stub.breakpoints[i].address == address)
            return &stub.breakpoints[i];
    }
    return NULL;
}

/* What the target does when the machine resumes (x86_64.c, arm_breakpoints). */
static void arm(struct gdb_breakpoint *b)
{
    b->saved = memory[b->address - 0x1000];
    memory[b->address - 0x1000] = 0xcc;
    b->armed = true;
}

TEST(software_breakpoints_are_recorded_and_left_to_the_target_to_arm)
{
    setup();
    CHECK_STR(ask("Z0,1010,1"), "OK");
    CHECK(recorded(0x1010) != NULL);
    CHECK(!recorded(0x1010)->armed);
    CHECK_EQ(memory[0x10], 0x10);                /* memory stays as it is while stopped */
    CHECK_STR(ask("m1010,2"), "1011");
    CHECK_STR(ask("Z0,1010,1"), "OK");           /* twice: still one */
    CHECK_STR(ask("z0,1010,1"), "OK");
    CHECK(recorded(0x1010) == NULL);
    CHECK_STR(ask("z0,1010,1"), "OK");           /* GDB may remove twice */
    CHECK_STR(ask("Z0,0,1"), "E0e");             /* cannot be read */
    CHECK(recorded(0) == NULL);
    CHECK_STR(ask("Z0,1010,1;X1,0"), "OK");      /* a condition list is accepted */
    /* One the target armed (it normally lifts them before the stub runs) gets its byte
     * back when it is removed. */
    arm(recorded(0x1010));
    CHECK_STR(ask("z0,1010,1"), "OK");
    CHECK_EQ(memory[0x10], 0x10);
}

TEST(breakpoints_where_the_target_refuses_them)
{
    setup();
    hw_calls = 0;
    CHECK_STR(ask("Z0,1f80,1"), "E0d");
    CHECK(recorded(0x1f80) == NULL);
    CHECK_STR(ask("Z1,1f80,1"), "E0d");
    CHECK_EQ(hw_calls, 0);
    CHECK_STR(ask("z1,1f80,1"), "OK");           /* removal is not refused */
    CHECK_STR(ask("Z2,1f80,4"), "OK");           /* data there may be watched */
    CHECK_STR(ask("Z0,1eff,1"), "OK");           /* just below: allowed */
}

TEST(hardware_points_and_the_unsupported_read_watchpoint)
{
    setup();
    CHECK_STR(ask("Z1,1020,1"), "OK");
    CHECK_EQ(hw_last_type, 1);
    CHECK_STR(ask("Z2,1030,8"), "OK");
    CHECK_EQ(hw_last_type, 2);
    CHECK_STR(ask("Z4,1040,4"), "OK");
    CHECK_EQ(hw_last_address, 0x1040);
    CHECK_STR(ask("z2,1030,8"), "OK");
    CHECK_EQ(hw_last_type, -2);
    CHECK_STR(ask("Z3,1030,8"), "");             /* read-only watch: not on x86 */
    CHECK_STR(ask("Z2,bad,8"), "E01");
    CHECK_STR(ask("Z9,1000,1"), "");
}

TEST(target_description_in_pieces)
{
    setup();
    CHECK_STR(ask("qXfer:features:read:target.xml:0,a"), "m<target>01");
    CHECK_STR(ask("qXfer:features:read:target.xml:a,100"), "l23456789</target>");
    CHECK_STR(ask("qXfer:features:read:target.xml:1b,10"), "l");
    CHECK_STR(ask("qXfer:features:read:other.xml:0,10"), "E01");
}

TEST(monitor_commands)
{
    setup();
    CHECK_STR(ask("qRcmd,68656c6c6f"), "OK");     /* "hello" */
    CHECK(strstr(out, "$O6869207468657265") != NULL);   /* "O" + hex("hi there") */
    CHECK_STR(ask("qRcmd,6"), "E01");
    CHECK_STR(ask("qRcmd,7a7a"), "OK");                 /* "zz", hex: the monitor's */
    CHECK_STR(ask("qRcmd,zz"), "E01");                  /* not hex */
}

/* Regression (review): the stub took commands up to 127 characters and the shell's
 * monitor up to 63; past 127 the stub answered E01, which GDB reports as a protocol
 * error that ends a script. Now one limit, GDBSTUB_MONITOR_MAX: up to it the monitor
 * gets the whole command; past it the stub says so, and answers OK. */
TEST(a_monitor_command_up_to_the_limit_reaches_the_monitor_a_longer_one_is_said)
{
    setup();
    static char packet[6 + 2 * (GDBSTUB_MONITOR_MAX + 1) + 1];
    memcpy(packet, "qRcmd,", 6);
    for (int i = 0; i < 2 * (GDBSTUB_MONITOR_MAX + 1); i += 2)
        memcpy(packet + 6 + i, "61", 2);               /* "aaa...": unknown to it */
    packet[6 + 2 * GDBSTUB_MONITOR_MAX] = '\0';        /* GDBSTUB_MONITOR_MAX of them */
    CHECK_STR(ask(packet), "OK");
    CHECK(strstr(out, "$O776861743f0a#") != NULL);       /* the monitor's "what?\n" */
    packet[6 + 2 * GDBSTUB_MONITOR_MAX] = '6';          /* one more */
    CHECK_STR(ask(packet), "OK");
    CHECK(strstr(out, "$O776861743f0a#") == NULL);
    const char *said = "monitor: the command is longer than 127 characters\n";
    char hex[2 * 64 + 1];
    hex[rsp_hex_encode(hex, said, strlen(said))] = '\0';
    CHECK(strstr(out, hex) != NULL);
}

/* Regression (review): the stub answered a command the monitor did not know with its own
 * list of the shell's commands ("unknown monitor command; try: tasks, trace N, mem"), a
 * second copy that docs/gdb.md quoted. The monitor's answer is relayed alone; the stub
 * speaks only when there is no monitor. */
TEST(the_monitor_answers_unknown_commands_itself_and_the_stub_only_relays)
{
    setup();
    CHECK_STR(ask("qRcmd,6e6f7065"), "OK");       /* "nope" */
    CHECK(strstr(out, "$O776861743f0a#") != NULL);       /* "what?\n", and nothing else */
    CHECK(strstr(out, "$O756e6b6e6f776e") == NULL);      /* no "unknown..." of its own */
    const char *none = "$O6e6f206d6f6e69746f7220636f6d6d616e6473";  /* "no monitor commands" */
    CHECK(strstr(out, none) == NULL);
    CHECK_STR(ask("qRcmd,756e72656769737465726564"), "OK");   /* "unregistered" */
    CHECK(strstr(out, none) != NULL);
    static struct gdb_target without;
    without = target;
    without.monitor = NULL;
    gdbstub_init(&stub, &io, &without);
    CHECK_STR(ask("qRcmd,68656c6c6f"), "OK");
    CHECK(strstr(out, none) != NULL);
}

static enum gdb_resume resume_of(const char *packet)
{
    setup();
    feed_packet(packet);
    feed("+");
    return gdbstub_session(&stub, &stop);
}

TEST(resume_packets)
{
    CHECK_EQ(resume_of("c"), GDB_CONTINUE);
    CHECK_EQ(resume_of("C05"), GDB_CONTINUE);
    CHECK_EQ(resume_of("s"), GDB_STEP);
    CHECK_EQ(resume_of("vCont;s:1;c"), GDB_STEP);
    CHECK_EQ(resume_of("vCont;c"), GDB_CONTINUE);
    CHECK_EQ(resume_of("k"), GDB_KILL);
    CHECK_EQ(resume_of("D"), GDB_DETACH);
    CHECK(!stub.attached);
    setup();
    CHECK_STR(ask("vCont?"), "vCont;c;C;s;S");
    CHECK_STR(ask("vCont;x"), "E01");
    /* A step for another thread (a waiting task: nothing to step) is refused, where it
     * once let the kernel run free while GDB waited for the step. */
    CHECK_STR(ask("vCont;s:2;c"), "E01");
    CHECK_EQ(resume_of("vCont;s:-1"), GDB_STEP);
}

/* Regression (review): T and Hg learned whether a thread exists by asking for its
 * description in an 8-byte buffer, which worked only because the kernel's thread_info
 * cuts the text to fit. They now ask the target that very question. */
TEST(whether_a_thread_exists_is_asked_as_such_not_through_its_description)
{
    setup();
    thread_info_calls = 0;
    CHECK_STR(ask("T2"), "OK");
    CHECK_STR(ask("Hg2"), "OK");
    CHECK_STR(ask("T9"), "E01");
    CHECK_STR(ask("Hg9"), "E01");
    CHECK_EQ(thread_info_calls, 0);
    listed[2] = false;                        /* task 2 ends */
    CHECK_STR(ask("T2"), "E01");
    CHECK_STR(ask("Hg2"), "E01");
    CHECK_STR(ask("T1"), "OK");
    static struct gdb_target without;         /* a target with no threads of its own */
    without = target;
    without.thread_alive = NULL;
    gdbstub_init(&stub, &io, &without);
    stub.stopped_thread = 1;
    CHECK_STR(ask("T1"), "OK");               /* the stopped one alone */
    CHECK_STR(ask("T2"), "E01");
}

/* The ids of one qfThreadInfo/qsThreadInfo reply (after its "m") into seen[], each
 * counted; returns how many, or -1 for "l". Checks the reply is full: the next live id
 * would not have fitted. */
static unsigned seen[FAKE_THREADS];

static int thread_page(const char *packet)
{
    const char *reply = ask(packet);
    if (strcmp(reply, "l") == 0)
        return -1;
    CHECK(reply[0] == 'm' && reply[1] != '\0');
    size_t len = strlen(reply);
    CHECK(len <= RSP_PACKET_MAX);
    int count = 0;
    uint64_t id = 0;
    for (const char *p = reply + 1; *p; p++) {
        CHECK_EQ(rsp_parse_hex(p, &id, &p), 0);
        CHECK(id < FAKE_THREADS);
        seen[id]++;
        count++;
        if (*p == '\0')
            break;
        CHECK_EQ(*p, ',');
    }
    uint32_t next = thread_next((uint32_t)id);
    if (next) {                              /* more to come: it did not fit */
        char text[16];
        CHECK(len + 1 + (size_t)snprintf(text, sizeof(text), "%x", next) > RSP_PACKET_MAX);
    }
    return count;
}

/* Regression (review): the list was cut at 80 ids without a sign, and since 80 ids
 * always fit one reply, qsThreadInfo always answered "l" and never paged. */
TEST(the_thread_list_pages_through_every_thread_in_full_replies)
{
    setup();
    for (uint32_t id = 1; id < FAKE_THREADS; id++)
        listed[id] = true;                   /* 65535 ids of 1 to 4 digits: ~20 pages */
    memset(seen, 0, sizeof(seen));
    int pages = 0;
    for (const char *packet = "qfThreadInfo"; thread_page(packet) > 0;
         packet = "qsThreadInfo")
        pages++;
    CHECK(pages > 10);
    for (uint32_t id = 1; id < FAKE_THREADS; id++)
        CHECK_EQ(seen[id], 1);
    CHECK_STR(ask("qsThreadInfo"), "l");     /* and it stays at the end */
    CHECK(strncmp(ask("qfThreadInfo"), "m1,2,3,", 7) == 0);   /* from the start again */
}

/* Threads that come and go between the packets: each one that lives from the first page
 * to the last is listed exactly once, whatever happened before or after it in the list,
 * and no id twice. */
TEST(the_thread_list_neither_repeats_nor_skips_a_thread_that_lived_throughout)
{
    setup();
    for (uint32_t id = 1; id < FAKE_THREADS; id += 2)
        listed[id] = true;                   /* the odd ids: ~2 pages each way */
    listed[2] = false;
    memset(seen, 0, sizeof(seen));
    static bool throughout[FAKE_THREADS];
    memcpy(throughout, listed, sizeof(throughout));
    uint32_t round = 0;
    for (const char *packet = "qfThreadInfo"; thread_page(packet) > 0;
         packet = "qsThreadInfo", round++) {
        /* Before and after the cursor: some die, some are born. */
        for (uint32_t id = 1 + round; id < FAKE_THREADS; id += 97) {
            if (listed[id]) {
                listed[id] = throughout[id] = false;
            } else {
                listed[id] = true;
                CHECK(!throughout[id]);
            }
        }
    }
    CHECK(round >= 2);
    for (uint32_t id = 1; id < FAKE_THREADS; id++) {
        CHECK(seen[id] <= 1);
        if (throughout[id])
            CHECK_EQ(seen[id], 1);
    }
}

/* Regression (review): c ADDR and s ADDR (and C SIG;ADDR, S SIG;ADDR) ignored the
 * address, which the protocol says is where to resume. Now the pc moves there first, and
 * a malformed or refused address is an error with the pc left alone. */
TEST(continue_and_step_at_an_address_resume_there)
{
    CHECK_EQ(resume_of("c"), GDB_CONTINUE);
    CHECK_EQ(regs[1], 0xffffffff80101234ull);    /* no address: where it stopped */
    CHECK_EQ(resume_of("c1234"), GDB_CONTINUE);
    CHECK_EQ(regs[1], 0x1234);
    CHECK_EQ(resume_of("s1000"), GDB_STEP);
    CHECK_EQ(regs[1], 0x1000);
    CHECK_EQ(resume_of("C05;ffffffff80102000"), GDB_CONTINUE);
    CHECK_EQ(regs[1], 0xffffffff80102000ull);
    CHECK_EQ(resume_of("S0b;3000"), GDB_STEP);
    CHECK_EQ(regs[1], 0x3000);
    CHECK_EQ(resume_of("S05"), GDB_STEP);
    CHECK_EQ(regs[1], 0xffffffff80101234ull);
    static const char *const refused[] = {
        "c12zz", "c;1000", "cx", "c10000000000000000", "cbad",   /* 0xbad: the fake's rule */
        "s-1", "C", "C05;", "C;1000", "Cxx", "C05x", "C100;1000", "C05;1000;2000",
        "S05;zz", "S05,1000",
    };
    for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
        setup();
        CHECK_STR(ask(refused[i]), "E01");
        CHECK_EQ(regs[1], 0xffffffff80101234ull);
    }
    static struct gdb_target without;           /* a target that cannot move its pc */
    without = target;
    without.set_pc = NULL;
    setup();
    gdbstub_init(&stub, &io, &without);
    CHECK_STR(ask("c1000"), "E01");
}

/* Regression (review): ids above 32 bits were cut to their low half (T100000001 was
 * thread 1), and Hg took any thread, so that the next 'p' failed instead. */
TEST(thread_ids_above_32_bits_and_threads_that_do_not_exist_are_refused)
{
    setup();
    CHECK_STR(ask("T1"), "OK");
    CHECK_STR(ask("T100000001"), "E01");
    CHECK_STR(ask("T9"), "E01");
    CHECK_STR(ask("T1zz"), "E01");
    CHECK_STR(ask("Hg9"), "E01");
    CHECK_STR(ask("Hg1zz"), "E01");
    CHECK_STR(ask("Hg100000002"), "E01");
    CHECK_STR(ask("Hg-1"), "OK");
    CHECK_STR(ask("Hg0"), "OK");
    CHECK_STR(ask("Hg2"), "OK");
    CHECK_STR(ask("qThreadExtraInfo,100000002"), "E01");
    CHECK_STR(ask("vCont;s:100000001"), "E01");
    CHECK_STR(ask("vCont;s:1zz"), "E01");
}

/* The protocol's rule: the leftmost action that applies to a thread is its action. */
TEST(the_leftmost_vcont_action_for_the_stopped_thread_decides)
{
    CHECK_EQ(resume_of("vCont;c:1;s"), GDB_CONTINUE);
    CHECK_EQ(resume_of("vCont;s:1;c"), GDB_STEP);
    CHECK_EQ(resume_of("vCont;c:2;s:1"), GDB_STEP);
    CHECK_EQ(resume_of("vCont;c:2;c"), GDB_CONTINUE);
}

/* Regression (review): "$#00" was acked and never answered, and GDB would wait. */
TEST(an_empty_packet_gets_the_empty_reply)
{
    setup();
    feed("$#00+");
    feed_packet("c");
    feed("+");
    CHECK_EQ(gdbstub_session(&stub, &stop), GDB_CONTINUE);
    CHECK(strstr(output(), "+$#00") != NULL);
}

TEST(detach_removes_breakpoints)
{
    setup();
    CHECK_STR(ask("Z0,1005,1"), "OK");
    CHECK_STR(ask("Z0,1006,1"), "OK");
    arm(recorded(0x1005));
    feed_packet("D");
    feed("+");
    CHECK_EQ(gdbstub_session(&stub, &stop), GDB_DETACH);
    CHECK_EQ(memory[5], 5);
    CHECK(recorded(0x1005) == NULL && recorded(0x1006) == NULL);
}

/* Regression (review): D, k and a closed link each ended the session with their own
 * steps, and the closed link left no-ack mode on for the next GDB. All three now end it
 * alike (breakpoints gone, unattached, ack mode), and D's OK still goes out in no-ack
 * mode, with no ack awaited. */
TEST(detach_kill_and_a_closed_link_end_the_session_alike)
{
    const char *ends[] = { "D", "k", NULL };  /* NULL: the link closes */
    const enum gdb_resume resumes[] = { GDB_DETACH, GDB_KILL, GDB_DETACH };
    for (size_t i = 0; i < ARRAY_SIZE(ends); i++) {
        setup();
        CHECK_STR(ask("QStartNoAckMode"), "OK");
        CHECK_STR(ask("Z0,1005,1"), "OK");
        CHECK(stub.attached);
        out_len = 0;
        if (ends[i]) {
            feed_packet(ends[i]);
            feed("x");                      /* not read: nothing waits for an ack */
        }
        CHECK_EQ(gdbstub_session(&stub, &stop), resumes[i]);
        CHECK(!stub.rsp.no_ack);
        CHECK(!stub.attached);
        CHECK(recorded(0x1005) == NULL);
        if (ends[i]) {
            CHECK_EQ(in_pos, in_len - 1);
            CHECK((strstr(output(), "$OK#9a") != NULL) == (i == 0));   /* D's OK alone */
        }
    }
}
