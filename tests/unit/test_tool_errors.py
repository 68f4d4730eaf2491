"""Bad arguments and bad input to the host tools that have no test file of their own
(tools/live.py, fuzz.py, docs.py, debug.py, gdb_lockstep.py), and qemu.py's one limit on
seconds that live.py, replay.py and trace.py share: each gets a clear one-line error and a
non-zero exit, never a Python traceback, and is refused before any long session starts.
Each test is named after the bug it pins."""
import os
import re
import socket
import struct
import subprocess
import sys
import time

import pytest

from conftest import BUILD, ROOT
import docs
import fuzz
import qemu


def tool(name, *args, **kwargs):
    return subprocess.run([sys.executable, os.path.join(ROOT, "tools", name)] +
                          [str(a) for a in args], capture_output=True, text=True, timeout=60,
                          **kwargs)


# ---- live.py ----

def test_the_prompt_tools_wait_for_is_the_one_shell_c_defines(tmp_path):
    import live
    with open(os.path.join(ROOT, "kernel", "shell", "shell.c")) as f:
        assert '#define PROMPT "%s"' % live.PROMPT in f.read()
    source = tmp_path / "shell.c"
    source.write_text("#define PROMPTS 1\n")
    with pytest.raises(SystemExit, match=r'no #define PROMPT "\.\.\." in .*shell\.c'):
        live.shell_prompt(str(source))


@pytest.mark.parametrize("out,why", [
    ("missing-dir/x.bin", "no directory {tmp}/missing-dir"),
    (".", "it is a directory"),
])
def test_live_refuses_an_output_it_cannot_write_before_the_session(tmp_path, out, why):
    # Regression: the capture was written after the whole session, outside the error
    # handling: a traceback, and the session's capture lost.
    result = tool("live.py", "--seconds", "0.1", "--out", tmp_path / out, "help")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == "live.py: error: cannot write --out %s: %s" % (
        tmp_path / out, why.format(tmp=tmp_path))


@pytest.mark.parametrize("seconds", ["-1", "nan", "inf", "1e300", "86401"])
def test_live_refuses_a_bad_number_of_seconds(seconds):
    # Regression: -1 and nan reached time.sleep() after the session (ValueError).
    result = tool("live.py", "--seconds=" + seconds, "help")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        "live.py: error: --seconds must be 0 to 86400 seconds (a day), not %s" % float(seconds))


# ---- qemu.py: the seconds limit of live.py, replay.py and trace.py ----

class UsageError(Exception):
    pass


class Parser:
    """What check_seconds needs of an argparse parser: error() that does not return."""
    def error(self, message):
        raise UsageError(message)


@pytest.mark.parametrize("value,zero_ok,ok", [
    (0.0, True, True), (0.0, False, False), (1e-9, False, True),
    (86400.0, False, True), (86400.0, True, True),
    (86400.001, False, False), (86400.001, True, False),
    (-1e-9, True, False), (float("nan"), True, False), (float("nan"), False, False),
    (float("inf"), False, False), (float("-inf"), True, False),
])
def test_check_seconds_allows_up_to_a_day_and_zero_only_where_asked(value, zero_ok, ok):
    # The one limit the three tools once wrote each with its own bounds and message.
    if ok:
        assert qemu.check_seconds(Parser(), "--x", value, zero_ok=zero_ok) is None
        return
    with pytest.raises(UsageError) as refused:
        qemu.check_seconds(Parser(), "--x", value, zero_ok=zero_ok)
    assert str(refused.value) == "--x must be %s 86400 seconds (a day), not %s" % (
        "0 to" if zero_ok else "more than 0 and at most", value)


# ---- fuzz.py ----

def hello_elf():
    with open(os.path.join(BUILD, "user", "hello.elf"), "rb") as f:
        return f.read()


@pytest.mark.parametrize("cut,message", [
    (0, "is not a 64-bit little-endian ELF file (0 bytes)"),
    (100, "its 3 program headers at byte 64 run past its end (100 bytes)"),
    (64 + 3 * 56, "a segment runs past its end (232 bytes)"),
])
def test_fuzz_seed_refuses_a_truncated_hello_elf(tmp_path, cut, message):
    # Regression: an empty or 100-byte BUILD/user/hello.elf gave a struct.error traceback.
    real = hello_elf()
    assert struct.unpack_from("<Q", real, 32)[0] == 64                # e_phoff
    assert struct.unpack_from("<H", real, 56)[0] == 3                 # e_phnum
    (tmp_path / "user").mkdir()
    (tmp_path / "user" / "hello.elf").write_bytes(real[:cut])
    with pytest.raises(fuzz.FuzzError, match=re.escape(message)):
        fuzz.elf_seeds(str(tmp_path))
    if cut == 0:                     # the command line, which writes nothing then
        result = tool("fuzz.py", "--build", tmp_path, "seed")
        assert result.returncode == 2 and result.stderr == "fuzz: error: %s %s: run `make " \
            "user` again\n" % (tmp_path / "user" / "hello.elf", message)


# ---- docs.py ----

def excerpt(source, first="x"):
    return '<!-- excerpt: %s from "%s" -->\n```text\n```\n<!-- end excerpt -->\n' % (source,
                                                                                   first)


