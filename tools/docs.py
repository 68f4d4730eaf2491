#!/usr/bin/python3
"""Doc excerpts that cannot go stale: every trace or console excerpt in docs/*.md is cut
from a golden case (tests/golden/, which make test replays against the kernel) and
regenerated from it, so a change in what the kernel does shows up as a failing test
until the docs are regenerated.

  docs.py check     fail (exit 1) naming each excerpt that differs from its golden file
  docs.py update    rewrite every excerpt from the golden files

An excerpt in Markdown:

    <!-- excerpt: run_hello.trace from "task_spawn task=4 " to "task_exit task=4" -->
    ```text
    ...generated lines...
    ```
    <!-- end excerpt -->

The lines run from the first line containing FROM to the next line containing TO, both
included (without `to`: just the FROM line); `.console` excerpts lose their colour codes.
"""
import argparse
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "tests", "golden")
DOCS = os.path.join(ROOT, "docs")

BEGIN = re.compile(r'<!-- excerpt: (\S+) from "([^"]*)"(?: to "([^"]*)")? -->\n')
END = "<!-- end excerpt -->"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class DocError(Exception):
    """An excerpt that cannot be generated: a missing file, a pattern that matches nothing."""


def cut(source, start, stop):
    path = os.path.join(GOLDEN, source)
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = [ANSI.sub("", line.rstrip("\r\n").replace("\r", "")) for line in f]
    except OSError as err:
        raise DocError("cannot read tests/golden/%s: %s" % (source, err))
    for i, line in enumerate(lines):
        if start in line:
            if stop is None:
                return [line]
            for j in range(i, len(lines)):
                if stop in lines[j]:
                    return lines[i:j + 1]
            raise DocError('tests/golden/%s: no line with "%s" after "%s"' % (source, stop, start))
    raise DocError('tests/golden/%s: no line with "%s"' % (source, start))


def regenerate(text, where):
    """`text` with every excerpt rebuilt; raises DocError for a broken marker."""
    out, at = [], 0
    for m in BEGIN.finditer(text):
        end = text.find(END, m.end())
        if end < 0:
            raise DocError("%s: excerpt of %s has no '%s'" % (where, m.group(1), END))
        body = "```text\n" + "\n".join(cut(m.group(1), m.group(2), m.group(3))) + "\n```\n"
        out += [text[at:m.end()], body]
        at = end
    return "".join(out) + text[at:]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["check", "update"])
    args = parser.parse_args(argv)
    stale = []
    try:
        for path in sorted(glob.glob(os.path.join(DOCS, "*.md"))):
            with open(path) as f:
                text = f.read()
            new = regenerate(text, os.path.relpath(path, ROOT))
            if new != text:
                stale.append(os.path.relpath(path, ROOT))
                if args.command == "update":
                    with open(path, "w") as f:
                        f.write(new)
    except DocError as err:
        print("docs.py: %s" % err, file=sys.stderr)
        return 2
    if stale and args.command == "check":
        print("docs.py: excerpts differ from the golden cases in %s: run tools/docs.py update "
              "(or make docs)" % ", ".join(stale), file=sys.stderr)
        return 1
    for path in stale:
        print("updated %s" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
