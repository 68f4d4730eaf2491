"""Launching Lockstep under a debugger for the GDB tests and `make bench`: the kernel's
own stub (COM3 as a TCP server, boot option `gdb` so it waits in early boot), or QEMU's
gdbserver (-gdb, CPU stopped at reset) on the same build, and real GDB in batch mode."""
import contextlib
import os
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


@contextlib.contextmanager
def make_debug_server(*make_args):
    """`make debug-server` on a free port (with extra make arguments such as CASE=x): yields
    the port once QEMU listens on it; stops make, tools/debug.py and QEMU afterwards."""
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
