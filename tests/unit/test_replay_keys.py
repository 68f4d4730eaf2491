"""The golden input format (tools/keys.py) and the host side of recording
(tools/replay.py): every malformed .keys line is an error naming the file, the line and
what was expected, before anything runs; scancodes come from kernel/async/keymap.def;
the compiled log has the layout the kernel reads and the documented spacing; a
record-mode trace converts to boundary-exact input lines."""
import os
import re
import subprocess
import sys

import pexpect
import pytest

from conftest import BUILD, ROOT
import keys as keysfile
import replay
import trace as tracetool

KEYMAP = keysfile.Keymap()
REPLAY = [sys.executable, os.path.join(ROOT, "tools", "replay.py")]


def parse(text, path="case.keys"):
    return keysfile.parse(text, path, KEYMAP)


def codes(text):
    return [c for i in parse(text).inputs for c in i.codes]


def error(text, path="case.keys"):
    with pytest.raises(keysfile.KeysError) as info:
        parse(text, path)
    return str(info.value)


ACTIONS = "an action (type, key, down, up, raw or wait)"
KEY_NAME = ("a key name from kernel/async/keymap.def (e.g. Enter, Up, PageDown, F1, CapsLock, "
            "Ctrl+C)")
MALFORMED = [
    ("hello", "case.keys:1: expected a time (@TICK, +TICKS or =BOUNDARY) to start the line, "
              "got 'hello'"),
    ("5 type x", "case.keys:1: expected a time (@TICK, +TICKS or =BOUNDARY) to start the line, "
                 "got '5'"),
    ("@-5 wait", "case.keys:1: expected a time (@TICK, +TICKS or =BOUNDARY) to start the "
                 "line, got '@-5'"),
    ("@5wait", "case.keys:1: expected a time (@TICK, +TICKS or =BOUNDARY) to start the line, "
               "got '@5wait'"),
    ("@5", "case.keys:1: expected %s after the time" % ACTIONS),
    ("@5   # only a comment", "case.keys:1: expected %s after the time" % ACTIONS),
    ("@5 jump", "case.keys:1: expected %s, got 'jump'" % ACTIONS),
    ("@5 type", "case.keys:1: expected text to type after 'type'"),
    ("@5 type ", "case.keys:1: expected text to type after 'type'"),
    ("@5 type h\u00e9llo", "case.keys:1: expected printable ASCII text after 'type' "
                           "(US layout), got '\u00e9'"),
    ("@5 type a\tb", "case.keys:1: expected printable ASCII text after 'type' (US layout), "
                     "got '\\t'"),
    ("@5 key", "case.keys:1: expected one key name or chord after 'key' (e.g. Enter, Up, F1, "
               "Ctrl+C)"),
    ("@5 key Enter Tab", "case.keys:1: expected one key name or chord after 'key' (e.g. "
                         "Enter, Up, F1, Ctrl+C), got 'Enter Tab'"),
    ("@5 key Foo", "case.keys:1: expected %s, got 'Foo'" % KEY_NAME),
    ("@5 key Ctrl+", "case.keys:1: expected %s, got ''" % KEY_NAME),
    ("@5 key Ctrl+Bogus", "case.keys:1: expected %s, got 'Bogus'" % KEY_NAME),
    ("@5 key A+C", "case.keys:1: expected a modifier before '+' (Ctrl, Shift, Alt, RightCtrl, "
                   "RightShift, RightAlt), got 'A'"),
    ("@5 down", "case.keys:1: expected one key name after 'down' (no chords: press each key "
                "with its own line)"),
    ("@5 down Ctrl+C", "case.keys:1: expected one key name after 'down' (no chords: press "
                       "each key with its own line), got 'Ctrl+C'"),
    ("@5 up A B", "case.keys:1: expected one key name after 'up' (no chords: press each key "
                  "with its own line), got 'A B'"),
    ("@5 up Nope", "case.keys:1: expected a key name from kernel/async/keymap.def (e.g. A, "
                   "Shift, Up, Space), got 'Nope'"),
    ("@5 up Pause", "case.keys:1: expected a key with a release code after 'up' (Pause has "
                    "none), got 'Pause'"),
    ("@5 raw", "case.keys:1: expected hexadecimal bytes after 'raw' (e.g. raw e0 48 e0 c8)"),
    ("@5 raw 1ff", "case.keys:1: expected a hexadecimal byte (00 to ff) after 'raw', "
                   "got '1ff'"),
    ("@5 raw e0 zz", "case.keys:1: expected a hexadecimal byte (00 to ff) after 'raw', "
                     "got 'zz'"),
    ("@5 wait now", "case.keys:1: expected nothing after 'wait', got 'now'"),
    ("@5 tick", "case.keys:1: expected %s: 'tick' is only for recorded =BOUNDARY lines, "
                "got 'tick'" % ACTIONS),
    ("@10 wait\n\n# comment\n@5 wait", "case.keys:4: expected a tick at or after 10 (the "
                                      "previous line's), got '@5'"),
    ("@360001 wait", "case.keys:1: expected a tick up to 360000 (one hour at 100 Hz), "
                     "got '@360001'"),
    ("@360000 wait\n+1 wait", "case.keys:2: expected a tick up to 360000 (one hour at 100 "
                              "Hz), got '+1'"),
    ("=5 tick\n=3 tick", "case.keys:2: expected a boundary at or after 5 (the previous "
                         "line's), got '=3'"),
    ("=4294967295 raw 1e", "case.keys:1: expected a boundary below 4294967295, "
                           "got '=4294967295'"),
    ("=5 tick 2", "case.keys:1: expected tick 1 (recorded ticks count up from 1), got '2'"),
    ("=5 tick 1 2", "case.keys:1: expected at most a tick number after 'tick', got '1 2'"),
    ("@1 wait\n=5 tick", "case.keys:2: expected @ and + lines only: a file is either timed "
                         "(@ and +) or recorded (=), and earlier lines are timed, got '=5'"),
    ("=5 tick\n+1 wait", "case.keys:2: expected = lines only: a file is either timed (@ and "
                         "+) or recorded (=), and earlier lines are recorded, got '+1'"),
    ("@5 in-program raw 1e", "case.keys:1: expected %s: 'in-program' is only for recorded "
                             "=BOUNDARY lines, got 'in-program'" % ACTIONS),
    ("=5 in-program raw 1e 9e", "case.keys:1: expected one input after 'in-program' (a tick "
                                "or one raw byte: one interrupt ends a program's run)"),
    ("=5 in-program type ab", "case.keys:1: expected one input after 'in-program' (a tick or "
                              "one raw byte: one interrupt ends a program's run)"),
    ("=5 in-program", "case.keys:1: expected %s after the time" % ACTIONS),
]


