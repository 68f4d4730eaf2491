#!/usr/bin/python3
"""Doc excerpts and pictures that cannot go stale. Every trace, console or GDB excerpt in
README.md and docs/*.md, and every picture under docs/images/, is produced from the
kernel by this tool, from a golden case (tests/golden/, which make test replays against
the kernel) or from a fresh boot, and `check` fails while any of them differs from what
the kernel produces now.

  docs.py check     exit 1 naming each stale excerpt or picture (make test runs this)
  docs.py update    rewrite them all (make docs)

An excerpt or picture that cannot be produced, or a page that cannot be read or written,
is an error (exit 2) naming the page and, where known, the line of its marker.

An excerpt in Markdown:

    <!-- excerpt: SOURCE from "FIRST" to "LAST" -->
    ```text
    ...generated lines...
    ```
    <!-- end excerpt -->

The lines run from the first line containing FIRST to the next one containing LAST, both
included (without `to`: the FIRST line alone). SOURCE is one of:

    CASE.trace, CASE.console   a golden file, tests/golden/CASE.* (colour codes dropped)
    boot:iso                   COM1 of a fresh boot of build/lockstep.iso (GRUB), up to
                               the first prompt
    ktest:NAME                 COM1 of build/ktest.elf running the in-kernel test NAME
    diverge:CASE               tools/replay.py's first-divergence report for CASE, against
                               a copy of its golden trace whose first `waker=irq33` was
                               changed by hand to `waker=irq34`
    gdb:NAME                   a GDB session: tests/golden/NAME.gdb run in batch against
                               the kernel's own stub while it replays the golden case its
                               first line names ("# replay: CASE"); each command is shown
                               after "(gdb) " as typed

A picture: the line

    <!-- picture: images/NAME.svg from CASE.trace TIMELINE-OPTIONS... -->

(in any .md file) says that docs/images/NAME.svg is tools/timeline.py's SVG of the golden
trace with those options (--from-event, --to-event, --width...).
"""
import argparse
import contextlib
import glob
import io
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keys as keysfile                      # noqa: E402
import qemu                                  # noqa: E402
from live import PROMPT                      # noqa: E402  the shell's prompt
import replay                                # noqa: E402
import timeline                              # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
GOLDEN = os.path.join(ROOT, "tests", "golden")
DOCS = os.path.join(ROOT, "docs")
PAGES = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(DOCS, "*.md")))

BEGIN = re.compile(r'<!-- excerpt: (\S+) from "([^"]*)"(?: to "([^"]*)")? -->\n')
END = "<!-- end excerpt -->"
PICTURE = re.compile(r"<!-- picture: (images/[\w.-]+\.svg) from (\w+\.trace)((?: [^>]*?)?) -->")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class DocError(Exception):
    """An excerpt or picture that cannot be produced: a missing file, a pattern that
    matches nothing, a boot or GDB session that failed."""


def clean(text):
    return [ANSI.sub("", line.rstrip("\r")).replace("\r", "") for line in text.split("\n")]


def golden_lines(name):
    path = os.path.join(GOLDEN, name)
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return clean(f.read().rstrip("\n"))
    except OSError as err:
        raise DocError("cannot read tests/golden/%s: %s" % (name, err))


def wait_for(path, text, timeout, process):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path):
            with open(path, "rb") as f:
                content = f.read().decode("utf-8", "replace")
            if text in content:
                return content
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise DocError("no %r from QEMU within %d s" % (text, timeout))


def boot_lines():
    """COM1 of a GRUB boot of the ISO, from the first line up to the prompt."""
    iso = os.path.join(BUILD, "lockstep.iso")
    if not os.path.exists(iso):
        raise DocError("%s does not exist (run `make` first)" % iso)
    with tempfile.TemporaryDirectory(prefix="lockstep-docs-") as tmp:
        console = os.path.join(tmp, "console.log")
        process = subprocess.Popen(qemu.command(iso, boot="iso", console_log=console),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        try:
            text = wait_for(console, PROMPT, 30, process)
        finally:
            process.kill()
            process.wait()
    lines = clean(text[:text.index(PROMPT) + len(PROMPT)].strip("\n"))
    return [line.rstrip() for line in lines]


def ktest_lines(name):
    """COM1 of the test kernel running one in-kernel test (boot option ktest=NAME)."""
    kernel = os.path.join(BUILD, "ktest.elf")
    if not os.path.exists(kernel):
        raise DocError("%s does not exist (run `make ktest` first)" % kernel)
    argv = qemu.command(kernel, cmdline="ktest=" + name)
    try:
        result = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                                timeout=60)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise DocError("the in-kernel test %s did not run: %s" % (name, err))
    text = result.stdout.decode("utf-8", "replace")
    if "ktest: PASS " + name not in text:
        raise DocError("the in-kernel test %s did not pass:\n%s" % (name, text[-2000:]))
    return clean(text)


