"""The docs cannot go stale: every excerpt and picture in README.md and docs/*.md is
produced from the kernel (tools/docs.py: golden cases, a fresh GRUB boot, a GDB session
against a replay), and `docs.py check` must find each one identical to what the kernel
produces now; and the syscall table in docs/syscalls.md (the event table's own check is
in tests/unit/test_trace_decode.py)."""
import os
import subprocess
import sys

from conftest import ROOT

import syscalls


def test_every_excerpt_and_picture_matches_the_kernel():
    result = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "docs.py"), "check"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_docs_syscalls_md_table_is_current():
    assert syscalls.update_doc(check_only=True), \
        "docs/syscalls.md is stale: run tools/syscalls.py doc (make docs)"



def test_the_key_press_picture_shows_its_lanes_and_arrows(tmp_path):
    """docs/images/keypress.svg (docs/interrupt-flow.md): well-formed, the lanes a reader
    needs, the four wake arrows (IRQ -> keyboard, keyboard -> shell, twice), and it
    renders: rsvg-convert turns it into a PNG of the declared size."""
    import xml.etree.ElementTree as ElementTree
    path = os.path.join(ROOT, "docs", "images", "keypress.svg")
    root = ElementTree.parse(path).getroot()
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    for lane in ("interrupts", "cpu / idle", "keyboard (task 1)", "shell (task 3)"):
        assert lane in texts, texts
    assert "4 wakes as 4 arrows" in " ".join(texts)
    png = tmp_path / "keypress.png"
    subprocess.run(["rsvg-convert", path, "-o", str(png)], check=True, timeout=60)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(data[16:20], "big")
    assert width == int(float(root.get("width"))), (width, root.get("width"))
