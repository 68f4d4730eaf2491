#!/usr/bin/python3
"""Run the libFuzzer targets (tests/fuzz/fuzz_*.c, built by `make fuzz`) and write their
seed corpora. docs/fuzzing.md says what each target covers.

  fuzz.py run [--seconds N] [--keep-corpus] [--seed S] [TARGET...]
        every target (or those named) for N seconds each, one after another, over a copy
        of its seed corpus in BUILD/fuzz/corpus/TARGET (tests/fuzz/corpus is never
        written); prints a table; exits 1 on any crash, leak, timeout or out-of-memory,
        naming the reproducer; BUILD/fuzz/TARGET.log has the command and its output
  fuzz.py seed                   rewrite the generated seeds in tests/fuzz/corpus/ (other
        files there, such as regression-* reproducers, are left alone); the ELF seed
        comes from BUILD/user/hello.elf (`make user`)

The seeds are built from the project's own tables where it has one: scancodes from
kernel/async/keymap.def (through tools/keys.py), multiboot2 tag numbers from
kernel/boot/multiboot.h, USER_BASE from kernel/arch/x86_64/layout.h.
"""
import argparse
import glob
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import keys as keysfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
FUZZ_DIR = os.path.join(ROOT, "tests", "fuzz")
CORPUS = os.path.join(FUZZ_DIR, "corpus")

# The largest input libFuzzer makes for each target: room for a packet longer than
# RSP_PACKET_MAX (16384, debug/gdbstub/rsp.h) with framing, a few ustar blocks, an ELF
# with a page of code.
MAX_LEN = {"gdbstub": 20000, "scancode": 512, "multiboot2": 4096, "elf": 8192,
           "initrd": 8192, "line": 1024}
TIMEOUT = 10                           # seconds one input may take before it is a hang
RSS_LIMIT_MB = 2048


class FuzzError(Exception):
    """Something the user must fix: a target not built, a missing seed source."""


def targets():
    """Every target, from the names of tests/fuzz/fuzz_*.c."""
    return sorted(os.path.basename(p)[len("fuzz_"):-2]
                  for p in glob.glob(os.path.join(FUZZ_DIR, "fuzz_*.c")))


def binary(target, build=BUILD):
    return os.path.join(build, "fuzz", "fuzz_" + target)


class Result:
    """What one run of one target did, from libFuzzer's output."""

    def __init__(self, target, seconds, output, returncode):
        self.target, self.seconds, self.output = target, seconds, output
        self.returncode = returncode
        self.executions = stat(output, "number_of_executed_units")
        self.exec_per_sec = stat(output, "average_exec_per_sec")
        self.new_units = stat(output, "new_units_added")
        done = re.findall(r"^#\d+\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/(\d+\w*)",
                          output, re.M)
        self.coverage, self.features, self.corpus_units, self.corpus_size = \
            done[-1] if done else ("?", "?", "?", "?")
        written = re.findall(r"Test unit written to (\S+)", output)
        self.reproducer = written[-1] if written else None
        self.crashed = returncode != 0 or self.reproducer is not None

    def summary(self):
        """The sanitizer's or libFuzzer's own account of the crash, in a few lines."""
        lines = self.output.splitlines()
        start = next((i for i, line in enumerate(lines)
                      if "ERROR:" in line or "invariant broken" in line or
                      "runtime error:" in line or "ALARM:" in line), max(0, len(lines) - 40))
        return "\n".join(lines[start:start + 40])


def stat(output, name):
    m = re.search(r"^stat::%s:\s+(\d+)" % name, output, re.M)
    return int(m.group(1)) if m else None


def prepare_corpus(target, work, keep=False):
    """Copy the seeds of `target` into `work`, starting afresh unless `keep`."""
    seeds = os.path.join(CORPUS, target)
    if not os.path.isdir(seeds) or not os.listdir(seeds):
        raise FuzzError("no seed corpus in %s (run tools/fuzz.py seed)" % seeds)
    if not keep and os.path.isdir(work):
        shutil.rmtree(work)
    os.makedirs(work, exist_ok=True)
    for name in os.listdir(seeds):
        shutil.copy(os.path.join(seeds, name), os.path.join(work, name))