@pytest.mark.parametrize("text,message", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_every_malformed_line_names_file_line_and_expectation(text, message):
    assert error(text) == message


def test_an_input_at_boundary_0_is_refused_since_boundaries_count_from_1():
    # Regression: `=0 raw 1e` compiled, and the kernel, which counts boundaries from 1,
    # could only end the replay with "diverged" (exit status 39), naming no line. The
    # poll after boundary 0 can still take an in-program input.
    assert error("# recorded\n=0 raw 1e") == "case.keys:2: expected a boundary of 1 or " \
        "more (boundaries count from 1; =0 only with in-program), got '=0'"
    assert keysfile.entries(parse("=0 in-program raw 1e")) == [(0, 33, 0x1e,
                                                                keysfile.IN_PROGRAM)]


@pytest.mark.parametrize("second", ["=5 raw 9e", "=5 in-program tick"])
def test_an_input_after_an_in_program_one_at_its_boundary_is_refused(second):
    # Boundaries in order, as the kernel now requires: an in-program input arrives in the
    # poll after its boundary, so after that boundary's other inputs, and a poll takes one.
    # Such a log could only diverge (exit status 39).
    assert error("=5 in-program raw 1e\n" + second) == "case.keys:2: expected a boundary " \
        "after 5 (the previous line is in-program: the last input of its boundary), got '=5'"
    assert parse("=5 raw 9e\n=5 in-program raw 1e").inputs[1].in_program


def test_the_error_names_the_path_as_given():
    assert error("@1 key Enter\nbad", "tests/golden/x.keys").startswith(
        "tests/golden/x.keys:2: expected a time")


def test_unreadable_files_are_errors(tmp_path):
    with pytest.raises(keysfile.KeysError, match="cannot read .*missing.keys"):
        keysfile.load(str(tmp_path / "missing.keys"), KEYMAP)
    (tmp_path / "latin1.keys").write_bytes(b"@1 type caf\xe9\n")
    with pytest.raises(keysfile.KeysError, match="cannot read .*latin1.keys"):
        keysfile.load(str(tmp_path / "latin1.keys"), KEYMAP)


def test_comments_blank_lines_and_times():
    f = parse("# a comment\n\n   # indented\n@3 key Enter   # trailing comment\n+2 wait\n"
              "+0 key A\n@9 wait\r\n")
    assert [i.tick for i in f.inputs] == [3, 5, 5, 9]
    assert [i.where for i in f.inputs] == ["case.keys:4", "case.keys:5", "case.keys:6",
                                          "case.keys:7"]
    assert not f.recorded


def test_type_takes_the_rest_of_the_line_literally():
    # One separator after `type`; then every character, '#' and spaces included.
    assert codes("@1 type  a#") == [0x39, 0xb9, 0x1e, 0x9e, 0x2a, 0x04, 0x84, 0xaa]


def test_type_adds_shift_for_capitals_and_shifted_symbols():
    assert codes("@1 type aA!") == [0x1e, 0x9e, 0x2a, 0x1e, 0x9e, 0xaa, 0x2a, 0x02, 0x82, 0xaa]


def test_characters_prefer_the_main_block_over_the_keypad():
    assert [(k.name, s) for k, s in (KEYMAP.chars[c] for c in "*+-/.\\7")] == [
        ("8", True), ("Equal", True), ("Minus", False), ("Slash", False), ("Period", False),
        ("Backslash", False), ("7", False)]


def test_named_keys_chords_and_prefixes():
    assert codes("@1 key Up") == [0xe0, 0x48, 0xe0, 0xc8]
    assert codes("@1 key enter") == [0x1c, 0x9c]                 # names: any case
    assert codes("@1 key Pause") == [0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5]   # no break
    assert codes("@1 key Ctrl+c") == [0x1d, 0x2e, 0xae, 0x9d]
    assert codes("@1 key Ctrl+Alt+Delete") == [0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d]
    assert codes("@1 key RightCtrl+Shift+Tab") == [0xe0, 0x1d, 0x2a, 0x0f, 0x8f, 0xaa,
                                                   0xe0, 0x9d]
    assert codes("@1 down A\n+1 down A\n+1 up A") == [0x1e, 0x1e, 0x9e]
    assert codes("@1 down Pause") == [0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5]
    assert codes("@1 raw e0 48 0xE0 c8 7") == [0xe0, 0x48, 0xe0, 0xc8, 0x07]


def test_every_key_of_the_table_has_bytes_and_a_qemu_number():
    for key in KEYMAP.keys.values():
        make = key.make()
        assert make[-1] & 0x7f == key.code & 0x7f
        assert key.release() is None if key.code >> 8 == 2 else \
            key.release() == make[:-1] + [make[-1] | 0x80]
        assert key.qnum() == (key.code & 0x7f | 0x80 if key.code > 0xff else key.code)
    assert KEYMAP.find("Up").qnum() == 0xc8 and KEYMAP.find("A").qnum() == 0x1e


def test_timed_files_compile_one_tick_at_a_time():
    # Tick 0's bytes before the first tick; then each tick, then that tick's bytes in file
    # order; `settle` ticks after the last line.
    log = keysfile.entries(parse("@0 key A\n@2 type b\n+0 key Enter\n+0 raw ff"), settle=1)
    idle, tick, key = keysfile.AT_IDLE, keysfile.VECTOR_TIMER, keysfile.VECTOR_KEYBOARD
    assert log == [(idle, key, 0x1e), (idle, key, 0x9e), (idle, tick, 1), (idle, tick, 2),
                   (idle, key, 0x30), (idle, key, 0xb0), (idle, key, 0x1c),
                   (idle, key, 0x9c), (idle, key, 0xff), (idle, tick, 3)]
    assert keysfile.entries(parse(""), settle=2) == [(idle, tick, 1), (idle, tick, 2)]
    assert keysfile.entries(parse("@5 wait"), settle=0)[-1] == (idle, tick, 5)


def test_tick_data_is_the_low_16_bits():
    log = keysfile.entries(parse("@65537 wait"), settle=0)
    assert log[65535:] == [(keysfile.AT_IDLE, 32, 0), (keysfile.AT_IDLE, 32, 1)]


def test_recorded_files_compile_to_their_boundaries():
    f = parse("=3 tick\n=3 raw 1e\n=7 tick 2   # a comment\n=7 key Up\n=9 tick")
    assert f.recorded
    assert keysfile.entries(f) == [(3, 32, 1), (3, 33, 0x1e), (7, 32, 2), (7, 33, 0xe0),
                                   (7, 33, 0x48), (7, 33, 0xe0), (7, 33, 0xc8), (9, 32, 3)]


def test_in_program_inputs_carry_their_flag_into_the_log():
    # A recorded interrupt that ended a user program's ring-3 run (docs/replay.md).
    f = parse("=3 tick\n=4 in-program tick 2\n=5 in-program raw 2e\n=6 raw 1e")
    flag = keysfile.IN_PROGRAM
    log = keysfile.entries(f)
    assert log == [(3, 32, 1), (4, 32, 2, flag), (5, 33, 0x2e, flag), (6, 33, 0x1e)]
    data = keysfile.encode_log(log)
    assert data[16 + 8 + 5] == flag and data[16 + 5] == 0       # the flags byte
    assert keysfile.decode_log(data) == log
    assert keysfile.entry_text(log[1]) == "=4 in-program tick 2"


def test_log_layout():
    data = keysfile.encode_log([(keysfile.AT_IDLE, 32, 1), (0x01020304, 33, 0xe0)])
    assert data == (b"LKRPLAY1" + b"\x02\0\0\0" + b"\0\0\0\0" +
                    b"\xff\xff\xff\xff\x20\x00\x01\x00" + b"\x04\x03\x02\x01\x21\x00\xe0\x00")
    assert keysfile.decode_log(data) == [(keysfile.AT_IDLE, 32, 1), (0x01020304, 33, 0xe0)]
    with pytest.raises(keysfile.KeysError):
        keysfile.decode_log(data[:-1])


def test_a_malformed_key_table_is_an_error(tmp_path):
    path = tmp_path / "keymap.def"
    path.write_text("/* header\n */\nKEY(A, 0x1e, LETTER, 'a', 'A')\nKEY(B, 0x30, FANCY, 0, 0)\n")
    with pytest.raises(keysfile.KeysError, match=r"keymap.def:4: expected KEY\(name, code"):
        keysfile.Keymap(str(path))
    # Regressions: chr(9999999) raised ValueError; a code used twice was accepted; bytes
    # that are not UTF-8 raised UnicodeDecodeError.
    for line, message in [("KEY(B, 0x30, LETTER, 9999999, 0)", "keymap.def:2: key B: its "
                           "characters must be ASCII"),
                          ("KEY(B, 0x1e, LETTER, 'b', 'B')", "keymap.def:2: key B has code "
                           "0x1e, as key A has"),
                          ("KEY(B, 030, LETTER, 'b', 'B')", "keymap.def:2: expected KEY")]:
        path.write_text("KEY(A, 0x1e, LETTER, 'a', 'A')\n%s\n" % line)
        with pytest.raises(keysfile.KeysError, match=re.escape(message)):
            keysfile.Keymap(str(path))
    path.write_bytes(b"/* \xff */\n")
    with pytest.raises(keysfile.KeysError, match="cannot read the key table: 'utf-8'"):
        keysfile.Keymap(str(path))
    path.write_bytes(b"#define REPLAY_AT_IDLE 0xffffffff /* \xff */\n")
    with pytest.raises(keysfile.KeysError, match="cannot read the kernel's replay header"):
        keysfile.replay_defines(str(path))


def run_replay(*args):
    return subprocess.run(REPLAY + list(args), capture_output=True, text=True, timeout=60)


def test_the_command_line_reports_a_malformed_file_and_runs_nothing(tmp_path):
    case = tmp_path / "bad.keys"
    case.write_text("@1 type echo hi\n+1 key Entr\n")
    result = run_replay(str(case), "--kernel", str(tmp_path / "no-kernel.elf"))
    assert result.returncode == 2
    assert result.stderr == "replay: error: %s:2: expected %s, got 'Entr'\n" % (case, KEY_NAME)
    assert result.stdout == ""


TIMEOUT_LIMIT = "error: --timeout must be more than 0 and at most 86400 seconds (a day), not "


@pytest.mark.parametrize("args,message", [
    ([], "the following arguments are required: CASE.keys"),
    (["nothing.keys"], "replay: error: cannot read nothing.keys"),
    (["check", "--runs", "0"], "--runs and --jobs must be at least 1"),
    (["convert", "nothing.bin"], "replay: error: cannot read nothing.bin"),
    (["record", "bad name"], "replay: error: NAME must be letters, digits"),
    # Regressions: nan and inf reached subprocess (ValueError, OverflowError); a huge
    # --settle built a log that long (MemoryError).
    (["x.keys", "--timeout", "nan"], TIMEOUT_LIMIT + "nan"),
    (["x.keys", "--timeout", "inf"], TIMEOUT_LIMIT + "inf"),
    (["check", "--timeout", "nan"], TIMEOUT_LIMIT + "nan"),
    (["check", "--timeout", "1e300"], TIMEOUT_LIMIT + "1e+300"),
    (["check", "--timeout", "0"], TIMEOUT_LIMIT + "0.0"),
    (["x.keys", "--settle", "100000000"], "--settle must be 0 to 360000 ticks"),
    (["check", "--settle", "100000000"], "--settle must be 0 to 360000 ticks"),
    (["check", "--settle", "-1"], "--settle must be 0 to 360000 ticks"),
])
def test_the_command_line_never_shows_a_traceback(args, message):
    result = run_replay(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("content,message", [
    (None, "cannot read {case}: [Errno 2] No such file or directory: '{case}'"),
    (b"@1 key Entr\n", "{case}:1: expected %s, got 'Entr'" % KEY_NAME),
    (b"@1 type caf\xe9\n", "cannot read {case}: 'utf-8' codec can't decode byte 0xe9"),
])
def test_check_exits_2_not_1_for_a_keys_file_it_cannot_read_or_parse(tmp_path, content,
                                                                     message):
    # Regression: `replay.py check nonexist.keys` printed "FAIL ..." and exited 1, the
    # status of a trace that differs from its golden file; bad input is exit 2, and is
    # refused before any case replays (the good case here would need the missing kernel).
    case = tmp_path / "case.keys"
    if content is not None:
        case.write_bytes(content)
    result = run_replay("check", os.path.join(ROOT, "tests", "golden", "help.keys"),
                        str(case), "--kernel", str(tmp_path / "no-kernel.elf"))
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("replay: error: " + message.format(case=case)), \
        result.stderr


def test_keys_py_reports_a_standard_output_it_cannot_write():
    # Regression: printing the log to a full standard output gave a traceback.
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "keys.py"),
                                 os.path.join(ROOT, "tests", "golden", "help.keys")],
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == ("keys: error: cannot write the log to standard output: "
                             "No space left on device\n")


