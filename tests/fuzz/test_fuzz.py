"""make test's share of the fuzzing (docs/fuzzing.md): each libFuzzer target,
tests/fuzz/fuzz_TARGET.c, is built (make BUILD/fuzz/fuzz_TARGET, so it works whether or not
the build step made it) and run for SECONDS over a fresh copy of its seed corpus: every
seed, the regression-* reproducers included, runs again, then a few seconds of new
inputs. A crash fails the case with the sanitizer's report and the reproducer, kept in
BUILD/fuzz/test-artifacts/TARGET/. `make fuzz FUZZ_SECONDS=N` runs the same for longer."""
import os
import subprocess

import pytest

from conftest import BUILD, ROOT
import fuzz

SECONDS = 4


@pytest.mark.parametrize("target", fuzz.targets())
def test_fuzz_target_finds_no_crash(target, tmp_path):
    make = os.environ.get("MAKE", "make")
    build = os.path.relpath(BUILD, ROOT)
    built = subprocess.run([make, "-s", "BUILD=" + build,
                            os.path.join(build, "fuzz", "fuzz_" + target)],
                           cwd=ROOT, capture_output=True, text=True)
    assert built.returncode == 0, "make failed:\n" + built.stdout + built.stderr
    work = str(tmp_path / "corpus")
    fuzz.prepare_corpus(target, work)
    artifacts = os.path.join(BUILD, "fuzz", "test-artifacts", target)
    result = fuzz.run_target(target, SECONDS, work, artifacts, BUILD)
    assert not result.crashed, "%s\nreproduce with: %s %s" % (
        result.summary(), fuzz.binary(target, BUILD), result.reproducer or "(no reproducer)")
    assert result.executions, "libFuzzer ran nothing:\n" + result.output[-3000:]
