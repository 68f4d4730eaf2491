"""Bad arguments and bad input to the host tools that have no test file of their own
(tools/live.py, fuzz.py, docs.py, debug.py, gdb_lockstep.py): each gets a clear one-line
error and a non-zero exit, never a Python traceback, and is refused before any long
session starts. Each test is named after the bug it pins."""
import os
import re
import struct
import subprocess
import sys

import pytest

from conftest import BUILD, ROOT
import fuzz


def tool(name, *args, **kwargs):
    return subprocess.run([sys.executable, os.path.join(ROOT, "tools", name)] +
                          [str(a) for a in args], capture_output=True, text=True, timeout=60,
                          **kwargs)


# ---- live.py ----

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


@pytest.mark.parametrize("seconds", ["-1", "nan", "inf", "1e300"])
def test_live_refuses_a_bad_number_of_seconds(seconds):
    # Regression: -1 and nan reached time.sleep() after the session (ValueError).
    result = tool("live.py", "--seconds=" + seconds, "help")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "live.py: error: --seconds must be 0 to 86400 (a day)" in result.stderr


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