def test_keys_py_refuses_a_settle_time_past_an_hour():
    # Regression: --settle 1000000000 built a log of that many ticks (MemoryError).
    result = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "keys.py"),
                             os.path.join(ROOT, "tests", "golden", "help.keys"), "--settle",
                             "1000000000"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.endswith("keys.py: error: --settle must be 0 to 360000 ticks (one "
                                  "hour at 100 Hz), not 1000000000\n")


def test_a_golden_trace_that_is_not_utf8_is_an_error_naming_its_line(tmp_path):
    # Regression: read_golden() let UnicodeDecodeError through (a traceback).
    path = tmp_path / "case.trace"
    path.write_bytes(b"      0         0 boot version=0x100 tick_hz=100\n\xff\xfe\n")
    with pytest.raises(replay.ReplayError, match=r"case.trace:2: byte 0xff is not UTF-8 "
                                                 r"text: a golden trace is the text"):
        replay.read_golden(str(path))
    assert replay.read_golden(str(path), binary=True).endswith(b"\xff\xfe\n")


# ---- record-mode traces -> recorded .keys ----

TABLE = tracetool.EventTable()
BY_NAME = {e.name: e for e in TABLE}


def record(seq, name, **values):
    event = BY_NAME[name]
    return tracetool.Record(seq, 0, event, [values.get(n, 0) for _, n in event.fields])


