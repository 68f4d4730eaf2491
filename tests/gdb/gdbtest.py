"""Launching Lockstep under a debugger for the GDB tests and `make bench`: the kernel's
own stub (COM3 as a TCP server, boot option `gdb` so it waits in early boot), or QEMU's
gdbserver (-gdb, CPU stopped at reset) on the same build, and real GDB in batch mode, or
a bare protocol client (RspClient) where GDB's own time would be in the way."""
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import qemu
from conftest import BUILD, ROOT

ELF = os.path.join(BUILD, "lockstep.elf")
GDB = "gdb"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Machine:
    """QEMU running Lockstep, waiting for a debugger on self.port. Its files (the console
    log, a Unix socket) live in a directory of its own under build/, which close()
    removes; a Machine that fails to start closes itself before raising."""

    def __init__(self, stub="ours", cmdline=None, stdin_console=False, unix=False):
        self.dir = tempfile.mkdtemp(prefix="lockstep-gdb-", dir=BUILD)
        # a TCP port, or a Unix socket path (GDB connects to either with target remote)
        self.port = os.path.join(self.dir, "gdb.sock") if unix else free_port()
        self.console = os.path.join(self.dir, "console.log")
        self.stderr = os.path.join(self.dir, "qemu.stderr")   # a file: a pipe nobody reads can fill
        if cmdline is None:
            cmdline = "gdb" if stub == "ours" else ""
        argv = qemu.command(ELF, cmdline=cmdline, console_log=None if stdin_console else self.console,
                            gdb_port=self.port if stub == "ours" else None,
                            qemu_gdb_port=self.port if stub == "qemu" else None)
        self.argv = argv
        self.process = None
        if not stdin_console:
            try:
                with open(self.stderr, "wb") as stderr:
                    self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                                    stdout=subprocess.DEVNULL, stderr=stderr)
                self.wait_listening()
            except BaseException:
                self.close()
                raise

    def wait_listening(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if isinstance(self.port, str):
                if os.path.exists(self.port):
                    return
            else:
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", self.port)) == 0:
                        return
            time.sleep(0.02)
        said = ""
        if os.path.exists(self.stderr):
            with open(self.stderr, "rb") as f:
                said = f.read().decode("utf-8", "replace").strip()
        raise AssertionError("nothing listens on %s%s" % (self.port,
                             "; QEMU said:\n" + said if said else ""))

    def console_text(self):
        with open(self.console, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def close(self):
        """Stop QEMU if this Machine started it, and remove the directory; cannot fail.
        (With stdin_console the caller runs QEMU and stops it first.)"""
        if self.process:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def gdb_batch(port, commands, timeout=60, gdbinit=False):
    """Run GDB on the kernel ELF with `commands` (a list of lines); return its output.
    With gdbinit, tools/gdbinit is loaded first, as make debug and make debug-qemu do."""
    where = port if isinstance(port, str) else "127.0.0.1:%d" % port
    script = ["set pagination off", "set confirm off", "set width 0",
              "target remote " + where] + list(commands)
    with tempfile.NamedTemporaryFile("w", suffix=".gdb", delete=False) as f:
        f.write("\n".join(script) + "\n")
        path = f.name
    init = ["-x", os.path.join(ROOT, "tools", "gdbinit")] if gdbinit else []
    try:
        result = subprocess.run([GDB, "-batch", "-nx"] + init + ["-x", path, ELF], cwd=ROOT,
                                capture_output=True, text=True, timeout=timeout)
    finally:
        os.unlink(path)
    return result.stdout + result.stderr


class RspError(Exception):
    """A stub that does not answer as the protocol says: the message says how."""


class RspClient:
    """Just enough of GDB's side of the remote protocol to time single requests with no
    GDB in the way: packets framed and acked as GDB does (no acks once the stub accepts
    QStartNoAckMode), one reply read per request, left run-length encoded. Until the
    stub first answers, a request that gets no byte back in 2 s is sent again, as GDB
    does: bytes that reach COM3 before the stub has set it up are lost."""

    def __init__(self, path, timeout=60):
        deadline = time.time() + timeout
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > deadline:
                    raise RspError("nothing accepts connections on %s" % path)
                time.sleep(0.02)
        self.timeout = timeout
        self.pending = b""
        self.acks = True
        self.answered = False

    def request(self, payload):
        """Send one packet; return the payload of the reply."""
        data = payload.encode()
        packet = b"$%s#%02x" % (data, sum(data) & 0xff)
        deadline = time.time() + self.timeout
        self.sock.sendall(packet)
        while True:                     # '#' ends a packet: inside one it is escaped
            start = self.pending.find(b"$")
            end = self.pending.find(b"#", start) if start >= 0 else -1
            if b"-" in self.pending[:start if start >= 0 else len(self.pending)]:
                raise RspError("the stub asked for %r again" % payload)
            if end >= 0 and len(self.pending) >= end + 3:
                reply, self.pending = self.pending[start + 1:end], self.pending[end + 3:]
                if self.acks:
                    self.sock.sendall(b"+")
                self.answered = True
                return reply.decode("latin-1")
            resend = not self.answered and not self.pending
            self.sock.settimeout(max(0.01, min(2.0 if resend else self.timeout,
                                               deadline - time.time())))
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                if time.time() >= deadline:
                    raise RspError("no reply to %r in %d s" % (payload, self.timeout))
                if resend:
                    self.sock.sendall(packet)   # lost before the stub listened
                continue
            except OSError as err:
                raise RspError("no reply to %r: %s" % (payload, err))
            if not chunk:
                raise RspError("the stub closed the connection at %r" % payload)
            self.pending += chunk

    @staticmethod
    def expand(reply):
        """A reply with its run-length encoding undone: "X*c" is X and ord(c) - 29 more."""
        return re.sub(r"(.)\*(.)", lambda m: m.group(1) * (ord(m.group(2)) - 28), reply,
                      flags=re.S)

    def close(self):
        self.sock.close()


def qemus_serving(port):
    """The pids of QEMU processes running this build's kernel with COM3 on `port`."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue                        # gone, or not ours to read
        if "qemu-system" in os.path.basename(argv[0].decode("utf-8", "replace")) and \
                ELF.encode() in argv and any(b"port=%d," % port in a for a in argv):
            pids.append(int(pid))
    return pids


@contextlib.contextmanager
def make_debug_server(*make_args):
    """`make debug-server` on a free port (with extra make arguments such as CASE=x): yields
    the port once QEMU listens on it; stops make, and with it tools/debug.py, which stops
    QEMU (in a session of its own, beyond the group's signal) on its way out: checked,
    and a QEMU left running is killed and the test fails."""
    port = free_port()
    with tempfile.TemporaryFile() as stderr:          # a file: a pipe nobody reads can fill
        server = subprocess.Popen(["make", "-s", "debug-server", "GDB_PORT=%d" % port] +
                                  list(make_args), cwd=ROOT,
                                  start_new_session=True, stdout=subprocess.DEVNULL,
                                  stderr=stderr)
        try:
            deadline = time.time() + 60
            while True:
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                if time.time() > deadline or server.poll() is not None:
                    stderr.seek(0)
                    raise AssertionError("make debug-server: nothing listens on port %d; it said:\n%s"
                                         % (port, stderr.read().decode("utf-8", "replace")))
                time.sleep(0.1)
            yield port
        finally:
            with contextlib.suppress(ProcessLookupError):      # the group may be gone
                os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
            deadline = time.time() + 10     # make may exit before tools/debug.py has
            while qemus_serving(port) and time.time() < deadline:
                time.sleep(0.1)
            left = qemus_serving(port)
            for pid in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    if left:
        raise AssertionError("stopping make debug-server left QEMU running on port %d "
                             "(pid %s)" % (port, ", ".join(map(str, left))))