def run_target(target, seconds, work, artifacts, build=BUILD, log=None, seed=None):
    """Run one target for `seconds` over the corpus directory `work` (which grows);
    crash reproducers go to `artifacts`; `seed` fixes libFuzzer's random choices.
    Returns a Result."""
    path = binary(target, build)
    if not os.path.exists(path):
        raise FuzzError("%s is not built (run `make fuzz-build`)" % path)
    os.makedirs(artifacts, exist_ok=True)
    argv = [path, work, "-max_total_time=%d" % seconds, "-timeout=%d" % TIMEOUT,
            "-rss_limit_mb=%d" % RSS_LIMIT_MB, "-max_len=%d" % MAX_LEN.get(target, 4096),
            "-print_final_stats=1", "-artifact_prefix=" + artifacts.rstrip("/") + "/"]
    dictionary = os.path.join(FUZZ_DIR, target + ".dict")
    if os.path.exists(dictionary):
        argv.append("-dict=" + dictionary)
    if seed is not None:
        argv.append("-seed=%d" % seed)
    start = time.time()
    try:
        result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                timeout=seconds + 120)
        output, returncode = result.stdout.decode("utf-8", "replace"), result.returncode
    except subprocess.TimeoutExpired as err:
        output = (err.stdout or b"").decode("utf-8", "replace")
        output += "\nfuzz: libFuzzer did not stop within %d s of its time budget" % 120
        returncode = -1
    if log:
        with open(log, "w") as f:
            f.write("fuzz: %s\n%s" % (" ".join(argv), output))
    return Result(target, round(time.time() - start), output, returncode)


def shown(path):
    """`path` as the user should type it: relative inside the tree, absolute outside."""
    path = os.path.abspath(path)
    return os.path.relpath(path, ROOT) if path.startswith(ROOT + os.sep) else path


def table(results):
    """The Markdown table docs/fuzzing.md records."""
    lines = ["| target | seconds | executions | exec/s | coverage (edges) | features | "
             "corpus (units/size) | crashes |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        lines.append("| %s | %d | %s | %s | %s | %s | %s/%s | %s |" % (
            r.target, r.seconds, r.executions, r.exec_per_sec, r.coverage, r.features,
            r.corpus_units, r.corpus_size, "1: " + shown(r.reproducer)
            if r.crashed and r.reproducer else "1" if r.crashed else "0"))
    return "\n".join(lines)


def run_main(args):
    names = args.targets or targets()
    unknown = sorted(set(names) - set(targets()))
    if unknown:
        raise FuzzError("no target %s (there are: %s)" % (", ".join(unknown),
                                                          ", ".join(targets())))
    missing = [binary(t, args.build) for t in names if not os.path.exists(binary(t, args.build))]
    if missing:
        raise FuzzError("not built: %s (run `make fuzz-build`)" % ", ".join(missing))
    results = []
    for target in names:
        work = os.path.join(args.build, "fuzz", "corpus", target)
        prepare_corpus(target, work, keep=args.keep_corpus)
        print("fuzz: %s for %d s ..." % (target, args.seconds), flush=True)
        log = os.path.join(args.build, "fuzz", target + ".log")
        r = run_target(target, args.seconds, work,
                       os.path.join(args.build, "fuzz", "artifacts", target), args.build, log,
                       args.seed)
        results.append(r)
        if r.crashed:
            print(r.summary())
            print("fuzz: %s FAILED; full output in %s" % (target, shown(log)))
            if r.reproducer:
                print("fuzz: reproduce with: %s %s" % (
                    shown(binary(target, args.build)), shown(r.reproducer)))
    print(table(results))
    crashed = [r.target for r in results if r.crashed]
    if crashed:
        print("fuzz: crashes in %s" % ", ".join(crashed))
        return 1
    print("fuzz: no crash in %d targets" % len(results))
    return 0


# ---- seeds ----

def c_define(path, name):
    """The value of `#define NAME value` (a number) in a header of the kernel."""
    with open(os.path.join(ROOT, path)) as f:
        m = re.search(r"^#define\s+%s\s+(0x[0-9a-fA-F]+|\d+)" % name, f.read(), re.M)
    if not m:
        raise FuzzError("%s has no #define %s" % (path, name))
    return int(m.group(1), 0)


def checksum_frame(payload):
    """A packet as GDB frames it: $payload#cc (payload already escaped)."""
    return b"$" + payload + b"#%02x" % (sum(payload) & 0xff)


