"""The labs of docs/labs.md stay doable: the planted bug still applies to this tree (and
is not applied already), and the make targets and files the labs send students to exist."""
import os
import re
import subprocess

from conftest import ROOT

LABS = os.path.join(ROOT, "docs", "labs.md")
PATCH = os.path.join(ROOT, "docs", "labs", "planted-bug.patch")


def git_apply(*args):
    return subprocess.run(["git", "apply", "--check"] + list(args) + [PATCH], cwd=ROOT,
                          capture_output=True, text=True)


def test_the_planted_bug_applies_to_this_tree():
    result = git_apply()
    assert result.returncode == 0, "docs/labs/planted-bug.patch no longer applies: " + \
        result.stderr
    assert git_apply("-R").returncode != 0, "the planted bug is already applied"


def test_every_path_a_lab_names_exists():
    with open(LABS) as f:
        text = f.read()
    paths = set(re.findall(r"`((?:kernel|user|tools|docs|tests)/[\w./-]+)`", text))
    created = {"tests/golden/backspace.keys", "user/ppid.c", "user/selfmod.c",
               "tests/golden/countdown.trace"}                  # the labs ask for these
    missing = sorted(p for p in paths - created if not os.path.exists(os.path.join(ROOT, p)))
    assert not missing, "docs/labs.md names missing files: %s" % missing