def test_a_live_trace_converts_to_boundary_lines():
    events = [("boot", {}), ("poll_end", {}), ("idle", {}), ("irq_enter", {"vector": 32,
              "data": 1}), ("irq_exit", {}), ("poll_end", {}), ("irq_enter", {"vector": 33,
              "data": 0xe0}), ("irq_enter", {"vector": 33, "data": 0x48}), ("idle", {}),
              ("irq_enter", {"vector": 33, "data": 0x9e}), ("irq_enter", {"vector": 32,
              "data": 2})]
    text = replay.recorded_keys([record(n, name, **v) for n, (name, v) in enumerate(events)],
                                KEYMAP)
    body = [line for line in text.split("\n") if not line.startswith("#")]
    assert body == ["=2 tick 1", "=3 raw e0", "=3 raw 48   # Up down",
                    "=4 raw 9e   # A up", "=4 tick 2", ""]
    assert keysfile.entries(parse(text)) == [(2, 32, 1), (3, 33, 0xe0), (3, 33, 0x48),
                                             (4, 33, 0x9e), (4, 32, 2)]


def test_an_interrupt_inside_a_poll_is_recorded_in_program():
    # Record mode takes interrupts inside a poll only while a user program runs in ring 3.
    events = [("poll_begin", {}), ("irq_enter", {"vector": 32, "data": 1}),
              ("poll_end", {}), ("poll_begin", {}), ("poll_end", {}),
              ("irq_enter", {"vector": 33, "data": 0x1e})]
    text = replay.recorded_keys([record(n, name, **v) for n, (name, v) in enumerate(events)],
                                KEYMAP)
    body = [line for line in text.split("\n") if not line.startswith("#")]
    assert body == ["=0 in-program tick 1", "=2 raw 1e   # A down", ""]
    assert keysfile.entries(parse(text)) == [(0, 32, 1, keysfile.IN_PROGRAM), (2, 33, 0x1e)]


