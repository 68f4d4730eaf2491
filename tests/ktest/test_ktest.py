"""Boots the in-kernel test suite (build/ktest.elf, build/ktest.iso) through both boot
paths and turns each `ktest: PASS|FAIL name` line into one pytest case per path.
Test names come from the kernel's own .ktest table (its ktest_entry_* symbols)."""
import functools
import os
import re
import subprocess

import pytest

import qemu
from conftest import BUILD

KTEST_ELF = os.path.join(BUILD, "ktest.elf")
KTEST_ISO = os.path.join(BUILD, "ktest.iso")
PATHS = {"kernel": (KTEST_ELF, "multiboot1"), "iso": (KTEST_ISO, "multiboot2")}
TIMEOUT = 120


def ktest_names():
    symbols = subprocess.run(["nm", KTEST_ELF], capture_output=True, text=True,
                             check=True).stdout
    return sorted(re.findall(r"\bktest_entry_(\w+)$", symbols, re.M))


@functools.lru_cache(maxsize=None)
def boot(path):
    """Run the whole suite once per boot path; return (exit status, console text)."""
    image, _ = PATHS[path]
    argv = qemu.command(image, boot=path, cmdline="ktest" if path == "kernel" else "")
    try:
        result = subprocess.run(argv, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as err:
        return None, (err.stdout or b"").decode("utf-8", "replace")
    return result.returncode, result.stdout.decode("utf-8", "replace")


def results(path):
    _, console = boot(path)
    return {name: status
            for status, name in re.findall(r"^ktest: (PASS|FAIL) (\w+)", console, re.M)}


@pytest.mark.parametrize("path", sorted(PATHS))
@pytest.mark.parametrize("name", ktest_names())
def test_in_kernel(path, name):
    status = results(path).get(name)
    _, console = boot(path)
    if status != "PASS":
        line = re.search(r"^ktest: FAIL %s: .*$" % name, console, re.M)
        pytest.fail(line.group(0) if line else
                    "%s did not report (crash or hang?); console tail:\n%s"
                    % (name, console[-3000:]))


@pytest.mark.parametrize("path", sorted(PATHS))
def test_suite_exits_through_debug_exit(path):
    status, console = boot(path)
    _, protocol = PATHS[path]
    assert "ktest: running %d tests (boot: %s)" % (len(ktest_names()), protocol) in console
    assert re.search(r"^ktest: %d passed, 0 failed" % len(ktest_names()), console, re.M), \
        console[-2000:]
    assert status == qemu.EXIT_PASS, "QEMU exit status %r" % status
