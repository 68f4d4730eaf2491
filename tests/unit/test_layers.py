"""The include direction of docs/architecture.md ("Layers"), checked on every #include of
the kernel, trace/, debug/gdbstub/ and user/: a layer includes only headers of the layers
below it (proc/ and syscall/ are one layer and call each other, as xv6's proc.c and
syscall.c do); trace/ and the GDB stub are reached only through trace.h and gdbstub.h and
reach back only into their backends. The kernel is compiled with one flat list of -I
folders (the Makefile's INCLUDES), so a header name may exist only once among them: a
second one would be picked silently by folder order."""
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The kernel's layers, lowest first; a layer may include its own and any lower one.
RANK = {"include": 0, "lib": 0, "arch": 1, "boot": 2, "drivers": 3, "mm": 4, "async": 5,
        "proc": 6, "syscall": 6, "shell": 7, "kmain": 8}
# What the observers and user programs may include besides their own headers: layers,
# and single headers (the backends they are handed, and tables shared as data).
OWN_RULES = {
    "trace": ({"include", "lib"}, {"syscall.h", "syscalls.def"}),
    "gdbstub": ({"include", "lib", "arch"}, {"uart16550.h"}),
    "user": ({"include"},         # string.c and number.c are built again for user space
             {"string.h", "number.h", "syscalls.def", "arch/x86_64/layout.h"}),
}
PUBLIC = {"trace": {"trace.h"}, "gdbstub": {"gdbstub.h"}}


def component(path):
    """The layer a repository path belongs to."""
    parts = path.split("/")
    if parts[0] == "kernel":
        if len(parts) == 2:
            return "kmain"
        return parts[1]
    return {"trace": "trace", "debug": "gdbstub", "user": "user"}.get(parts[0])


def includes(text):
    """(line number, name) of each #include "name" in a source text."""
    return [(n, m.group(1)) for n, line in enumerate(text.splitlines(), 1)
            for m in [re.match(r'\s*#\s*include\s+"([^"]+)"', line)] if m]


def allowed(src, dst, name):
    """Whether a file of layer `src` may include header `name` of layer `dst`."""
    if src == dst:
        return True
    if dst in PUBLIC:
        return name in PUBLIC[dst] and src not in ("trace", "gdbstub", "user")
    if src in OWN_RULES:
        layers, headers = OWN_RULES[src]
        return dst in layers or name in headers or os.path.basename(name) in headers
    return dst in RANK and RANK[dst] <= RANK[src]


def check(files, search):
    """Errors for a tree given as {path: text}; `search` lists, for each layer, the
    folders its quoted includes are looked up in after the file's own folder."""
    errors = []
    for path, text in sorted(files.items()):
        src = component(path)
        for line, name in includes(text):
            here = os.path.normpath(os.path.join(os.path.dirname(path), name))
            found = here if here in files else None
            for folder in search(src) if not found else []:
                candidate = os.path.normpath(os.path.join(folder, name))
                if candidate in files:
                    found = candidate
                    break
            if found is None:
                continue                    # generated (build/) or a system header
            dst = component(found)
            if not allowed(src, dst, name):
                errors.append("%s:%d includes %s (%s): %s may not include %s" % (
                    path, line, found, dst, src, dst))
    return errors


def makefile_includes():
    text = open(os.path.join(ROOT, "Makefile")).read()
    block = re.search(r"^INCLUDES :=((?:.*\\\n)*.*)$", text, re.M).group(1)
    return re.findall(r"-I(\S+)", block)


def tree():
    files = {}
    for top in ("kernel", "trace", "debug", "user"):
        for folder, _, names in os.walk(os.path.join(ROOT, top)):
            for name in names:
                if re.search(r"\.(c|h|S|def)$", name):
                    path = os.path.relpath(os.path.join(folder, name), ROOT)
                    files[path] = open(os.path.join(ROOT, path), errors="replace").read()
    return files


def search_for(kernel_dirs):
    user_dirs = ["user/lib", "kernel/include", "kernel/lib", "kernel/syscall", "kernel"]
    return lambda src: user_dirs if src == "user" else kernel_dirs


def test_every_include_points_down_the_layers():
    errors = check(tree(), search_for(makefile_includes()))
    assert errors == [], "\n".join(errors)


def test_no_header_name_is_found_twice_on_the_kernels_include_path():
    seen = {}
    for folder in makefile_includes():
        for name in os.listdir(os.path.join(ROOT, folder)):
            if name.endswith((".h", ".def")):
                seen.setdefault(name, []).append(folder)
    twice = {name: folders for name, folders in seen.items() if len(folders) > 1}
    assert twice == {}


@pytest.mark.parametrize("path, text, error", [
    ("kernel/lib/string.c", '#include "executor.h"\n',
     "kernel/lib/string.c:1 includes kernel/async/executor.h (async): lib may not include async"),
    ("kernel/drivers/pit.c", '\n#include "heap.h"\n',
     "kernel/drivers/pit.c:2 includes kernel/mm/heap.h (mm): drivers may not include mm"),
    ("debug/gdbstub/x86_64.c", '#include "executor.h"\n',
     "debug/gdbstub/x86_64.c:1 includes kernel/async/executor.h (async): "
     "gdbstub may not include async"),
    ("kernel/shell/shell.c", '#include "rsp.h"\n',
     "kernel/shell/shell.c:1 includes debug/gdbstub/rsp.h (gdbstub): "
     "shell may not include gdbstub"),
    ("trace/trace.c", '#include "uart16550.h"\n',
     "trace/trace.c:1 includes kernel/drivers/uart16550.h (drivers): "
     "trace may not include drivers"),
])
def test_an_include_against_the_direction_is_named(path, text, error):
    files = {path: text, "kernel/async/executor.h": "", "kernel/mm/heap.h": "",
             "debug/gdbstub/rsp.h": "", "kernel/drivers/uart16550.h": ""}
    search = search_for(["kernel/lib", "kernel/drivers", "kernel/mm", "kernel/async",
                         "debug/gdbstub"])
    assert check(files, search) == [error]


@pytest.mark.parametrize("path, text", [
    ("kernel/async/replay.c", '#include "vmm.h"\n#include "trace.h"\n'),   # down, public
    ("kernel/syscall/syscall.c", '#include "process.h"\n'),               # one layer
    ("kernel/proc/process.h", '#include "syscall.h"\n'),
    ("debug/gdbstub/serial.c", '#include "uart16550.h"\n'),               # its byte port
    ("kernel/async/gdb_tasks.h", '#include "gdbstub.h"\n'),               # public header
])
def test_includes_along_the_direction_pass(path, text):
    files = {path: text, "kernel/mm/vmm.h": "", "trace/trace.h": "",
             "kernel/proc/process.h": "", "kernel/syscall/syscall.h": "",
             "kernel/drivers/uart16550.h": "", "debug/gdbstub/gdbstub.h": ""}
    files[path] = text
    search = search_for(["kernel/mm", "kernel/proc", "kernel/syscall", "kernel/drivers",
                         "trace", "debug/gdbstub"])
    assert check(files, search) == []