def test_a_live_trace_with_a_missing_tick_or_a_foreign_interrupt_is_refused():
    with pytest.raises(replay.ReplayError, match="timer interrupt for tick 3 where tick 1 "
                                                 "was due"):
        replay.recorded_keys([record(0, "irq_enter", vector=32, data=3)], KEYMAP)
    with pytest.raises(replay.ReplayError, match="an interrupt on vector 36, which replay "
                                                 "cannot reproduce"):
        replay.recorded_keys([record(0, "irq_enter", vector=36)], KEYMAP)


@pytest.mark.parametrize("events,message", [
    ([("boot", {}), ("irq_enter", {"vector": 32, "data": 1})],
     "event 1 (tick 0): an interrupt before the first boundary, where record mode keeps "
     "interrupts off"),
    ([("idle", {}), ("poll_begin", {}), ("irq_enter", {"vector": 32, "data": 1}),
      ("irq_exit", {}), ("irq_enter", {"vector": 33, "data": 0x1e})],
     "event 4 (tick 0): a second interrupt inside one poll, where record mode takes only "
     "the one that ends a user program's run"),
])
def test_convert_refuses_an_interrupt_record_mode_never_takes(events, message):
    # Regression: `replay.py convert build/trace.bin` (a `make trace` capture, normal mode)
    # wrote "=0 tick 1" or two in-program inputs at one boundary without a word: a .keys
    # that keys.py then refuses, or one that replays something else. The stream header's
    # run mode now refuses such a capture first (below); in a record-mode capture these
    # interrupts would mean the kernel broke record mode, and are still refused.
    with pytest.raises(replay.ReplayError) as refused:
        replay.recorded_keys([record(n, name, **v) for n, (name, v) in enumerate(events)],
                             KEYMAP)
    assert str(refused.value) == message + ": the kernel broke record mode (a bug), so the " \
        "capture cannot be converted"


