"""GDB commands for Lockstep (loaded by tools/gdbinit):

  lockstep-tasks          the executor's tasks: id, name, state, polls, wakes, ticks
  lockstep-trace [N]      the last N trace records (N >= 1, default 20), decoded from memory:
                          the drain's recent copies and what is still in the ring

Records are decoded with tools/trace.py and the event table in trace/events.def, the
same code that decodes the COM2 stream, so the two always agree."""
import os
import re
import struct
import sys

import gdb

TOOLS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS)
import trace as tracetool  # noqa: E402

STATES = {0: "free", 1: "live", 2: "done"}


def read(address, size):
    return bytes(gdb.selected_inferior().read_memory(address, size))


def kernel_symbol(command, expression):
    """The value of `expression`, a kernel variable; GdbError (one line, no Python
    exception) if GDB has no symbols, or not the kernel's: GDB started without the ELF."""
    try:
        return gdb.parse_and_eval(expression)
    except gdb.error as err:
        reason = " ".join(str(err).split()).rstrip(".")
        if gdb.current_progspace().filename is None:
            raise gdb.GdbError("%s: no symbols are loaded: load the kernel's with `file "
                               "build/lockstep.elf` (make debug does)" % command)
        raise gdb.GdbError("%s: %s: is build/lockstep.elf the file loaded?" % (command,
                                                                               reason))


class Tasks(gdb.Command):
    """List the executor's tasks: id, name, state, polls, wakes, ticks spent polling."""

    def __init__(self):
        super().__init__("lockstep-tasks", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        # Named with their file: the stub has its own `tasks` (x86_64.c) and other files a
        # `current`, and a stop inside the stub (the boot stop, `gdb`) would find those.
        tasks = kernel_symbol("lockstep-tasks", "'executor.c'::tasks")
        current = kernel_symbol("lockstep-tasks", "'executor.c'::current")
        count = tasks.type.range()[1] + 1
        print("%5s %-15s %-8s %8s %8s %8s" % ("id", "name", "state", "polls", "wakes", "ticks"))
        for slot in range(1, count):
            t = tasks[slot]
            state = int(t["state"])
            if state == 0:
                continue
            name = bytes(int(t["name"][i]) for i in range(16)).split(b"\0")[0].decode()
            label = STATES.get(state, "?")
            if state == 1:
                if int(current) == int(t.address):
                    label = "running"
                else:
                    label = "ready" if int(t["queued"]) else "waiting"
            print("%5d %-15s %-8s %8d %8d %8d" % (int(t["id"]), name, label, int(t["polls"]),
                                                int(t["wakes"]), int(t["poll_ticks"])))


class Trace(gdb.Command):
    """Decode the last N trace records (default 20) from the kernel's memory."""

    def __init__(self):
        super().__init__("lockstep-trace", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        wanted = self.count(arg)
        table = tracetool.EventTable()
        lines = []
        stream = kernel_symbol("lockstep-trace", "stream")
        recent = stream["recent"]
        kept_total = int(stream["recent_count"])
        size = recent.type.range()[1] + 1
        for i in range(max(0, kept_total - size), kept_total):
            e = recent[i % size]
            words = [int(e["record"][w]) & 0xffffffff for w in range(8)]
            lines.append(self.text(table, words, int(e["seq"]), int(e["tick"])))
        # Records still in the ring, not yet drained.
        ring = kernel_symbol("lockstep-trace", "trace_ring")
        head, tail, mask = int(ring["head"]), int(ring["tail"]), int(ring["mask"])
        base = int(ring["words"].address)
        seq = int(stream["seq"])
        tick = int(stream["tick"])
        while tail < head:
            first = struct.unpack("<I", read(base + 4 * (tail & mask), 4))[0]
            event = table.events.get((first >> 8) & 0xff)
            if first == 0:                         # reserved, header not yet stored (ring.h)
                lines.append("(a record still being written at word %d; it and the ones "
                             "after it show once the kernel has gone on)" % tail)
                break
            if event is None:
                lines.append("(damaged record in the ring at word %d)" % tail)
                break
            raw = read(base + 4 * (tail & mask), 4 + event.size)
            words = list(struct.unpack("<%dI" % (1 + event.size // 4), raw))
            tick = tracetool.next_tick(tick, first, event,
                                       tracetool.unpack_fields(event, raw[4:]))
            lines.append(self.text(table, words, seq, tick) + "   (not yet streamed)")
            seq += 1
            tail += 1 + event.size // 4
        for line in lines[-wanted:]:
            print(line)

    @staticmethod
    def count(arg):
        """N of `lockstep-trace [N]`, 20 if not given; GdbError unless N >= 1 (0 printed
        every record and -N all but N: lines[-N:])."""
        text = arg.strip()
        if not text:
            return 20
        if not re.fullmatch(r"-?[0-9]+", text):
            raise gdb.GdbError("usage: lockstep-trace [N]")
        if int(text) < 1:
            raise gdb.GdbError("lockstep-trace: N must be at least 1, not %s" % text)
        return int(text)

    @staticmethod
    def text(table, words, seq, tick):
        event = table.events.get((words[0] >> 8) & 0xff)
        if event is None:
            return "%7d %9d ?" % (seq, tick)
        payload = struct.pack("<%dI" % (event.size // 4), *words[1:1 + event.size // 4])
        return tracetool.Record(seq, tick, event, tracetool.unpack_fields(event, payload)).text()


Tasks()
Trace()