def test_docs_excerpt_errors_name_the_page_and_line():
    # Regression: diverge:nosuch raised FileNotFoundError (a traceback); cut()'s errors
    # named the source but not the page.
    with pytest.raises(docs.DocError, match=r"^page.md:3: cannot read "
                                            r"tests/golden/nosuch.trace: "):
        docs.regenerate("# Page\n\n" + excerpt("diverge:nosuch"), "page.md")
    with pytest.raises(docs.DocError, match=r'^page.md:2: run_hello.trace: no line with "zzz"'):
        docs.regenerate("\n" + excerpt("run_hello.trace", "zzz"), "page.md")


def docs_main(monkeypatch, capsys, tmp_path, content, command="check"):
    page = tmp_path / "page.md"
    page.write_bytes(content)
    monkeypatch.setattr(docs, "PAGES", [str(page)])
    monkeypatch.setattr(docs, "DOCS", str(tmp_path))
    status = docs.main([command])
    out, err = capsys.readouterr()
    return status, out, err, page


@pytest.mark.parametrize("options,reason", [
    # Regression: timeline's usage was printed, exit 2, no page named.
    ("--bogus", "timeline.py could not draw images/x.svg from keypress.trace: timeline.py: "
                "error: unrecognized arguments: --bogus"),
    ("--from-event 100000", "timeline.py could not draw images/x.svg from keypress.trace: "
                            "timeline: error: the window holds no records"),
    # Regression: shlex.split's ValueError (a traceback).
    ("--from-event '24", "picture images/x.svg: bad options \"--from-event '24\": No closing "
                         "quotation"),
])
def test_docs_picture_errors_name_the_page_and_line(monkeypatch, capsys, tmp_path, options,
                                                    reason):
    line = "<!-- picture: images/x.svg from keypress.trace %s -->\n" % options
    status, out, err, page = docs_main(monkeypatch, capsys, tmp_path,
                                       b"# Page\n" + line.encode())
    assert status == 2 and out == "" and "usage:" not in err
    assert err.startswith("docs.py: %s:2: %s" % (os.path.relpath(str(page), ROOT), reason))


def test_docs_page_that_is_not_utf8_is_a_clear_error(monkeypatch, capsys, tmp_path):
    # Regression: UnicodeDecodeError (a traceback).
    status, out, err, page = docs_main(monkeypatch, capsys, tmp_path, b"# Page\n\xff\xfe\n")
    assert status == 2
    assert err == "docs.py: %s:2: byte 0xff is not UTF-8 text\n" % os.path.relpath(str(page),
                                                                                   ROOT)


def test_docs_update_reports_a_picture_it_cannot_write(monkeypatch, capsys, tmp_path):
    # Regression: the writes were outside the error handling (an OSError traceback).
    (tmp_path / "images" / "x.svg").mkdir(parents=True)        # a directory in its place
    status, out, err, page = docs_main(
        monkeypatch, capsys, tmp_path,
        b"<!-- picture: images/x.svg from keypress.trace --from-event 24 --to-event 46 -->\n",
        "update")
    assert status == 2
    assert err == "docs.py: %s:1: cannot write %s: Is a directory\n" % (
        os.path.relpath(str(page), ROOT), os.path.relpath(str(tmp_path / "images" / "x.svg"),
                                                          ROOT))


# ---- debug.py ----

@pytest.mark.parametrize("port", ["70000", "-1", "0"])
def test_debug_refuses_a_port_out_of_range_before_starting_qemu(port):
    # Regression: QEMU was started, then socket.connect_ex raised OverflowError.
    result = tool("debug.py", "--server", "--port=" + port)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == \
        "debug.py: error: --port must be 1 to 65535, not %s" % port


def test_debug_refuses_a_port_something_already_listens_on():
    # Regression: QEMU failed to bind the port and exited, but the other listener answered
    # wait_port, so debug.py announced "Lockstep's stub on 127.0.0.1:PORT" and attached
    # GDB to that other server.
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        port = other.getsockname()[1]
        result = tool("debug.py", "--server", "--port", port)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "stub on" not in result.stderr
    assert result.stderr.splitlines()[-1] == "debug.py: error: port %d is in use (another " \
        "make debug-server? choose another with GDB_PORT=N)" % port


def test_live_reports_a_kernel_qemu_refuses_at_once(tmp_path):
    # Regression: the QMP client waited its whole 20 s for the socket of a QEMU that had
    # already exited ("invalid kernel header").
    kernel = tmp_path / "not-a-kernel.elf"
    kernel.write_text("not an ELF file, nor any kernel QEMU can load\n")
    start = time.perf_counter()
    result = tool("live.py", "--kernel", kernel, "help")
    assert time.perf_counter() - start < 10
    assert result.returncode == 2 and "Traceback" not in result.stderr
    # QEMU may have made its QMP socket before it refused the kernel: then the connection
    # is reset instead. Either way the reason is QEMU's own.
    assert result.stderr.startswith("live: error: QEMU did not come up: "), result.stderr
    assert "invalid kernel header" in result.stderr, result.stderr


def test_docs_diverge_excerpt_whose_replay_hangs_is_an_error_not_a_traceback(monkeypatch):
    # Regression: diverge_lines' subprocess.run(timeout=...) let TimeoutExpired through,
    # so a hung replay gave a traceback instead of an error naming the page and line.
    def hung(argv, **options):
        raise subprocess.TimeoutExpired(argv, options["timeout"])
    monkeypatch.setattr(docs.subprocess, "run", hung)
    with pytest.raises(docs.DocError) as failed:
        docs.regenerate("# Page\n\n" + excerpt("diverge:keypress"), "page.md")
    assert str(failed.value) == "page.md:3: replay.py --expect on a doctored keypress.trace " \
        "did not finish within %d s (a hung replay?)" % docs.DIVERGE_TIMEOUT
