#!/usr/bin/python3
"""Run every test level and print one closing line: `N passed, N failed`.

`make test` calls this. Levels, all collected by pytest from tests/:
  build    the kernel, its ISO, the test kernel and the host unit tests (one case)
  unit     host C unit tests, one case per test        tests/unit/
  ktest    in-kernel tests, one case per test per boot path   tests/ktest/
  boot     whole-system boot tests (serial, VGA, make run, make run-serial, user
           programs, garbage floods, refused replay logs)   tests/boot/
  gdb      the real GDB against the kernel's stub and QEMU's   tests/gdb/
  golden   golden replays, their determinism, recorded live sessions   tests/golden/
  fuzz     each libFuzzer target briefly; mutation tests of the Python parsers   tests/fuzz/
  docs     every doc excerpt and picture against what the kernel produces   tests/docs/
Exit status 0 only if everything passed (and something ran).
"""
import argparse
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")


def build():
    """Build everything the tests need; returns True on success (output shown on failure)."""
    make = os.environ.get("MAKE", "make")
    jobs = "-j%d" % (os.cpu_count() or 2)
    result = subprocess.run([make, "-s", jobs, "BUILD=" + os.path.relpath(BUILD, ROOT),
                             "all", "ktest", "unit-build"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        print(result.stdout)
        print("build: FAILED (make exited with status %d)" % result.returncode)
        return False
    print("build: ok")
    return True


def count(junit_path):
    """(passed, failed, skipped) from pytest's JUnit XML."""
    root = ElementTree.parse(junit_path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    tests = failures = errors = skipped = 0
    for suite in suites:
        tests += int(suite.get("tests", 0))
        failures += int(suite.get("failures", 0))
        errors += int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    failed = failures + errors
    return tests - failed - skipped, failed, skipped


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (e.g. -k vga)")
    args = parser.parse_args(argv)

    if not build():
        print("0 passed, 1 failed")
        return 1
    junit = os.path.join(BUILD, "test-results.xml")
    if os.path.exists(junit):
        os.remove(junit)
    pytest = subprocess.run([PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "--junitxml", junit, "tests"] + args.pytest_args, cwd=ROOT)
    if not os.path.exists(junit):
        print("pytest did not run (exit status %d)" % pytest.returncode)
        print("1 passed, 1 failed")
        return 1
    passed, failed, skipped = count(junit)
    passed += 1                                   # the build
    if pytest.returncode not in (0, 1) and failed == 0:
        failed = 1                                # pytest itself broke (usage, no tests...)
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line)
    return 0 if failed == 0 and passed > 1 else 1


if __name__ == "__main__":
    sys.exit(main())