def gdbstub_seeds():
    """Byte 0: bit 0 raw/packet mode, bits 1-2 the stop reason, bits 3-7 tasks / 3."""
    three_tasks, swbreak, raw = 1 << 3, 1 << 1, 1
    regs = b"".join(b"%02x" % ((r * 16 + b) & 0xff) for r in range(26)
                    for b in range(8 if r < 17 else 4 if r < 24 else 10 if r == 24 else 16))
    connect = [b"qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;"
               b"vfork-events+;exec-events+;vContSupported+;QThreadEvents+;no-resumed+;"
               b"xmlRegisters=i386", b"vMustReplyEmpty", b"QStartNoAckMode", b"Hg0",
               b"qXfer:features:read:target.xml:0,ffb",
               b"qXfer:features:read:target.xml:ffb,ffb", b"qTStatus", b"?",
               b"qfThreadInfo", b"qsThreadInfo", b"qAttached", b"Hc-1", b"qC", b"qOffsets",
               b"g", b"qSymbol::"]
    memory = [b"m1000,40", b"M1004,4:deadbeef", b"X1010,4:a\x00\xffb", b"m1000,20",
              b"mfffffffffffffff8,10", b"m0,1", b"M1ffe,4:00000000", b"mffffffffffffffff,2",
              b"M1000,0:", b"m1000,800"]
    points = [b"Z0,1010,1", b"m1010,4", b"M100f,3:aabbcc", b"m100f,3", b"z0,1010,1",
              b"Z1,1020,1", b"Z2,1030,8", b"Z4,1040,4", b"Z2,1050,4", b"Z2,1060,2",
              b"Z2,1031,4", b"z2,1030,8", b"Z3,1000,1", b"Z0,1000,1;X1,0", b"D"]
    registers = [b"Hg1", b"g", b"G" + regs, b"g", b"p10", b"P10=efbeadde00000000", b"p10",
                 b"p18", b"P18=00112233445566778899", b"p19", b"Hg0", b"p0"]
    threads = [b"qfThreadInfo", b"qsThreadInfo", b"qThreadExtraInfo,1", b"T1", b"T5d",
               b"Hg3", b"g", b"qRcmd,68656c6c6f", b"qRcmd,626967", b"qRcmd,656d707479",
               b"qRcmd,6e6f7065", b"vCont?", b"vCont;s:1;c", b"vCont;c", b"s", b"c", b"k"]
    # Resume at an address, and data of the wrong length for G, M and X (each refused).
    resume = [b"c1010", b"s1010", b"C05;1010", b"S0b;1010", b"c8000000000000000", b"cxyz",
              b"C1ff;1010", b"M1000,4:deadbeef00", b"M1000,4:dead", b"X1000,2:a", b"X1000,1:ab",
              b"G" + regs + b"00", b"G" + regs[:-2], b"?"]
    seeds = {
        "connect": bytes([three_tasks]) + b"\n".join(connect),
        "resume_and_lengths": bytes([three_tasks | swbreak]) + b"\n".join(resume),
        "memory": bytes([three_tasks | swbreak]) + b"\n".join(memory),
        "breakpoints": bytes([three_tasks | 2 << 1]) + b"\n".join(points),
        "registers": bytes([three_tasks | 3 << 1]) + b"\n".join(registers),
        "threads_monitor": bytes([31 << 3]) + b"\n".join(threads),
    }
    # Raw mode: the bytes on the wire, GDB acking each reply.
    session = b"+".join(checksum_frame(p) for p in connect[:8] + [b"m1000,10", b"Z0,1004,1",
                                                                 b"c"]) + b"+"
    seeds["raw_session"] = bytes([raw | three_tasks]) + session + b"\x03" + \
        checksum_frame(b"?") + b"+" + checksum_frame(b"D") + b"+"
    seeds["raw_framing"] = bytes([raw | three_tasks | swbreak]) + b"".join([
        b"garbage+-", b"$m1000,4#00", checksum_frame(b"m1000,4"), b"-+",   # NAK, resend
        checksum_frame(b"X1000,1:}]"), b"+", b"\x03", b"$abc$", checksum_frame(b"g"), b"+",
        checksum_frame(b"QStartNoAckMode"), b"+", checksum_frame(b"m1000,2"),
        checksum_frame(b"s"), b"$m10"])
    # One payload byte more than the stub takes (refused with E01, never overflowed).
    too_long = c_define("debug/gdbstub/rsp.h", "RSP_PACKET_MAX") + 1
    seeds["raw_oversize"] = bytes([raw]) + checksum_frame(
        b"M1000,10:" + b"a" * (too_long - len(b"M1000,10:"))) + b"+" + \
        checksum_frame(b"?") + b"+"
    return seeds


