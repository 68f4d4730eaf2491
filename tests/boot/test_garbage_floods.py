"""Floods of garbage on the kernel's two input ports, with fixed seeds: 64 KiB of random
bytes on the GDB port (COM3, a Unix socket), then 64 KiB on the console (COM1, QEMU's
standard input). Afterwards the stub still speaks the protocol and lets go, the shell
still answers `version`, a real GDB attaches and reads registers, and nothing on the
console says PANIC or EXCEPTION. (QEMU hands a UART about one byte per main-loop turn,
some 10 KiB/s here: 256 KiB on each port took 50 s, hence 64 KiB.)

What the floods cover, and what they leave out on purpose:
- COM3: Ctrl-C (0x03) and the '$' of a packet while the kernel runs (either stops it, as
  for a GDB interrupting or connecting, and the stub takes the rest of the flood
  stopped), Ctrl-C while it is stopped, and inside packets; packets that start, restart
  on '$', hold escapes, or (one of them) run past the 4 KiB packet buffer; each ends in
  a bad checksum and is NAKed. Every '#' is followed by a byte that is no hex digit, so
  no checksum can ever match and no random command (k, D, M, G...) is ever carried out:
  what the stub does with well-framed nonsense is the host fuzzer's part
  (tests/fuzz/fuzz_gdbstub.c).
- COM1: printable bytes, control keys, escape sequences, Tab, Ctrl-C, Ctrl-U and bytes
  above 0x7e, but no CR or LF: without Enter no line is ever run, so the flood cannot
  type `reboot`, `panic` or `fault` by chance.
"""
import os
import random
import re
import select
import shutil
import socket
import subprocess
import tempfile
import sys
import threading
import time

import qemu
from conftest import BUILD, ROOT
from fuzz import checksum_frame                          # $payload#cc, as GDB frames it
from live import PROMPT

sys.path.insert(0, os.path.join(ROOT, "tests", "gdb"))
from gdbtest import gdb_batch                            # noqa: E402 (real GDB, batch mode)

KERNEL = os.path.join(BUILD, "lockstep.elf")
FLOOD_BYTES = 64 * 1024
REPLY_TIMEOUT = 60                      # s: the stub may still be eating the flood
GDB_SEED, CONSOLE_SEED = 11, 12
VERSION = re.compile(rb"Lockstep \d+\.\d+\.\d+ \(x86_64\), trace event table")
HEX = b"0123456789abcdefABCDEF"


