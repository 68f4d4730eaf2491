"""Drops are reported end to end: boot the test kernel to run only the trace-ring
overflow test (tests/ktest/test_trace_overflow.c) with COM2 captured, and decode the
capture on the host. Every mark that filled the ring arrives, in order, right after them
comes one `drop` record carrying the count the kernel's ring kept, then the mark that
followed the storm; `tools/trace.py decode` reports the same number of drops."""
import os
import re
import subprocess
import sys

import qemu
import trace as tracetool
from conftest import BUILD, ROOT
from trace_kinds import fields

KTEST_ELF = os.path.join(BUILD, "ktest.elf")
TEST = "trace_ring_overflow_in_an_interrupt_storm_is_counted_exactly"
FILL_MARK, END_MARK = 0x57000000, 0x57ffffff        # as in test_trace_overflow.c


def test_the_decoder_reports_every_record_the_storm_dropped(tmp_path):
    capture = str(tmp_path / "trace.bin")
    argv = qemu.command(KTEST_ELF, cmdline="ktest=" + TEST, trace_out=capture)
    result = subprocess.run(argv, capture_output=True, timeout=120)
    console = result.stdout.decode(errors="replace")
    assert result.returncode == qemu.EXIT_PASS, console[-2000:]
    assert "ktest: running 1 test (boot:" in console   # ktest=NAME runs one (it said all)
    m = re.search(r"^trace storm: (\d+) interrupts, (\d+) records dropped, (\d+) since boot",
                  console, re.M)
    assert m, console[-2000:]
    interrupts, dropped, since_boot = map(int, m.groups())
    assert dropped == 3 * interrupts                    # irq_enter, wake|key_drop, irq_exit

    with open(capture, "rb") as f:
        data = f.read()
    items = list(tracetool.decode(data, tracetool.EventTable()))
    assert not [i for i in items if isinstance(i, tracetool.Note)]
    assert [i.seq for i in items] == list(range(len(items)))
    values = [fields(i).get("value") if i.name == "mark" else None for i in items]
    first = values.index(FILL_MARK)
    end = values.index(END_MARK)
    fill = values[first:end - 1]
    assert fill == list(range(FILL_MARK, FILL_MARK + len(fill))), "a filling mark is missing"
    assert len(fill) * 2 == 16384                       # two words each: the whole ring
    drop = items[end - 1]
    assert drop.name == "drop" and fields(drop)["count"] == dropped
    drops = [fields(i)["count"] for i in items if i.name == "drop"]
    assert sum(drops) == since_boot                     # no other loss went unreported

    decoded = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "trace.py"),
                              "decode", capture, "--out", os.devnull],
                             capture_output=True, text=True, timeout=60)
    assert decoded.returncode == 0, decoded.stderr
    assert re.search(r"\b%d dropped\b" % since_boot, decoded.stderr), decoded.stderr