GEN = os.path.join(BUILD, "unit", "trace_stream_gen")


def generated_capture(tmp_path, mode):
    """A stream from the kernel's own ring and drain code (tests/unit/trace_stream_gen.c)
    whose header gives run mode `mode`."""
    path = tmp_path / ("mode%d.bin" % mode)
    subprocess.run([GEN, "100", str(path), "0", str(mode)], check=True)
    return path


@pytest.mark.parametrize("mode,name", [(0, "normal"), (2, "replay"), (7, "unknown (7)")])
def test_convert_refuses_a_capture_whose_header_gives_another_mode(tmp_path, mode, name):
    # Regression: convert took build/trace.bin from `make trace` (normal mode) and wrote
    # the interrupts inside a kernel task's poll as in-program inputs: the replay
    # diverged. Now the header says the mode, and only record converts.
    path = generated_capture(tmp_path, mode)
    result = subprocess.run(REPLAY + ["convert", str(path), "--out", str(tmp_path / "x.keys")],
                            capture_output=True, text=True)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        "replay: error: the capture's stream header gives run mode %s, not record: only a "
        "capture of boot option `record` (make record, tools/live.py) converts; `make "
        "trace` and `make run` capture in normal mode\n" % name)
    assert not (tmp_path / "x.keys").exists()


