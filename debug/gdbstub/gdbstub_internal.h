/*
 * gdbstub_internal.h - between the parts of the GDB stub (gdbstub.h is the kernel's
 * view of it). The protocol side (gdbstub.c, its thread packets in threads.c, rsp.c) is
 * arch-neutral and reaches the machine only through struct gdb_target; x86_64.c
 * implements it (int3 breakpoints, debug registers, single-step with TF, tasks as
 * threads, the ways in), on the register block of x86_64_registers.c (GDB's amd64
 * order), and serial.c carries the bytes. The host unit tests and the fuzzer drive the
 * protocol side through this header with a fake target.
 */
#ifndef LOCKSTEP_GDBSTUB_INTERNAL_H
#define LOCKSTEP_GDBSTUB_INTERNAL_H

#include "gdbstub.h"
#include "rsp.h"

#define GDB_SIGINT  2
#define GDB_SIGTRAP 5
#define GDB_SIGSEGV 11
#define GDB_SIGBUS  7
#define GDB_SIGFPE  8
#define GDB_SIGILL  4

#define GDB_SW_BREAKPOINTS 64
#define GDB_KERNEL_THREAD  0x10000          /* the CPU: every stop, whatever it runs */

enum gdb_stop_reason { GDB_STOP_SIGNAL, GDB_STOP_SWBREAK, GDB_STOP_HWBREAK, GDB_STOP_WATCH };

struct gdb_stop {
    int signal;                             /* GDB_SIG* */
    enum gdb_stop_reason reason;
    uint64_t watch_address;                 /* GDB_STOP_WATCH */
    uint32_t thread;                        /* the thread that stopped */
};

enum gdb_resume { GDB_CONTINUE, GDB_STEP, GDB_DETACH, GDB_KILL };

/* What the machine provides (x86_64.c in the kernel; a fake in the host tests). */
struct gdb_target {
    const char *target_xml;
    unsigned reg_count;
    unsigned (*reg_size)(unsigned regno);                       /* bytes */
    /* Registers of `thread` in GDB's order. Return 0, -EINVAL (no such register), or
     * -ESRCH (no such thread). Writes to a thread that is not stopped are refused. */
    int (*read_reg)(uint32_t thread, unsigned regno, void *out);
    int (*write_reg)(uint32_t thread, unsigned regno, const void *in);
    /* Move the stopped context's pc to `address` (c ADDR, s ADDR): 0, or -EINVAL if the
     * pc cannot hold it (as write_reg refuses it). NULL: such packets are refused. */
    int (*set_pc)(uint64_t address);
    /* Memory, checked before touching it: 0, or -EFAULT if any byte is not mapped. */
    int (*read_mem)(uint64_t address, void *out, size_t len);
    int (*write_mem)(uint64_t address, const void *in, size_t len);
    /* May GDB put a software (type 0) or hardware (1) breakpoint at `address`? 0, or
     * -EACCES where the debugger itself runs while it takes a breakpoint (a breakpoint
     * there would trap again before it could be lifted) or, for software ones, outside
     * the kernel's own text mappings. */
    int (*breakpoint_allowed)(uint64_t address, int type);
    /* Hardware breakpoint (type 1) or watchpoint (2 write, 4 access) on any range of up to
     * 32 bytes: 0, -ENOSPC (not enough free debug registers for its aligned pieces),
     * -EINVAL (no bytes, or more than 32), -EACCES (data the stub may not watch),
     * -ENOENT (remove of one that is not set). */
    int (*hw_point)(int type, uint64_t address, uint64_t len, bool insert);
    void (*hw_clear_all)(void);
    /* Threads (GDB_KERNEL_THREAD and the task ids), one after another in an order of ids
     * the target fixes once for all (never by which threads live): the first live thread
     * after `after` in that order (the very first for 0, which is no thread's id), or 0
     * past the last. `after` need not be alive any more. NULL: no list. */
    uint32_t (*thread_next)(uint32_t after);
    /* Whether `thread` exists now (T, Hg): the stopped context by any of its ids, or a
     * live task. NULL: only the stop's thread. */
    bool (*thread_alive)(uint32_t thread);
    /* Whether `thread` is the stopped context itself, the one a step runs: the stop's
     * thread, or another id for the same CPU (the task it was polling). NULL: the stop's
     * thread alone. */
    bool (*on_cpu)(uint32_t thread);
    /* A one-line description of `thread` into buf (cut to fit len): 0, or -ESRCH. */
    int (*thread_info)(uint32_t thread, char *buf, size_t len);
    /* `monitor CMD`: run it, sending its output through out(). 0 once the kernel's
     * monitor has answered (an unknown command too, with its own text), or -ENOSYS if
     * there is none yet. NULL: never any. */
    int (*monitor)(const char *command, void (*out)(const char *text, size_t len, void *ctx),
                   void *ctx);
    const uint8_t *expedite;                /* registers sent with every stop reply */
    size_t expedite_count;
};

