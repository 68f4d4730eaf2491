#!/usr/bin/python3
"""QEMU command lines for Lockstep: the one place every make target and test gets them.

Boot paths:  --iso FILE     GRUB 2 ISO (multiboot2), as `make run` boots
             --kernel FILE  QEMU's direct loader (multiboot v1), as most tests boot
Displays:    curses         VGA text console in this terminal, COM1 to --console-log
             serial         headless; COM1 on this terminal (Ctrl-A x quits)
             none           headless; COM1 to --console-log or standard output (tests)

Port map (kernel/drivers/uart16550.h): COM1 console, COM2 trace, COM3 GDB stub.
"""
import argparse
import os
import sys

QEMU = "qemu-system-x86_64"
MEMORY = "128M"
DEBUG_EXIT = ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
# isa-debug-exit: the kernel writes 0x10 (pass) or 0x11 (fail); QEMU exits (v << 1) | 1.
EXIT_PASS = 33
EXIT_FAIL = 35
# Same input, same instruction count, same virtual time: what golden traces need.
DETERMINISTIC = ["-icount", "shift=0,sleep=off,align=off",
                 "-rtc", "base=2000-01-01,clock=vm"]
# The longest a tool runs QEMU or waits for it (live.py --seconds, replay.py --timeout,
# trace.py capture --seconds): a day; more is a typo.
MAX_SECONDS = 24 * 3600


def check_seconds(parser, option, value, zero_ok=False):
    """Return if `value`, the seconds given to `option`, is more than 0 (at least 0 with
    zero_ok) and at most MAX_SECONDS; else refuse it through parser.error (a usage error,
    exit 2). nan, inf and huge values would otherwise fail only inside time.sleep() or
    subprocess, once QEMU has run."""
    above_low = value >= 0 if zero_ok else value > 0        # false for nan either way
    if above_low and value <= MAX_SECONDS:
        return
    low = "0 to" if zero_ok else "more than 0 and at most"
    parser.error("%s must be %s %d seconds (a day), not %s" % (option, low, MAX_SECONDS, value))


def socket_spec(chardev_id, where):
    """A listening socket: TCP on 127.0.0.1:where (an int) or a Unix socket (a path), as a
    -chardev (with chardev_id) or as a -gdb device (chardev_id None). TCP gets nodelay: the
    UART writes one byte at a time and Nagle would hold them back for delayed ACKs."""
    if isinstance(where, int):
        options = "server=on,wait=off,nodelay=on"
        if chardev_id is None:
            return "tcp:127.0.0.1:%d,%s" % (where, options)
        return "socket,id=%s,host=127.0.0.1,port=%d,%s" % (chardev_id, where, options)
    if chardev_id is None:
        return "unix:%s,server=on,wait=off" % where
    return "socket,id=%s,path=%s,server=on,wait=off" % (chardev_id, where)


