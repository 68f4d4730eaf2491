"""A kernel booted headless with COM1 logged to a file and the QEMU monitor on a Unix
socket, so that a test can type on the emulated PS/2 keyboard (`sendkey`) and watch the
console: tests/boot/test_shell.py and test_programs.py share it."""
import os
import re
import socket
import subprocess
import tempfile
import time

import qemu
from conftest import BUILD


class MonitoredKernel:
    def __init__(self, image=None):
        workdir = tempfile.mkdtemp(prefix="lockstep-monitored-", dir=BUILD)
        self.console = os.path.join(workdir, "console.log")
        self.monitor_path = os.path.join(workdir, "monitor.sock")
        argv = qemu.command(image or os.path.join(BUILD, "lockstep.elf"),
                            console_log=self.console, monitor=self.monitor_path)
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        self.sock = None

    def text(self):
        if not os.path.exists(self.console):
            return ""
        with open(self.console, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_for(self, pattern, count=1, timeout=30):
        """Wait until the console matches the regex `pattern` `count` times; its text."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            text = self.text()
            if len(re.findall(pattern, text)) >= count:
                return text
            time.sleep(0.02)
        raise AssertionError("%r did not appear %d times on the console:\n%s"
                             % (pattern, count, self.text()[-2000:]))

    def sendkey(self, code, pause=0.02):
        """Press and release a key through the monitor (`sendkey` names: a, ret, ctrl-c)."""
        if self.sock is None:
            self.sock = socket.socket(socket.AF_UNIX)
            for _ in range(100):
                try:
                    self.sock.connect(self.monitor_path)
                    break
                except OSError:
                    time.sleep(0.05)
        self.sock.sendall(("sendkey %s\n" % code).encode())
        time.sleep(pause)

    def close(self):
        if self.sock:
            self.sock.close()
        self.process.kill()
        self.process.wait()