def test_the_mode_alone_decides_what_converts(tmp_path):
    # The same records under a record-mode header pass the mode check (and are refused
    # for the `drop` the generator's every-kind events hold): what refuses the others is
    # their header, not what they hold.
    data = generated_capture(tmp_path, 1).read_bytes()
    with pytest.raises(replay.ReplayError, match=r"^the live trace lost 3 events before "
                                                 r"event 1 \(tick 0\)"):
        replay.live_events(data)
    normal = bytearray(data)
    normal[24] = 0
    normal[6:8] = (tracetool.fnv1a(bytes(normal[8:32])) & 0xffff).to_bytes(2, "little")
    with pytest.raises(replay.ReplayError, match="header gives run mode normal, not record"):
        replay.live_events(bytes(normal))


def test_a_run_mode_table_it_cannot_read_is_an_error_not_a_traceback(tmp_path, monkeypatch):
    # Regression: the header's mode name is read from trace/trace.h when first asked for,
    # and a TraceError there escaped live_events, which only ReplayError may leave.
    data = generated_capture(tmp_path, 1).read_bytes()

    def unreadable():
        raise tracetool.TraceError("cannot read the run modes in trace/trace.h: gone")
    monkeypatch.setattr(tracetool, "RUN_MODES", unreadable)
    with pytest.raises(replay.ReplayError, match="^cannot read the run modes in trace/trace.h"):
        replay.live_events(data)


def test_a_recording_with_tracing_switched_off_is_refused_clearly():
    # Regression: the inputs of a `trace off` stretch are not in the trace; the rebuild
    # then failed on the first timer interrupt after it, naming a tick, not the cause.
    events = [("boot", {}), ("idle", {}), ("irq_enter", {"vector": 32, "data": 1}),
              ("resume", {"tick": 70000}), ("irq_enter", {"vector": 32, "data": 70001})]
    with pytest.raises(replay.ReplayError, match=r"event 3 \(tick 0\): tracing was switched "
                                                 r"off during the recording"):
        replay.recorded_keys([record(n, name, **v) for n, (name, v) in enumerate(events)],
                             KEYMAP)


def test_an_empty_live_trace_is_called_empty_not_damaged():
    # The decoder now notes an empty stream; a recording must still say what happened.
    with pytest.raises(replay.ReplayError, match=r"the live trace is empty \(did the kernel"):
        replay.live_events(b"")


def test_a_recording_whose_qemu_wrote_no_live_trace_is_a_clear_error(tmp_path):
    # Regression: when QEMU could not create the live trace (here BUILD names a directory
    # that does not exist), record opened the missing file outside the error handling: a
    # FileNotFoundError traceback. Recording needs a terminal: pexpect gives it one.
    env = dict(os.environ, BUILD=str(tmp_path / "missing"), TERM="xterm")
    child = pexpect.spawn(sys.executable, REPLAY[1:] + [
        "record", "--dir", str(tmp_path), "--kernel", os.path.join(BUILD, "lockstep.elf"),
        "case"], env=env, timeout=60, dimensions=(25, 80), encoding="utf-8",
        codec_errors="replace")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2, child.before
    assert "Traceback" not in child.before, child.before
    assert "replay: error: no live trace: " in child.before, child.before
