#!/usr/bin/python3
"""Scripted live sessions: Lockstep in record mode under QEMU, headless, with key presses
sent through QMP (input-send-event) at times the host chooses. The recording tests
(tests/golden/test_record.py) and `make bench` use it; `make record` is the interactive
version (tools/replay.py record).

A script is a list of (delay_seconds, "down"|"up"|None, Key): wait, then press or release
the key (None: only wait).
`typing_script` builds one from shell lines with seeded, irregular delays. Keys go as
QEMU key numbers derived from kernel/async/keymap.def (Key.qnum), so no key table is
copied here.

  live.py [--seed N] [--seconds S] [--out FILE] LINE...
        type the lines, print the live trace's size; --out keeps the capture (a path
        that cannot be written is refused before the session starts)
"""
import argparse
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keys as keysfile                            # noqa: E402
import qemu                                        # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNEL = os.path.join(ROOT, os.environ.get("BUILD", "build"), "lockstep.elf")


def shell_prompt(path=os.path.join(ROOT, "kernel", "shell", "shell.c")):
    """The shell's prompt, read from its one definition (#define PROMPT in shell.c)."""
    with open(path) as f:
        found = re.search(r'^#define PROMPT "([^"\\]*)"', f.read(), re.M)
    if not found:
        raise SystemExit("live.py: no #define PROMPT \"...\" in %s" % path)
    return found.group(1)


PROMPT = shell_prompt()                            # tests and tools/ import it


class LiveError(Exception):
    """QEMU would not start, QMP failed, or the kernel never showed its prompt."""


class QMP:
    """A minimal QMP client over a Unix socket: greeting, capabilities, commands."""

    def __init__(self, path, timeout=20, alive=None):
        """`alive`, if given, says whether QEMU still runs: one that exited is not waited
        for the whole timeout."""
        deadline = time.time() + timeout
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(timeout)
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if alive and not alive():
                    raise LiveError("QEMU exited:")
                if time.time() > deadline:
                    raise LiveError("no QMP socket at %s" % path)
                time.sleep(0.02)
        self.buffer = b""
        self.read()                                    # the greeting
        self.execute("qmp_capabilities")

    def read(self):
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise LiveError("QMP connection closed")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def execute(self, command, **arguments):
        message = {"execute": command}
        if arguments:
            message["arguments"] = arguments
        self.sock.sendall(json.dumps(message).encode() + b"\n")
        while True:
            reply = self.read()
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise LiveError("QMP %s: %s" % (command, reply["error"].get("desc", reply)))

    def key(self, key, down):
        self.execute("input-send-event", events=[{"type": "key", "data": {
            "down": down, "key": {"type": "number", "data": key.qnum()}}}])

    def close(self):
        self.sock.close()


class LiveSession:
    """QEMU running the kernel in record mode; COM2 (the live trace) and COM1 in files."""

    def __init__(self, kernel=KERNEL, workdir=None):
        if not os.path.exists(kernel):
            raise LiveError("%s does not exist (run `make` first)" % kernel)
        self.tmp = None if workdir else tempfile.TemporaryDirectory(prefix="lockstep-live-")
        workdir = workdir or self.tmp.name
        self.trace_path = os.path.join(workdir, "live.bin")
        self.console_path = os.path.join(workdir, "live.console")
        sock = os.path.join(workdir, "qmp.sock")
        argv = qemu.command(kernel, cmdline="record", trace_out=self.trace_path,
                            console_log=self.console_path,
                            extra=["-qmp", "unix:%s,server=on,wait=off" % sock])
        self.started = time.perf_counter()
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            self.qmp = QMP(sock, alive=lambda: self.process.poll() is None)
        except (LiveError, OSError) as err:
            self.process.kill()
            raise LiveError("QEMU did not come up: %s %s" % (
                err, self.process.communicate()[1].decode(errors="replace").strip()))

    def console(self):
        try:
            with open(self.console_path, "rb") as f:
                return f.read()
        except OSError:
            return b""

    def wait_for(self, text=PROMPT.encode(), count=1, timeout=30):
        deadline = time.time() + timeout
        while self.console().count(text) < count:
            if time.time() > deadline or self.process.poll() is not None:
                raise LiveError("%r never appeared on COM1; it ends:\n%s"
                                % (text, self.console()[-500:].decode(errors="replace")))
            time.sleep(0.01)

    def play(self, script):
        for delay, action, key in script:
            time.sleep(delay)
            if action:
                self.qmp.key(key, action == "down")

    def stop(self):
        """Quit QEMU; returns (live trace bytes, live seconds from start to quit)."""
        seconds = time.perf_counter() - self.started
        try:
            self.qmp.execute("quit")
        except (LiveError, OSError):
            pass
        self.close()
        with open(self.trace_path, "rb") as f:
            return f.read(), seconds

    def close(self):
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stderr.close()
        self.qmp.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.tmp:
            self.tmp.cleanup()