def scancode_seeds():
    keymap = keysfile.Keymap()
    k = keymap.find

    def tap(name):
        key = k(name)
        return key.make() + (key.release() or [])

    def chord(*names):
        keys = [k(n) for n in names]
        out = []
        for key in keys:
            out += key.make()
        for key in reversed(keys):
            out += key.release()
        return out

    fake_shift_up = [0xe0, 0x2a] + k("Up").make() + k("Up").release() + [0xe0, 0xaa]
    return {
        "typing": keymap.type_text("Hello, World! 1+1=2 ~`"),
        "extended": tap("Up") + tap("Down") + tap("Left") + tap("Right") + tap("Home") +
        tap("Delete") + chord("RightCtrl", "C") + chord("RightAlt", "X") + fake_shift_up,
        "pause_and_locks": tap("Pause") + tap("CapsLock") + keymap.type_text("abc") +
        tap("CapsLock") + tap("NumLock") + tap("Keypad7") + tap("KeypadEnter") +
        tap("NumLock") + tap("ScrollLock") + chord("Ctrl", "C") + chord("Ctrl", "Alt",
                                                                         "Delete"),
        "replies_and_damage": [0xfa, 0xfe, 0xee, 0x00, 0xff, 0xe0, 0xe0, 0x48, 0xe1, 0x1d,
                               0x00, 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0x45, 0x7f, 0xe0, 0x7f]
        + tap("A"),
    }


def multiboot2_seeds():
    text = open(os.path.join(ROOT, "kernel", "boot", "multiboot.h")).read()
    tag = {name: int(value) for name, value in
           re.findall(r"^\s*MB2_TAG_(\w+)\s*=\s*(\d+)", text, re.M)}
    for name in ("END", "CMDLINE", "LOADER_NAME", "MODULE", "BASIC_MEMINFO", "MMAP",
                 "ELF_SECTIONS"):
        if name not in tag:
            raise FuzzError("kernel/boot/multiboot.h has no MB2_TAG_%s" % name)
    # Tags the kernel skips (multiboot2 spec 3.6.11 framebuffer, 3.6.15 old ACPI,
    # 3.6.19 load base address): numbers from the spec, no struct of ours to parse.
    framebuffer, acpi_old, load_base = 8, 14, 21

    def tagged(type_, body):
        raw = struct.pack("<II", type_, 8 + len(body)) + body
        return raw + b"\0" * (-len(raw) % 8)

    def info(*tags):
        body = b"".join(tags) + tagged(tag["END"], b"")
        return struct.pack("<II", 8 + len(body), 0) + body

    def mmap(entries):
        return tagged(tag["MMAP"], struct.pack("<II", 24, 0) + b"".join(
            struct.pack("<QQII", base, length, kind, 0) for base, length, kind in entries))

    qemu_map = [(0, 0x9fc00, 1), (0x9fc00, 0x400, 2), (0xf0000, 0x10000, 2),
                (0x100000, 0x7ee0000, 1), (0x7fe0000, 0x20000, 2), (0xfffc0000, 0x40000, 2)]
    sections = struct.pack("<III", 3, 64, 2) + bytes(range(192))
    return {
        "minimal": info(),
        "grub_typical": info(
            tagged(tag["CMDLINE"], b"gdb\0"),
            tagged(tag["LOADER_NAME"], b"GRUB 2.06-13+deb12u1\0"),
            tagged(tag["BASIC_MEMINFO"], struct.pack("<II", 639, 130944)),
            tagged(load_base, struct.pack("<I", 0x100000)),
            mmap(qemu_map),
            tagged(tag["MODULE"], struct.pack("<II", 0x140000, 0x14a000) +
                   b"/boot/initrd.tar initrd\0"),
            tagged(tag["ELF_SECTIONS"], sections),
            tagged(framebuffer, struct.pack("<QIIIBBH", 0xb8000, 160, 80, 25, 16, 2, 0)),
            tagged(acpi_old, b"RSD PTR " + bytes(12))),
        "many_modules": info(*[tagged(tag["MODULE"], struct.pack("<II", 0x200000 + i * 0x1000,
                                                                 0x200800 + i * 0x1000) +
                                      b"module%d\0" % i) for i in range(18)]),
        "long_strings": info(tagged(tag["CMDLINE"], b"console=ttyS0 " * 22 + b"\0"),
                             tagged(tag["LOADER_NAME"], b"L" * 80 + b"\0"),
                             mmap([(i << 20, 1 << 20, 1 + i % 5) for i in range(66)])),
    }