# Seconds for replay.py's diverge report: more than its own limit for QEMU, so that a
# hung kernel is reported by replay.py (with its last console line), and this only
# catches a replay.py that hangs itself.
DIVERGE_TIMEOUT = replay.TIMEOUT + 60


def diverge_lines(case):
    """`replay.py CASE.keys --expect` against a doctored copy of the golden trace."""
    try:
        with open(os.path.join(GOLDEN, case + ".trace"), encoding="utf-8") as f:
            golden = f.read()
    except (OSError, UnicodeDecodeError) as err:
        raise DocError("cannot read tests/golden/%s.trace: %s" % (case, err))
    if "waker=irq33" not in golden:
        raise DocError("tests/golden/%s.trace has no waker=irq33 to change" % case)
    shown = "/tmp/%s.trace" % case
    with tempfile.TemporaryDirectory(prefix="lockstep-docs-") as tmp:
        doctored = os.path.join(tmp, case + ".trace")
        with open(doctored, "w") as f:
            f.write(golden.replace("waker=irq33", "waker=irq34", 1))
        keys = os.path.join("tests", "golden", case + ".keys")
        try:
            result = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "replay.py"),
                                     keys, "--kernel", os.path.join(BUILD, "lockstep.elf"),
                                     "--expect", doctored], cwd=ROOT, capture_output=True,
                                    text=True, timeout=DIVERGE_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise DocError("replay.py --expect on a doctored %s.trace did not finish within "
                           "%d s (a hung replay?)" % (case, DIVERGE_TIMEOUT))
        except OSError as err:
            raise DocError("cannot run tools/replay.py: %s" % err)
    if result.returncode != 1:
        raise DocError("replay.py --expect on a doctored %s.trace exited %d, not 1:\n%s"
                       % (case, result.returncode, result.stderr))
    report = (result.stdout + result.stderr).replace(doctored, shown)
    return ["$ tools/replay.py %s --expect %s" % (keys, shown)] + clean(report.rstrip("\n"))


def gdb_lines(name):
    """The transcript of tests/golden/NAME.gdb against a replay of its golden case."""
    script_path = os.path.join(GOLDEN, name + ".gdb")
    try:
        with open(script_path, encoding="utf-8") as f:
            script = f.read().split("\n")
    except (OSError, UnicodeDecodeError) as err:
        raise DocError("cannot read tests/golden/%s.gdb: %s" % (name, err))
    m = re.match(r"#\s*replay:\s*(\w+)\s*$", script[0])
    if not m:
        raise DocError("tests/golden/%s.gdb: the first line must be '# replay: CASE'" % name)
    log = keysfile.entries(keysfile.load(os.path.join(GOLDEN, m.group(1) + ".keys")))
    commands = ["set pagination off", "set confirm off", "set width 0", "set height 0"]
    commands.append("source %s" % os.path.join(ROOT, "tools", "gdbinit"))
    for line in script[1:]:
        if line.strip() and not line.lstrip().startswith("#"):
            shown = line.replace("\\", "\\\\").replace('"', '\\"')
            commands += ['echo (gdb) %s\\n' % shown, line]
    kernel = os.path.join(BUILD, "lockstep.elf")
    with tempfile.TemporaryDirectory(prefix="lockstep-docs-") as tmp:
        paths = {n: os.path.join(tmp, n) for n in ("input.log", "gdb.sock", "console.log",
                                                   "trace.bin", "session.gdb")}
        with open(paths["input.log"], "wb") as f:
            f.write(keysfile.encode_log(log))
        with open(paths["session.gdb"], "w") as f:
            f.write("target remote %s\n" % paths["gdb.sock"] + "\n".join(commands) + "\n")
        argv = qemu.command(kernel, cmdline="replay gdb", modules=[paths["input.log"]],
                            gdb_port=paths["gdb.sock"], console_log=paths["console.log"],
                            trace_out=paths["trace.bin"])
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 10
            while not os.path.exists(paths["gdb.sock"]) and time.time() < deadline:
                time.sleep(0.02)
            result = subprocess.run(["gdb", "-batch", "-nx", "-x", paths["session.gdb"], kernel],
                                    capture_output=True, text=True, timeout=120, cwd=ROOT)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise DocError("the GDB session %s failed: %s" % (name, err))
        finally:
            process.kill()
            process.wait()
    lines = clean((result.stdout + result.stderr).rstrip("\n"))
    if not any(line.startswith("(gdb) ") for line in lines):
        raise DocError("the GDB session %s printed nothing:\n%s" % (name, "\n".join(lines)))
    return lines


