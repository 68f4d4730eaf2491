"""The syscall table's one source of truth, seen from the host: tools/syscalls.py parses
kernel/syscall/syscalls.def exactly as the C X-macros use it, and broken tables or doc
excerpt markers (tools/docs.py) are clear errors, not tracebacks. tests/docs/ checks that
the docs match what they are generated from."""
import pytest

import docs
import syscalls
import trace as tracetool


def test_the_table_parses_in_number_order_with_signatures():
    table = syscalls.load()
    assert [s.number for s in table] == list(range(len(table)))
    by_name = {s.name: s for s in table}
    assert by_name["write"].signature() == \
        "long write(int fd, const void *buf, unsigned long len)"
    assert by_name["yield"].args == []
    assert syscalls.errno_names()[14] == "EFAULT"


@pytest.mark.parametrize("line, message", [
    ("SYSCALL1(0, exit, \"x\")", "needs 1 type, name pairs"),
    ("SYSCALL0(0, a, \"x\")\nSYSCALL0(0, b, \"y\")", "number 0 is used twice"),
    ("SYSCALL(0, a)", "expected SYSCALLn"),
])
def test_a_broken_table_is_a_clear_error(tmp_path, line, message):
    path = tmp_path / "syscalls.def"
    path.write_text("/* a comment */\n" + line + "\n")
    with pytest.raises(syscalls.SyscallError, match=message):
        syscalls.load(str(path))


def test_a_table_that_is_not_utf8_is_a_clear_error(tmp_path):
    # Regression: UnicodeDecodeError (a traceback) from syscalls.def or errno.h.
    path = tmp_path / "syscalls.def"
    path.write_bytes(b"/* \xff */\n")
    with pytest.raises(syscalls.SyscallError, match="cannot read the syscall table: 'utf-8'"):
        syscalls.load(str(path))


def test_trace_records_show_syscall_names_and_errno_names():
    assert tracetool.show("sysno", 1) == "write"
    assert tracetool.show("sysno", 1000) == "1000"
    assert tracetool.show("sret", 12) == "12"
    assert tracetool.show("sret", (1 << 64) - 14) == "-EFAULT"
    assert tracetool.show("sret", (1 << 64) - 999) == "-999"


def test_a_broken_excerpt_marker_is_a_clear_error():
    text = '<!-- excerpt: run_hello.trace from "no such line" -->\n```text\n```\n' \
           '<!-- end excerpt -->\n'
    with pytest.raises(docs.DocError, match='no line with "no such line"'):
        docs.regenerate(text, "x.md")
    with pytest.raises(docs.DocError, match="cannot read"):
        docs.regenerate(text.replace("run_hello", "nosuch"), "x.md")
    with pytest.raises(docs.DocError, match="has no"):
        docs.regenerate('<!-- excerpt: run_hello.trace from "boot" -->\n', "x.md")
