/*
 * trace_all_kinds.h - one event of every kind, with fixed field values: emitted by the
 * host stream generator (tests/unit/trace_stream_gen.c) and by the in-kernel test
 * (tests/ktest/test_trace.c) through their own EMIT(name, fields...) macro, and expected
 * field by field by tests/trace_kinds.py. Add a line here when events.def grows.
 * `tick` fields are the full tick, which decoders take as the current one: the caller
 * passes the tick its clock shows, and keeps it from moving while these are recorded.
 */
#define TRACE_ALL_KINDS(now)                                                          \
    do {                                                                              \
        EMIT(boot, .version = 0x000100, .tick_hz = 100);                              \
        EMIT(drop, .count = 3, .tick = (now));                                        \
        EMIT(irq_enter, .vector = 33, .data = 0x1e);                                  \
        EMIT(irq_exit, .vector = 33);                                                 \
        EMIT(exception, .vector = 14, .error_code = 0x2, .rip = 0xffffffff80101234);  \
        EMIT(task_spawn, .task = 2, .parent = 1, .name = "keyboard");                 \
        EMIT(task_exit, .task = 2, .code = 4294967295u);                              \
        EMIT(wake, .task = 2, .waker = TRACE_WAKER_IRQ(33));                          \
        EMIT(wake, .task = 3, .waker = TRACE_WAKER_TASK(2));                          \
        EMIT(wake, .task = 4, .waker = TRACE_WAKER_KERNEL);                           \
        EMIT(poll_begin, .task = 2);                                                  \
        EMIT(poll_end, .task = 2, .result = TRACE_POLL_READY);                        \
        EMIT(poll_end, .task = 3, .result = TRACE_POLL_PENDING);                      \
        EMIT(idle);                                                                   \
        EMIT(syscall_enter, .task = 5, .number = 1, .arg0 = 1, .arg1 = 0x400000,      \
             .arg2 = 12);                                                             \
        EMIT(syscall_exit, .task = 5, .number = 1, .result = 12);                     \
        EMIT(syscall_exit, .task = 5, .number = 1000, .result = (uint64_t)-14);       \
        EMIT(mark, .value = 0xfeedf00d);                                              \
        EMIT(key, .key = 0x148, .pressed = 1, .ascii = 0);                            \
        EMIT(key_drop, .scancode = 0xfa, .reason = 1);                                \
        EMIT(resume, .tick = (now));                                                  \
    } while (0)
