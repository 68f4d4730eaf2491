"""Bad arguments and bad input to the host tools that have no test file of their own
(tools/live.py, fuzz.py, docs.py, debug.py, gdb_lockstep.py): each gets a clear one-line
error and a non-zero exit, never a Python traceback, and is refused before any long
session starts. Each test is named after the bug it pins."""
import os
import subprocess
import sys

import pytest

from conftest import ROOT


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