def command(image, boot="kernel", display="none", cmdline="", console_log=None,
            deterministic=False, monitor=None, trace_out=None, modules=(), gdb_port=None,
            qemu_gdb_port=None, extra=(), com1=True):
    """Return the argv that boots `image` (an ELF for boot="kernel", an ISO for "iso").

    monitor: a Unix socket path for the QEMU monitor (display "none" only).
    trace_out: a file for the trace stream on COM2 (otherwise COM2 goes nowhere).
    modules: files passed as multiboot modules (-kernel only), e.g. a replay log; the
             user programs' initrd.tar next to `image`, if there is one, comes last.
    gdb_port: COM3 (the kernel's GDB stub) as a TCP server on this local port.
    qemu_gdb_port: QEMU's own gdbserver on this port, CPU stopped at reset (-S).
    com1: False leaves the machine without COM1 (display "none", no console_log): the
          kernel reports on VGA alone; COM2 and COM3 stay where they are."""
    if not com1 and (display != "none" or console_log):
        raise ValueError("a machine without COM1 has display \"none\" and no console log")
    argv = [QEMU, "-machine", "pc", "-m", MEMORY, "-accel", "tcg", "-no-reboot"]
    argv += DEBUG_EXIT
    if boot == "kernel":
        argv += ["-kernel", image]
        if cmdline:
            argv += ["-append", cmdline]
        modules = list(modules)
        if any("," in m or " " in m for m in modules):
            raise ValueError("module paths may not contain ',' or ' '")
        initrd = os.path.join(os.path.dirname(image), "initrd.tar")
        if os.path.exists(initrd):
            # QEMU hands over "PATH ARGS" as the module's command line; the kernel looks
            # for the module whose last word is "initrd" (GRUB: module2 ... initrd).
            modules.append(initrd + " initrd")
        if modules:
            argv += ["-initrd", ",".join(modules)]
    elif boot == "iso":
        if cmdline or modules:
            raise ValueError("the ISO's command line and modules are fixed in its grub.cfg")
        argv += ["-cdrom", image, "-boot", "d"]
    else:
        raise ValueError("unknown boot path %r" % boot)

    log = ",logfile=%s" % console_log if console_log else ""
    if display == "curses":
        argv += ["-display", "curses", "-chardev", "null,id=com1" + log,
                 "-serial", "chardev:com1"]
    elif display == "serial":
        argv += ["-display", "none", "-chardev", "stdio,id=com1,mux=on,signal=off" + log,
                 "-serial", "chardev:com1", "-mon", "chardev=com1,mode=readline"]
    elif display == "none":
        argv += ["-display", "none", "-monitor",
                 "unix:%s,server=on,wait=off" % monitor if monitor else "none"]
        if com1:
            argv += ["-serial", "file:%s" % console_log if console_log else "stdio"]
        else:
            argv += ["-serial", "none"]            # no COM1; the next -serial is still COM2
    else:
        raise ValueError("unknown display %r" % display)

    argv += ["-serial", "file:%s" % trace_out if trace_out else "null"]   # COM2: trace
    # COM3 on IRQ 5 (IRQ 4 is COM1's): the GDB stub, reachable when gdb_port is given: a
    # TCP port number, or a Unix socket path (no per-byte TCP segments: faster).
    argv += ["-chardev", socket_spec("com3", gdb_port) if gdb_port else "null,id=com3",
             "-device", "isa-serial,chardev=com3,iobase=0x3e8,irq=5"]
    if qemu_gdb_port:
        argv += ["-gdb", socket_spec(None, qemu_gdb_port), "-S"]
    if deterministic:
        argv += DETERMINISTIC
    return argv + list(extra)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    image = parser.add_mutually_exclusive_group(required=True)
    image.add_argument("--iso", help="boot this GRUB ISO (multiboot2)")
    image.add_argument("--kernel", help="boot this ELF with QEMU's loader (multiboot v1)")
    parser.add_argument("--append", default="", help="kernel command line (--kernel only)")
    parser.add_argument("--display", choices=["curses", "serial", "none"], default="serial")
    parser.add_argument("--console-log", help="also write COM1 output to this file")
    parser.add_argument("--trace-out", help="write the trace stream (COM2) to this file")
    parser.add_argument("--deterministic", action="store_true",
                        help="icount and a fixed clock (replay and golden tests)")
    parser.add_argument("--print", action="store_true", help="print the command, do not run")
    args = parser.parse_args(argv)

    path = args.iso or args.kernel
    if not os.path.exists(path):
        parser.error("%s does not exist (run `make` first)" % path)
    try:
        cmd = command(path, boot="iso" if args.iso else "kernel", display=args.display,
                      cmdline=args.append, console_log=args.console_log,
                      deterministic=args.deterministic, trace_out=args.trace_out)
    except ValueError as err:
        parser.error(str(err))
    if args.print:
        print(" ".join(cmd))
        return 0
    if args.display == "curses" and not sys.stdout.isatty():
        parser.error("--display curses needs a terminal; use `make run-serial` instead")
    if args.display == "curses":
        print("Lockstep: VGA console in curses. Quit: Esc 2 (QEMU monitor), then `quit`.",
              file=sys.stderr)
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    sys.exit(main())
