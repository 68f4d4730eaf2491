#!/usr/bin/python3
"""Start Lockstep under a debugger: `make debug`, `make debug-server`, and the same with
QEMU's own gdbserver for comparison (`make debug-qemu`, `make debug-qemu-server`).

  debug.py [--stub ours|qemu] [--port N] [--server] [--replay CASE.keys]

ours: the kernel's built-in stub on COM3, served on tcp 127.0.0.1:PORT; the kernel boots
      with the `gdb` option and waits for GDB in early boot.
qemu: QEMU's gdbserver (-gdb), the CPU stopped at reset (-S).
--server starts QEMU only and waits until it exits; otherwise GDB is started too, with
tools/gdbinit, attached, and QEMU is stopped when GDB exits. The console (COM1) goes to
build/console.log and the trace (COM2) to build/trace.bin.
--replay (our stub only; `make debug CASE=name`): the kernel replays a golden case's
inputs instead of taking live ones, so every run stops at the same places with the same
registers: debugging a recorded bug, as rr does.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import keys as keysfile  # noqa: E402
import qemu  # noqa: E402


def wait_port(port, process, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit("debug: QEMU exited (status %d)" % process.returncode)
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit("debug: nothing listens on port %d" % port)


def port_taken(port):
    """True if 127.0.0.1:port cannot be bound as QEMU binds it (SO_REUSEADDR: a port left
    in TIME_WAIT is free): someone listens there, whom wait_port would take for QEMU."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stub", choices=["ours", "qemu"], default="ours")
    parser.add_argument("--port", type=int, default=os.getuid() % 5000 + 25000)
    parser.add_argument("--server", action="store_true", help="QEMU only, no GDB")
    parser.add_argument("--replay", metavar="CASE.keys",
                        help="replay this golden case's inputs (our stub only)")
    args = parser.parse_args(argv)
    if not 1 <= args.port <= 65535:
        parser.error("--port must be 1 to 65535, not %d" % args.port)
    if port_taken(args.port):
        parser.error("port %d is in use (another make debug-server? choose another with "
                     "GDB_PORT=N)" % args.port)
    elf = os.path.join(BUILD, "lockstep.elf")
    if not os.path.exists(elf):
        parser.error("%s does not exist (run make first)" % elf)
    cmdline, modules = ("gdb" if args.stub == "ours" else ""), []
    if args.replay:
        if args.stub != "ours":
            parser.error("--replay needs the kernel's own stub (--stub ours)")
        try:
            log = keysfile.entries(keysfile.load(args.replay))
        except keysfile.KeysError as err:
            parser.error(str(err))
        modules = [os.path.join(BUILD, "debug-replay.log")]
        with open(modules[0], "wb") as f:
            f.write(keysfile.encode_log(log))
        cmdline = "replay gdb"
    argv = qemu.command(elf, cmdline=cmdline, modules=modules,
                        console_log=os.path.join(BUILD, "console.log"),
                        trace_out=os.path.join(BUILD, "trace.bin"),
                        gdb_port=args.port if args.stub == "ours" else None,
                        qemu_gdb_port=args.port if args.stub == "qemu" else None)
    # Its own session: the Ctrl-C typed at GDB (to stop the kernel) reaches the whole
    # terminal's foreground group, and QEMU would die of it. So QEMU no longer gets the
    # group's SIGTERM or SIGHUP either: they end this script, whose `finally` stops it.
    # The first one only: make passes the group's SIGTERM on to this script, and a
    # second exit, inside the `finally`, left QEMU running.
    def leave(number, _):
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        sys.exit(128 + number)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, leave)
    process = subprocess.Popen(argv, start_new_session=True)
    try:
        wait_port(args.port, process)
        print("debug: %s stub on 127.0.0.1:%d; console in build/console.log" %
              ("Lockstep's" if args.stub == "ours" else "QEMU's", args.port), file=sys.stderr)
        if args.server:
            return process.wait()
        # GDB's Ctrl-C is GDB's: ignored here (a handler, not SIG_IGN, which GDB would
        # inherit), or it would end this script and QEMU with it.
        signal.signal(signal.SIGINT, lambda *_: None)
        return subprocess.call(["gdb", "-q", "-nx", "-x", os.path.join(ROOT, "tools", "gdbinit"),
                                "-ex", "target remote 127.0.0.1:%d" % args.port, elf], cwd=ROOT)
    except KeyboardInterrupt:
        return 130
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait()


if __name__ == "__main__":
    sys.exit(main())
