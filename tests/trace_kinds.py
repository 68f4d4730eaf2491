"""What TRACE_ALL_KINDS() in tests/trace_all_kinds.h must decode to, field by field."""
import trace as tracetool

NOW = "the tick of the records"        # a tick field: the tick the boot record carries
ALL_KINDS = [
    ("boot", {"version": 0x100, "tick_hz": 100}),
    ("drop", {"count": 3, "tick": NOW}),
    ("irq_enter", {"vector": 33, "data": 0x1e}),
    ("irq_exit", {"vector": 33}),
    ("exception", {"vector": 14, "error_code": 2, "rip": 0xffffffff80101234}),
    ("task_spawn", {"task": 2, "parent": 1, "name": "keyboard"}),
    ("task_exit", {"task": 2, "code": 4294967295}),
    ("wake", {"task": 2, "waker": "irq33"}),
    ("wake", {"task": 3, "waker": "task2"}),
    ("wake", {"task": 4, "waker": "kernel"}),
    ("poll_begin", {"task": 2}),
    ("poll_end", {"task": 2, "result": "ready"}),
    ("poll_end", {"task": 3, "result": "pending"}),
    ("idle", {}),
    ("syscall_enter", {"task": 5, "number": "write", "arg0": 1, "arg1": 0x400000, "arg2": 12}),
    ("syscall_exit", {"task": 5, "number": "write", "result": "12"}),
    ("syscall_exit", {"task": 5, "number": "1000", "result": "-EFAULT"}),
    ("mark", {"value": 0xfeedf00d}),
    ("key", {"key": 0x148, "pressed": 1, "ascii": 0}),
    ("key_drop", {"scancode": 0xfa, "reason": 1}),
    ("resume", {"tick": NOW}),
]


def fields(record):
    """A record's visible fields as the test lists write them."""
    out = {}
    for name, (field_type, raw) in record.values.items():
        out[name] = tracetool.show(field_type, raw) \
            if field_type in ("waker", "result", "str16", "sysno", "sret") else raw
    return out


def check_all_kinds(records, table):
    """Assert `records` (Record objects) are exactly ALL_KINDS, and that ALL_KINDS covers
    every event kind in the table."""
    assert [r.name for r in records] == [k for k, _ in ALL_KINDS]
    assert len({r.tick for r in records}) == 1, "the clock moved, or a tick field moved it"
    for record, (_, expected) in zip(records, ALL_KINDS):
        expected = {k: records[0].tick if v is NOW else v for k, v in expected.items()}
        assert fields(record) == expected, record.text()
    assert {k for k, _ in ALL_KINDS} == {e.name for e in table}, \
        "an event kind is missing from tests/trace_all_kinds.h"