/* A software breakpoint GDB asked for. The target writes its trap instruction into
 * memory only while the machine runs (armed) and puts `saved` back when it stops, so
 * the stub never trips over GDB's breakpoints and memory reads see the real bytes. */
struct gdb_breakpoint {
    uint64_t address;
    uint8_t saved;                          /* the byte under the trap, while armed */
    bool used;
    bool armed;
};

struct gdbstub {
    struct rsp rsp;
    const struct gdb_target *target;
    bool attached;                          /* a GDB has talked to us since the last D */
    uint32_t reg_thread;                    /* Hg: whose registers g/p/G/P use */
    uint32_t stopped_thread;
    struct gdb_breakpoint breakpoints[GDB_SW_BREAKPOINTS];
    uint32_t thread_cursor;                 /* the last thread qf/qsThreadInfo sent */
    char in[RSP_PACKET_MAX + 1];
    char out[RSP_PACKET_MAX + 1];
};

/* Set up a stub over `io` for `target`. Cannot fail. */
void gdbstub_init(struct gdbstub *stub, const struct rsp_io *io,
                  const struct gdb_target *target);

/* The machine has stopped: tell GDB (if one is attached) and serve its packets until
 * it resumes, steps, detaches or kills. The target has lifted the breakpoints (struct
 * gdb_breakpoint) and arms them again when it resumes. Returns what to do next. */
enum gdb_resume gdbstub_session(struct gdbstub *stub, const struct gdb_stop *stop);

/* Handle one packet (exposed for the host tests); returns true when the session ends,
 * with *resume set. The reply, if any, is sent. */
bool gdbstub_handle_packet(struct gdbstub *stub, const char *packet, size_t len,
                           const struct gdb_stop *stop, enum gdb_resume *resume);

/* ---- between the parts of the stub ---- */
/* GDB's threads (threads.c), for gdbstub.c's packet handlers; `p` is the packet past its
 * name. None sends anything: the queries build their reply in stub->out and return its
 * length, and gdbstub.c answers "OK" for 0 and E01 for a negative errno. */
/* Hg THREAD: whose registers g, G, p and P use from now on; Hc THREAD: accepted, unused
 * (vCont says which thread runs). 0, -EINVAL (malformed), or -ESRCH (Hg of a thread
 * that is not alive). */
int gdbstub_thread_select(struct gdbstub *stub, const char *p);
/* T THREAD: 0 if it is alive, -EINVAL (malformed) or -ESRCH. */
int gdbstub_thread_alive(const struct gdbstub *stub, const char *p);
/* qC: "QC" and the stopped thread. Cannot fail. */
size_t gdbstub_thread_current(struct gdbstub *stub);
/* qfThreadInfo (first) and qsThreadInfo: "m" and as many of the next ids as fit one
 * reply, or "l" past the last. Cannot fail. */
size_t gdbstub_thread_list(struct gdbstub *stub, bool first);
/* qThreadExtraInfo,THREAD: the target's description, in hex. -EINVAL (malformed) or
 * -ESRCH (no such thread). */
int gdbstub_thread_extra(struct gdbstub *stub, const char *p);
/* vCont's actions (`p` at the ';' before the first): true with *resume set to step or
 * continue, false if malformed or refused (a step of a thread not on the CPU). */
bool gdbstub_parse_vcont(struct gdbstub *stub, const char *p, enum gdb_resume *resume);

struct trap_frame;
/* GDB sent Ctrl-C while the kernel ran (serial.c's receive interrupt). */
void gdbstub_interrupt(struct trap_frame *frame);
/* A packet began ('$') while the kernel ran: a GDB connecting (serial.c). */
void gdbstub_connect(struct trap_frame *frame);
/* COM3 as the stub's byte link; NULL if there is no COM3. */
const struct rsp_io *gdbstub_serial_init(void);
/* The kernel stops for GDB (true) or resumes (false): COM3 is set up for each (serial.c).
 * Cannot fail; IRQs off. */
void gdbstub_serial_stopped(bool stopped);

#endif