def elf_seeds(build):
    user_base = c_define("kernel/arch/x86_64/layout.h", "USER_BASE")

    def header(entry, phnum):
        ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
        return ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, 64, 0, 0, 64, 56,
                                   phnum, 64, 0, 0)

    def phdr(type_, flags, offset, vaddr, filesz, memsz):
        return struct.pack("<IIQQQQQQ", type_, flags, offset, vaddr, vaddr, filesz, memsz,
                           0x1000)

    PT_LOAD, PT_NOTE, PT_GNU_STACK, R, W, X = 1, 4, 0x6474e551, 4, 2, 1
    code = b"\xeb\xfe"                                   # jmp . (a program that spins)
    minimal = header(user_base, 1) + phdr(PT_LOAD, R | X, 120, user_base, 2, 2) + code
    base = 64 + 5 * 56
    text, rodata = b"\x48\x31\xc0\x0f\x05" * 8, b"hello\n\0" * 4
    layout = header(user_base, 5) + b"".join([
        phdr(PT_LOAD, R | X, base, user_base, len(text), len(text)),
        phdr(PT_LOAD, R, base + len(text), user_base + 0x1000, len(rodata), len(rodata)),
        phdr(PT_LOAD, R | W, 0, user_base + 0x2000, 0, 0x1800),      # .bss only
        phdr(PT_NOTE, R, base, 0, 8, 8),
        phdr(PT_GNU_STACK, R | W, 0, 0, 0, 0)]) + text + rodata
    seeds = {"minimal": minimal, "text_rodata_bss": layout}
    # The real hello program, its segments packed one after another (elf.h allows offsets
    # that are not congruent to their addresses), without section headers.
    path = os.path.join(build, "user", "hello.elf")
    try:
        with open(path, "rb") as f:
            real = f.read()
    except OSError:
        raise FuzzError("%s is missing: run `make user` first" % path)
    if len(real) < 64 or real[:6] != b"\x7fELF\x02\x01":
        raise FuzzError("%s is not a 64-bit little-endian ELF file (%d bytes): run `make "
                        "user` again" % (path, len(real)))
    entry, phoff = struct.unpack_from("<QQ", real, 24)
    phnum = struct.unpack_from("<H", real, 56)[0]
    if phoff + phnum * 56 > len(real):
        raise FuzzError("%s: its %d program headers at byte %d run past its end (%d bytes)"
                        % (path, phnum, phoff, len(real)))
    loads = [struct.unpack_from("<IIQQQQQQ", real, phoff + i * 56) for i in range(phnum)]
    loads = [p for p in loads if p[0] == PT_LOAD]
    if any(p[2] + p[5] > len(real) for p in loads):
        raise FuzzError("%s: a segment runs past its end (%d bytes)" % (path, len(real)))
    offset, headers, data = 64 + len(loads) * 56, [], b""
    for p_type, flags, p_offset, vaddr, _, filesz, memsz, _ in loads:
        headers.append(phdr(p_type, flags, offset + len(data) if filesz else 0, vaddr,
                            filesz, memsz))
        data += real[p_offset:p_offset + filesz]
    seeds["hello_packed"] = header(entry, len(loads)) + b"".join(headers) + data
    return seeds