class Sources:
    """Each source produced once per run (a boot, a GDB session)."""

    def __init__(self):
        self.cache = {}

    def lines(self, source):
        if source not in self.cache:
            if source == "boot:iso":
                self.cache[source] = boot_lines()
            elif source.startswith("gdb:"):
                self.cache[source] = gdb_lines(source[4:])
            elif source.startswith("ktest:"):
                self.cache[source] = ktest_lines(source[6:])
            elif source.startswith("diverge:"):
                self.cache[source] = diverge_lines(source[8:])
            elif re.match(r"^\w+\.(trace|console)$", source):
                self.cache[source] = golden_lines(source)
            else:
                raise DocError("unknown excerpt source %r (CASE.trace, CASE.console, "
                               "boot:iso, ktest:NAME, diverge:CASE, gdb:NAME)" % source)
        return self.cache[source]


def cut(lines, source, start, stop):
    for i, line in enumerate(lines):
        if start in line:
            if stop is None:
                return [line]
            for j in range(i, len(lines)):
                if stop in lines[j]:
                    return lines[i:j + 1]
            raise DocError('%s: no line with "%s" after "%s"' % (source, stop, start))
    raise DocError('%s: no line with "%s"' % (source, start))


def line_of(text, where, at):
    """"PAGE:LINE" of character `at` of the page `where`, for messages."""
    return "%s:%d" % (where, text.count("\n", 0, at) + 1)


def regenerate(text, where, sources=None):
    """`text` with every excerpt rebuilt; raises DocError naming the page and line of a
    broken marker or of an excerpt whose source fails."""
    sources = sources or Sources()
    out, at = [], 0
    for m in BEGIN.finditer(text):
        here = line_of(text, where, m.start())
        end = text.find(END, m.end())
        if end < 0:
            raise DocError("%s: excerpt of %s has no '%s'" % (here, m.group(1), END))
        try:
            lines = cut(sources.lines(m.group(1)), m.group(1), m.group(2), m.group(3))
        except (DocError, keysfile.KeysError) as err:
            raise DocError("%s: %s" % (here, err))
        out += [text[at:m.end()], "```text\n" + "\n".join(lines) + "\n```\n"]
        at = end
    return "".join(out) + text[at:]


def picture(svg, trace, options, where):
    """The SVG tools/timeline.py draws for a golden trace, as text; DocError naming
    `where` (the picture line's page and line) with timeline.py's own reason if not."""
    try:
        words = shlex.split(options)
    except ValueError as err:                  # an unbalanced quote
        raise DocError("%s: picture %s: bad options %r: %s" % (where, svg, options.strip(),
                                                               err))
    said = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="lockstep-docs-") as tmp:
        out = os.path.join(tmp, "picture.svg")
        try:
            with contextlib.redirect_stderr(said), contextlib.redirect_stdout(io.StringIO()):
                status = timeline.main([os.path.join(GOLDEN, trace), "--svg", out] + words)
        except SystemExit:                     # argparse refused the options (or --help)
            status = 2
        if status != 0 or not os.path.exists(out):
            reason = (said.getvalue().strip().splitlines() or ["no picture drawn"])[-1]
            raise DocError("%s: timeline.py could not draw %s from %s: %s"
                           % (where, svg, trace, reason))
        with open(out) as f:
            return f.read()


def read_page(path):
    """The text of a Markdown page or picture; DocError naming it (and the line of a byte
    that is not UTF-8)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as err:
        raise DocError("cannot read %s: %s" % (os.path.relpath(path, ROOT), err.strerror or err))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DocError("%s:%d: byte 0x%02x is not UTF-8 text" % (
            os.path.relpath(path, ROOT), data.count(b"\n", 0, err.start) + 1, data[err.start]))
    return text.replace("\r\n", "\n").replace("\r", "\n")      # as open() in text mode


def write_page(path, text, where=None):
    """Write a page or picture; DocError naming it (after `where`, the picture line)."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as err:
        raise DocError("%scannot write %s: %s" % (where + ": " if where else "",
                                                  os.path.relpath(path, ROOT),
                                                  err.strerror or err))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["check", "update"])
    args = parser.parse_args(argv)
    stale, sources = [], Sources()
    try:
        for path in PAGES:
            text = read_page(path)
            where = os.path.relpath(path, ROOT)
            new = regenerate(text, where, sources)
            if new != text:
                stale.append(where)
                if args.command == "update":
                    write_page(path, new)
            for m in PICTURE.finditer(text):
                svg, trace, options = m.groups()
                here = line_of(text, where, m.start())
                target = os.path.join(DOCS, svg)
                drawn = picture(svg, trace, options, here)
                try:
                    current = read_page(target)
                except DocError:               # missing or not text: drawn anew
                    current = None
                if drawn != current:
                    stale.append(os.path.relpath(target, ROOT))
                    if args.command == "update":
                        write_page(target, drawn, here)
    except (DocError, keysfile.KeysError) as err:
        print("docs.py: %s" % err, file=sys.stderr)
        return 2
    if stale and args.command == "check":
        print("docs.py: stale, differs from what the kernel produces now: %s; run "
              "`make docs` (tools/docs.py update) and review the diff" % ", ".join(stale),
              file=sys.stderr)
        return 1
    for path in stale:
        print("updated %s" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
