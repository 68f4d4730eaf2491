"""The C and Python sides of the trace agree: boot the test kernel, run the in-kernel
trace tests (tests/ktest/test_trace.c) with COM2 captured, and decode the capture with
tools/trace.py. Every event kind must come back with every field as emitted, and marks
recorded while interrupts nest into the ring must all arrive, in order."""
import os
import subprocess

import pytest

import qemu
import trace as tracetool
from conftest import BUILD
from trace_kinds import check_all_kinds, fields

KTEST_ELF = os.path.join(BUILD, "ktest.elf")


def run_and_decode(test, tmp_path):
    capture = str(tmp_path / "trace.bin")
    argv = qemu.command(KTEST_ELF, cmdline="ktest=" + test, trace_out=capture)
    result = subprocess.run(argv, capture_output=True, timeout=120)
    console = result.stdout.decode(errors="replace")
    assert result.returncode == qemu.EXIT_PASS, console[-2000:]
    with open(capture, "rb") as f:
        data = f.read()
    table = tracetool.EventTable()
    return list(tracetool.decode(data, table)), table


def test_every_event_kind_round_trips_from_the_kernel(tmp_path):
    items, table = run_and_decode("trace_all_kinds", tmp_path)
    assert not [i for i in items if isinstance(i, tracetool.Note)]
    values = [fields(i).get("value") if i.name == "mark" else None for i in items]
    begin, end = values.index(0xa11c0000), values.index(0xa11c00ff)
    check_all_kinds(items[begin + 1:end], table)
    assert items[0].name == "boot" and items[0].seq == 0     # the stream starts at boot


def test_marks_survive_nested_interrupts(tmp_path):
    items, _ = run_and_decode("trace_marks_under_interrupts", tmp_path)
    assert not [i for i in items if isinstance(i, tracetool.Note)]
    assert [i.seq for i in items] == list(range(len(items)))
    marks = [fields(i)["value"] - 0x10000000 for i in items
             if i.name == "mark" and fields(i)["value"] >= 0x10000000]
    assert marks == list(range(20000))
    first = next(n for n, i in enumerate(items) if i.name == "mark")
    timer = [i for i in items[first:] if i.name == "irq_enter" and fields(i)["vector"] == 32]
    assert timer, "no timer interrupt landed while the marks were recorded"
    ticks = [i.tick for i in items]
    assert ticks == sorted(ticks)


def test_make_trace_shows_a_booting_kernel():
    result = subprocess.run(["make", "-s", "trace", "TRACE_SECONDS=1"],
                            cwd=os.path.dirname(BUILD), capture_output=True, text=True,
                            timeout=120, env=dict(os.environ, BUILD=os.path.basename(BUILD)))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "      0         0 boot version=0x100 tick_hz=100"
    assert any(l.endswith(" irq_exit vector=32") for l in lines)
    enters = [l for l in lines if " irq_enter vector=32 " in l]
    assert enters and all(l.split()[1] == str(int(l.split("data=")[1]) - 1) for l in enters), \
        "a timer irq_enter must carry the tick it starts"
    assert any(l.endswith(" idle") for l in lines)
    assert "0 dropped" in result.stderr
    assert result.stderr.rstrip().endswith(", run mode normal")   # the header's mode byte