def initrd_seeds():
    """Small archives as the Makefile makes build/initrd.tar (GNU tar --format=ustar,
    fixed owner and mtime), one 512-byte record at a time so nothing pads them."""
    def archive(files, links=(), names=None, format="ustar"):
        with tempfile.TemporaryDirectory() as tmp:
            for name, content in files:
                path = os.path.join(tmp, name)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(content)
            for name, target in links:
                os.symlink(target, os.path.join(tmp, name))
            out = os.path.join(tmp, "out.tar")
            entries = names or sorted({n.split("/")[0] for n, _ in files} |
                                      {n for n, _ in links})
            # pax headers would carry the files' atime and ctime: the seed would change
            # at every `fuzz.py seed`.
            pax = ["--pax-option=delete=atime,delete=ctime"] if format == "pax" else []
            subprocess.run(["tar", "--create", "--file=" + out, "--format=" + format,
                            "--blocking-factor=1", "--owner=0", "--group=0",
                            "--numeric-owner", "--mtime=@0", "--sort=name",
                            "--mode=a=rX,u+w"] + pax + ["-C", tmp] + entries, check=True)
            with open(out, "rb") as f:
                return f.read()

    return {
        "programs": archive([("hello", b"\x7fELF not really\n"), ("readme.txt",
                             b"Lockstep's initrd: user programs and this file.\n"),
                             ("bin/cat", b"cat\n")], links=[("link", "hello")]),
        "dot_slash": archive([("hello", b"hi\n"), ("empty", b"")], names=["./hello",
                                                                           "./empty"]),
        "long_name": archive([("d" * 60 + "/" + "f" * 60, b"x")]),
        "empty": bytes(1024),
        # What the reader refuses: extension headers that would rename what follows.
        "pax_header": archive([("p" * 120, b"x")], format="pax"),
        "gnu_long_name": as_posix_magic(archive([("g" * 120, b"x")], format="gnu")),
    }


def as_posix_magic(tar):
    """`tar` with its first header's magic made POSIX ("ustar\\0" "00", not GNU's
    "ustar  "), checksum recomputed: a GNU long-name header the reader must still refuse."""
    header = bytearray(tar[:512])
    header[257:265] = b"ustar\x0000"
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    return bytes(header) + tar[512:]


def line_seeds():
    """Byte 0 picks parse_unsigned's max: 6 is 1000 (trace tail N), 7 is 60000 (busy),
    8 is 3600000 (sleep); the rest is what a serial terminal sends."""
    return {
        "help": b"\x06help\r",
        "sleep": b"\x08sleep 250\r\n",
        "trace_tail": b"\x06trace tail 20\r",
        "quotes": b"\x07echo \"hello world\" x\"y z\"w \"say \\\"hi\\\" \\\\\" \"\"\r"
                  b"echo \"open\r",
        "editing": b"\x06ecoh\x1b[D\x1b[D\x7fch\x1b[C\x1b[3~\x1b[Hx\x1b[F!\x1b[1~\x1b[4~"
                   b"\x15busy 5\r",
        "history": b"\x07one\rtwo\r\x1b[A\x1b[A\x1b[A\x1b[B\x1bOH\x1bOF\x1b[B\r\n",
        "completion": b"\x06ec\t\x15h\t\x15x\t\x15x0\t\x15a\t\x15zz\t x\t\r",
        "long_line": b"\x06" + b"a" * 80 + b"\r" + b" ".join(b"%d" % i for i in range(18)) +
                     b"\r",
        "control": b"\x06\x01\x05\x03abc\x03\x1b[1;5C\x1b[99999~\x1b[5~\x1bx\x02\x08\r",
    }


def seed_main(args):
    generated = {"gdbstub": gdbstub_seeds(), "scancode": scancode_seeds(),
                 "multiboot2": multiboot2_seeds(), "elf": elf_seeds(args.build),
                 "initrd": initrd_seeds(), "line": line_seeds()}
    for target, seeds in generated.items():
        directory = os.path.join(CORPUS, target)
        os.makedirs(directory, exist_ok=True)
        for name, content in seeds.items():
            with open(os.path.join(directory, name), "wb") as f:
                f.write(bytes(content))
        total = sum(len(bytes(c)) for c in seeds.values())
        print("fuzz: %-10s %2d seeds, %5d bytes" % (target, len(seeds), total))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=BUILD, help="the build directory (default "
                        "%(default)s)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="run the targets")
    p.add_argument("--seconds", type=int, default=60, help="per target (default %(default)s)")
    p.add_argument("--keep-corpus", action="store_true",
                   help="continue from the corpus a previous run grew")
    p.add_argument("--seed", type=int, help="libFuzzer's random seed (default: a new one, "
                   "printed in BUILD/fuzz/TARGET.log as INFO: Seed)")
    p.add_argument("targets", nargs="*", help="targets to run (default: all)")
    sub.add_parser("seed", help="rewrite the generated seed corpora")
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            if args.seconds < 1:
                parser.error("--seconds must be at least 1")
            return run_main(args)
        return seed_main(args)
    except (FuzzError, OSError, subprocess.CalledProcessError, keysfile.KeysError) as err:
        print("fuzz: error: %s" % err, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fuzz: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
