"""Runs every host C unit test (tests/unit/test_*.c, built by `make unit-build`) as its own
pytest case, one process per test so a sanitizer abort fails only that test."""
import glob
import os
import subprocess

import pytest

from conftest import BUILD, ROOT

# One binary per tests/unit/test_*.c, as the Makefile's UNIT_TESTS builds them.
SOURCES = sorted(glob.glob(os.path.join(ROOT, "tests", "unit", "test_*.c")))
BINARIES = [os.path.join(BUILD, "unit", os.path.basename(s)[:-2]) for s in SOURCES]


def collect():
    cases = []
    for binary in BINARIES:
        if not os.path.exists(binary):
            cases.append(pytest.param(None, None, id=os.path.basename(binary) + ".not-built"))
            continue
        names = subprocess.run([binary, "--list"], capture_output=True, text=True,
                               check=True).stdout.split()
        cases += [pytest.param(binary, name, id="%s.%s" % (os.path.basename(binary), name))
                  for name in names]
    return cases


@pytest.mark.parametrize("binary,name", collect())
def test_unit(binary, name):
    assert binary, "a tests/unit/test_*.c has no binary: is it in the Makefile's UNIT_TESTS?"
    result = subprocess.run([binary, name], capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "PASS %s" % name in result.stdout, output