def gdb_flood(seed, size):
    """Random bytes with one packet of 6000 bytes in the middle, in which no '#' is
    followed by a hex digit: no packet can check out."""
    rng = random.Random(seed)
    oversize = b"$" + bytes(b for b in rng.randbytes(6200) if b not in b"#$")[:6000] + b"#"
    data = bytearray(rng.randbytes(size // 2) + oversize + rng.randbytes(size // 2))
    for i in range(1, len(data)):
        if data[i - 1] == ord("#") and data[i] in HEX:
            data[i] = ord("x")
    if data[-1] == ord("#"):
        data[-1] = ord("x")
    return bytes(data)


def console_flood(seed, size):
    """Random bytes without CR or LF: nothing typed is ever run."""
    data = random.Random(seed).randbytes(size)
    return data.replace(b"\r", b"").replace(b"\n", b"")


class Console:
    """COM1 on QEMU's standard input and output; a thread keeps reading the output."""

    def __init__(self, process):
        self.process = process
        self.output = bytearray()
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:
                return
            with self.lock:
                self.output += chunk

    def text(self):
        with self.lock:
            return bytes(self.output)

    def send(self, data):
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def expect(self, pattern, since=0, timeout=30):
        """Wait for `pattern` (bytes or compiled regex) in the output after offset `since`."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            text = self.text()[since:]
            if (pattern.search(text) if hasattr(pattern, "search") else pattern in text):
                return
            assert self.process.poll() is None, "QEMU exited: %r" % self.text()[-2000:]
            time.sleep(0.05)
        raise AssertionError("%r did not come within %ss; console tail:\n%s" % (
            pattern, timeout, self.text()[-2000:].decode("utf-8", "replace")))

    def command(self, line):
        """Abandon whatever is half typed (Ctrl-C ends an escape sequence first), then run
        `line`; returns the output offset it was typed at."""
        since = len(self.text())
        self.send(b"\x03\x03\x03" + line + b"\r")
        return since

    def command_after_flood(self, line, pattern, timeout=REPLY_TIMEOUT):
        """Run `line` until `pattern` answers it. While the shell still echoes a flood,
        COM1's ring may be full when the command's bytes arrive, and a full ring drops
        what comes (counted in com1.rx_dropped): that is the design, so the command is
        typed again every few seconds rather than once."""
        deadline = time.time() + timeout
        while True:
            since = self.command(line)
            try:
                return self.expect(pattern, since, timeout=min(5, max(deadline - time.time(), 0.1)))
            except AssertionError:
                if time.time() >= deadline:
                    raise


class Stub:
    """A bare RSP client on the GDB port: sends bytes, acknowledges every packet it gets."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.received = bytearray()
        self.packets = []
        self.naks = 0

    def _take(self, chunk):
        self.received += chunk
        self.naks += chunk.count(b"-")
        while True:
            m = re.search(rb"\$([^#$]*)#[0-9a-f]{2}", self.received)
            if not m:
                return
            self.packets.append(m.group(1))
            self.received = self.received[m.end():]
            self.sock.sendall(b"+")

    def flood(self, data):
        """Send `data`, reading whatever comes back meanwhile (a stopped stub that cannot
        write its NAKs would stop reading too)."""
        at = 0
        while at < len(data):
            readable, writable, _ = select.select([self.sock], [self.sock], [], 10)
            assert readable or writable, "the GDB port stopped taking bytes at %d" % at
            if readable:
                self._take(self.sock.recv(65536))
            if writable:
                at += self.sock.send(data[at:at + 4096])

    def packet(self, payload, timeout=REPLY_TIMEOUT):
        """Send one packet; return the payload of the next packet that comes back."""
        seen = len(self.packets)
        self.sock.sendall(checksum_frame(payload))
        return self.wait_packet(seen, timeout)

    def wait_packet(self, seen, timeout=REPLY_TIMEOUT):
        deadline = time.time() + timeout
        while len(self.packets) == seen:
            left = deadline - time.time()
            assert left > 0, "no reply from the stub; it sent %r" % bytes(self.received[-200:])
            if select.select([self.sock], [], [], left)[0]:
                self._take(self.sock.recv(65536))
        return self.packets[seen]

    def stop(self):
        """Ctrl-C, then end any half-read packet or checksum ('#zz' can never check out),
        then ask why it stopped: a stop reply (S or T) proves it is in the protocol."""
        self.sock.sendall(b"\x03#zz")
        time.sleep(0.2)
        if select.select([self.sock], [], [], 0)[0]:
            self._take(self.sock.recv(65536))
        return self.packet(b"?")

    def close(self):
        self.sock.close()


def test_garbage_on_the_gdb_port_and_the_console_leaves_everything_working():
    tmp = tempfile.mkdtemp(prefix="lockstep-flood-", dir=BUILD)   # a short socket path
    port = os.path.join(tmp, "gdb.sock")
    argv = qemu.command(KERNEL, gdb_port=port)
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
    try:
        console = Console(process)
        console.expect(PROMPT.encode())

        stub = Stub(port)
        stub.flood(gdb_flood(GDB_SEED, FLOOD_BYTES))
        assert re.match(rb"[ST][0-9a-f]{2}", stub.stop())
        # The first stop reply: T02 if a Ctrl-C stopped the kernel, T05 (the answer to
        # stop()'s '?') if the '$' of a packet did, which sends none until asked.
        assert re.match(rb"T0[25]", stub.packets[0]), "the flood did not stop the kernel"
        assert stub.naks > 50, "the stub NAKed only %d bad packets" % stub.naks
        assert stub.packet(b"D") == b"OK"                # detached: the kernel runs on
        stub.close()
        console.expect(VERSION, console.command(b"version"))

        before = len(console.text())
        console.send(console_flood(CONSOLE_SEED, FLOOD_BYTES))
        console.command_after_flood(b"version", VERSION)
        assert len(console.text()) - before > FLOOD_BYTES // 4, "the shell echoed little"

        stub = Stub(port)                                # stopped, GDB can take over
        assert re.match(rb"[ST][0-9a-f]{2}", stub.stop())
        stub.close()
        out = gdb_batch(port, ["info registers rip rsp", "print com1.rx_dropped", "detach"])
        assert re.search(r"^rip\s+0xffffffff8[0-9a-f]{7}\s", out, re.M), out
        assert re.search(r"^rsp\s+0xffff", out, re.M), out
        assert re.search(r"^\$1 = \d+$", out, re.M), out   # COM1 bytes a full ring lost: counted
        console.expect(VERSION, console.command(b"version"))

        text = console.text().decode("utf-8", "replace")
        assert "PANIC" not in text and "EXCEPTION" not in text, text[-3000:]
        assert process.poll() is None
    finally:
        process.kill()
        process.wait()
        shutil.rmtree(tmp, ignore_errors=True)