def typing_script(lines, seed, keymap, pause=(0.2, 1.0), repeat=0):
    """Key events that type each line then Enter, with seeded irregular delays: 5-60 ms
    holds, 5-150 ms gaps, and a pause (`pause` range, seconds) after each Enter; with
    repeat=N one key of each line is held with N repeated make codes, as typematic
    repeat sends them."""
    rng = random.Random(seed)
    enter = keymap.find("Enter")
    script = []
    for line in lines:
        held = rng.randrange(len(line)) if repeat and line else -1
        for i, char in enumerate(line):
            key, shifted = keymap.chars[char]
            if shifted:
                script.append((rng.uniform(0.005, 0.15), "down", keymap.shift()))
            script.append((rng.uniform(0.005, 0.15), "down", key))
            for _ in range(repeat if i == held else 0):
                script.append((rng.uniform(0.03, 0.05), "down", key))
            script.append((rng.uniform(0.005, 0.06), "up", key))
            if shifted:
                script.append((rng.uniform(0.005, 0.06), "up", keymap.shift()))
        script.append((rng.uniform(0.005, 0.15), "down", enter))
        script.append((rng.uniform(0.005, 0.06), "up", enter))
        script.append((rng.uniform(*pause), None, None))      # only a wait
    return script


def unwritable(path):
    """Why no file can be written at `path`, or None. Checked before a session starts,
    so that a typo in --out is not found only after the whole session has run."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        return "it is a directory"
    if not os.path.isdir(directory):
        return "no directory %s" % directory
    if not os.access(path if os.path.exists(path) else directory, os.W_OK):
        return "permission denied"
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lines", nargs="+", metavar="LINE", help="shell lines to type")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kernel", default=KERNEL)
    parser.add_argument("--out", help="keep the live trace capture here")
    parser.add_argument("--seconds", type=float, default=0.5,
                        help="idle time after the last line (default %(default)s)")
    args = parser.parse_args(argv)
    qemu.check_seconds(parser, "--seconds", args.seconds, zero_ok=True)
    why = unwritable(args.out) if args.out else None
    if why:
        parser.error("cannot write --out %s: %s" % (args.out, why))
    try:
        keymap = keysfile.Keymap()
        for line in args.lines:
            bad = [c for c in line if c not in keymap.chars or not " " <= c <= "~"]
            if bad:
                parser.error("no key types %r" % bad[0])
        with LiveSession(args.kernel) as session:
            session.wait_for()
            session.play(typing_script(args.lines, args.seed, keymap))
            time.sleep(args.seconds)
            data, seconds = session.stop()
    except (LiveError, keysfile.KeysError, OSError) as err:
        print("live: error: %s" % err, file=sys.stderr)
        return 2
    if args.out:
        try:
            with open(args.out, "wb") as f:
                f.write(data)
        except OSError as err:
            print("live: error: cannot write %s: %s (%d bytes of trace lost)"
                  % (args.out, err.strerror or err, len(data)), file=sys.stderr)
            return 2
    print("live: %.1f s, %d bytes of trace%s" % (seconds, len(data),
          " in " + args.out if args.out else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
