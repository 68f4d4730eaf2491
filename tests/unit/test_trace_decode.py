"""The host trace decoder (tools/trace.py) on streams written by the kernel's own ring
and drain code built for the host (tests/unit/trace_stream_gen.c): every field of every
event kind, and what it must do with damaged input: corruption, a truncated start or
end, a stream from another build, garbage. It never crashes and says what it skipped."""
import json
import os
import random
import struct
import subprocess
import sys
import time

import pytest

from conftest import BUILD, ROOT
import trace as tracetool
from trace_kinds import ALL_KINDS, check_all_kinds, fields

GEN = os.path.join(BUILD, "unit", "trace_stream_gen")
MARKS = 3000
OFF_TICKS = 70000                      # more than a record header's 16 bits of tick span


def generate(tmp_path_factory, *args):
    path = str(tmp_path_factory.mktemp("trace") / "stream.bin")
    subprocess.run([GEN, str(MARKS), path] + [str(a) for a in args], check=True)
    with open(path, "rb") as f:
        return f.read()


@pytest.fixture(scope="module")
def stream(tmp_path_factory):
    return generate(tmp_path_factory)


@pytest.fixture(scope="module")
def stream_with_trace_off(tmp_path_factory):
    """Recording switched off for OFF_TICKS ticks after the first MARKS / 2 marks."""
    return generate(tmp_path_factory, OFF_TICKS)


@pytest.fixture(scope="module")
def table():
    return tracetool.EventTable()


def decoded(data, table):
    return list(tracetool.decode(data, table))


def value(record, name):
    return fields(record)[name]


def test_every_event_kind_decodes_with_every_field(stream, table):
    items = decoded(stream, table)
    assert all(isinstance(i, tracetool.Record) for i in items)
    check_all_kinds(items[:len(ALL_KINDS)], table)


def test_marks_keep_sequence_and_tick(stream, table):
    marks = decoded(stream, table)[len(ALL_KINDS):]
    assert [value(r, "value") for r in marks] == list(range(MARKS))
    assert [r.tick for r in marks] == [i // 4 for i in range(MARKS)]
    assert [r.seq for r in marks] == list(range(len(ALL_KINDS), len(ALL_KINDS) + MARKS))


def test_ticks_after_tracing_was_off_for_70000_ticks_come_from_resume(
        stream_with_trace_off, table):
    # Regression: records carry 16 bits of tick, and after `trace off` for 65536 ticks or
    # more every decoder placed every later record 65536 ticks early.
    items = decoded(stream_with_trace_off, table)[len(ALL_KINDS):]
    assert not [i for i in items if isinstance(i, tracetool.Note)]   # sync frames agree
    marks = [r for r in items if r.name == "mark"]
    half = MARKS // 2
    assert [r.tick for r in marks] == [i // 4 + (OFF_TICKS if i >= half else 0)
                                       for i in range(MARKS)]
    [resume] = [r for r in items if r.name == "resume"]
    assert resume.seq == marks[half].seq - 1
    assert resume.tick == value(resume, "tick") == half // 4 + OFF_TICKS
    assert resume.text().endswith(" %d resume tick=%d" % (resume.tick, resume.tick))


def test_a_damaged_tick_is_reported_at_the_next_sync_frame(stream, table):
    # Regression: a bit flipped in a record header's tick went unreported; every record
    # up to the next sync frame was shown 32768 or 65536 ticks late.
    good = decoded(stream, table)
    first = stream.find(tracetool.SYNC_MAGIC)
    second = stream.find(tracetool.SYNC_MAGIC, first + 1)
    between = [r for r in good if first < r.offset < second]
    damaged = bytearray(stream)
    damaged[between[10].offset + 3] ^= 0x80          # bit 15 of the tick
    items = decoded(bytes(damaged), table)
    [note] = [i for i in items if isinstance(i, tracetool.Note)]
    assert note.kind == "tick" and note.offset == second
    assert note.message == ("sync frame says tick %d, expected %d: records %d-%d carried "
                            "ticks that disagree with it; going on from the frame's"
                            % (between[-1].tick, between[-1].tick + 65536, between[0].seq,
                               between[-1].seq))
    records = [i for i in items if isinstance(i, tracetool.Record)]
    assert [r.text() for r in records if r.offset < between[10].offset or r.offset > second] \
        == [r.text() for r in good if r.offset < between[10].offset or r.offset > second]


def test_a_damaged_tick_field_is_reported_at_the_next_sync_frame(stream_with_trace_off,
                                                                  table):
    good = decoded(stream_with_trace_off, table)
    [resume] = [r for r in good if r.name == "resume" and r.seq > len(ALL_KINDS)]
    damaged = bytearray(stream_with_trace_off)
    damaged[resume.offset + 6] ^= 0x01                 # the tick field, + 65536
    items = decoded(bytes(damaged), table)
    [note] = [i for i in items if isinstance(i, tracetool.Note)]
    assert note.kind == "tick"
    assert note.offset == stream_with_trace_off.find(tracetool.SYNC_MAGIC, resume.offset)
    assert "records %d-" % resume.seq in note.message


def test_text_and_json_forms(stream, table):
    first = decoded(stream, table)[2]
    assert first.text() == "      2         0 irq_enter vector=33 data=30"
    assert first.json() == '{"seq": 2, "tick": 0, "event": "irq_enter", "vector": 33, "data": 30}'


def test_json_of_every_event_kind_shows_a_task_name_as_text(stream, table, tmp_path):
    # Regression: the str16 name of task_spawn reached json.dumps as bytes (TypeError).
    items = decoded(stream, table)[:len(ALL_KINDS)]
    spawn = next(r for r in items if r.name == "task_spawn")
    assert json.loads(spawn.json())["name"] == value(spawn, "name") == "keyboard"
    path = tmp_path / "stream.bin"
    path.write_bytes(stream)
    result = run_cli("decode", str(path), "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(ALL_KINDS) + MARKS
    assert {"seq": spawn.seq, "tick": 0, "event": "task_spawn", "task": 2, "parent": 1,
            "name": "keyboard"} in lines


def test_table_hash_matches_the_kernel(stream, table):
    assert stream[:6] == tracetool.HEADER_MAGIC == b"L\xffTRAC"
    assert int.from_bytes(stream[12:16], "little") == table.hash


def test_stream_from_another_build_is_refused(stream, table):
    other = bytearray(stream)
    other[12] ^= 0xff
    check = tracetool.fnv1a(bytes(other[8:32])) & 0xffff     # a well-formed frame
    other[6:8] = check.to_bytes(2, "little")
    with pytest.raises(tracetool.TraceError, match="different build"):
        decoded(bytes(other), table)


def test_corruption_is_reported_and_decoding_resumes_at_a_sync_frame(stream, table):
    # Damage starting at a record header (damage inside a payload is not detectable:
    # records carry no checksum, docs/trace-format.md).
    at = next(r.offset for r in decoded(stream, table) if r.offset >= 5000)
    damaged = bytearray(stream)
    damaged[at:at + 40] = b"\x00\x99" * 20
    items = decoded(bytes(damaged), table)
    notes = [i for i in items if isinstance(i, tracetool.Note)]
    assert [n.kind for n in notes] == ["corrupt", "resync"]
    assert notes[0].offset == at and "unknown event id 153" in notes[0].message
    lost = int(notes[1].message.split(": ")[1].split()[0])
    marks = [value(r, "value") for r in items
             if getattr(r, "name", None) == "mark" and r.seq >= len(ALL_KINDS)]
    assert len(marks) + lost == MARKS
    assert marks == sorted(marks) and marks[-1] == MARKS - 1
    records = [i for i in items if isinstance(i, tracetool.Record)]
    assert all(b.seq > a.seq for a, b in zip(records, records[1:]))


def test_truncated_start_joins_at_the_first_sync_frame(stream, table):
    items = decoded(stream[3001:], table)
    assert items[0].kind == "truncated"
    assert items[1].kind == "resync" and "joined at seq" in items[1].message
    marks = [value(r, "value") for r in items if isinstance(r, tracetool.Record)]
    assert marks == list(range(marks[0], MARKS))


def test_damaged_frame_is_not_believed(stream, table):
    sync = stream.find(tracetool.SYNC_MAGIC)
    damaged = bytearray(stream)
    damaged[sync + 12] ^= 0x01                  # the seq field of the first sync frame
    items = decoded(bytes(damaged), table)
    notes = [i for i in items if isinstance(i, tracetool.Note)]
    assert notes[0].kind == "corrupt" and "check field" in notes[0].message
    assert notes[0].offset == sync
    assert notes[1].kind == "resync"


def damaged_tail(stream, table):
    """`stream` with an unknown id in a record header past its last sync frame, and that
    record: run A of a reboot whose end was damaged."""
    last_sync = stream.rfind(tracetool.SYNC_MAGIC)
    at = next(r for r in decoded(stream, table) if r.offset > last_sync + 100)
    damaged = bytearray(stream)
    damaged[at.offset + 1] = 0xee
    return bytes(damaged), at


def test_damage_before_a_restart_resyncs_at_the_header_with_no_loss_count(stream, table):
    # Regression: after damage the decoder searched only for a sync frame, so the second
    # run's header and its first records were skipped and the note said "4294966583
    # events lost" (run B's seq minus run A's, wrapped).
    run_a, bad = damaged_tail(stream, table)
    items = decoded(run_a + stream, table)
    notes = [i for i in items if isinstance(i, tracetool.Note)]
    assert [n.text() for n in notes] == [
        "# corrupt at byte %d: unknown event id 238; skipping %d bytes to the next header "
        "frame" % (bad.offset, len(run_a) - bad.offset),
        "# restart at byte %d: a new stream header (the kernel rebooted?)" % len(run_a)]
    run_b = items[items.index(notes[-1]) + 1:]
    assert [r.text() for r in run_b] == [r.text() for r in decoded(stream, table)]


def test_a_sync_frame_of_another_run_gives_no_loss_count(stream, table):
    # Regression (with the one above): run B's header lost as well, its first sync frame
    # has a lower seq than run A had reached; the loss count wrapped around.
    run_a, bad = damaged_tail(stream, table)
    run_b = bytearray(stream)
    run_b[0] ^= 0xff                           # no frame magic left: bytes to skip
    items = decoded(run_a + bytes(run_b), table)
    notes = [i for i in items if isinstance(i, tracetool.Note)]
    sync = stream.find(tracetool.SYNC_MAGIC)
    first_sync = len(run_a) + sync
    assert [n.kind for n in notes] == ["corrupt", "resync"]
    assert "skipping %d bytes to the next sync frame" % (first_sync - bad.offset) \
        in notes[0].message
    sync_seq, _, sync_tick = struct.unpack_from("<IQQ", stream, sync + 12)
    assert notes[1].text() == ("# resync at byte %d: seq %d, tick %d: another run (seq went "
                               "back from %d; its header frame was lost)"
                               % (first_sync, sync_seq, sync_tick, bad.seq))
    assert bad.seq > sync_seq


def test_a_truncated_start_joins_at_a_header_before_any_sync_frame(stream, table):
    # Regression: a capture that began late in run A, past its last sync frame, skipped
    # run B's header and joined at B's first sync frame.
    tail = stream[stream.rfind(tracetool.SYNC_MAGIC) + 101:]
    items = decoded(tail + stream, table)
    assert items[0].text() == ("# truncated at byte 0: stream starts without its header; "
                               "skipping %d bytes to the first header frame" % len(tail))
    assert [r.text() for r in items[1:]] == [r.text() for r in decoded(stream, table)]


def test_a_record_whose_payload_spells_a_frame_magic_is_not_damage(stream, table):
    # Regression: an exception record with rip bytes 4c ff 53 59 4e 43 ("L\xffSYNC") was
    # taken for a frame inside a record: two corrupt notes and 499 events thrown away on
    # a valid stream. A frame is only believed when its check verifies.
    exception = next(r for r in decoded(stream, table) if r.name == "exception")
    rip = exception.offset + 4 + 12                          # vector, padding, error_code
    assert stream[rip:rip + 8] == (0xffffffff80101234).to_bytes(8, "little")
    for magic in (tracetool.SYNC_MAGIC, tracetool.HEADER_MAGIC):
        spelled = bytearray(stream)
        spelled[rip:rip + 8] = magic + b"\0\0"
        items = decoded(bytes(spelled), table)
        assert all(isinstance(i, tracetool.Record) for i in items)
        assert len(items) == len(decoded(stream, table))
        assert value(items[4], "rip") == int.from_bytes(magic + b"\0\0", "little")


def with_header_fields(stream, size=32, ring=4096):
    """`stream` with its header's size and ring fields set, and a check that matches."""
    out = bytearray(stream)
    out[10:12] = size.to_bytes(2, "little")
    out[20:24] = ring.to_bytes(4, "little")
    out[6:8] = (tracetool.fnv1a(bytes(out[8:32])) & 0xffff).to_bytes(2, "little")
    return bytes(out)


@pytest.mark.parametrize("size,ring,message", [
    (0xffff, 0xffffffff, "header frame gives a frame size of 65535 bytes, not 32"),
    (0, 4096, "header frame gives a frame size of 0 bytes, not 32"),
    (32, 0xffffffff, "header frame gives a ring of 4294967295 words, not a power of two"),
    (32, 8, "header frame gives a ring of 8 words, not a power of two of at least 16"),
])
def test_a_header_with_impossible_sizes_is_not_believed(stream, table, size, ring, message):
    # Regression: a header with a matching check but size 0xffff and ring 0xffffffff
    # was decoded from with no note.
    assert int.from_bytes(stream[10:12], "little") == 32
    items = decoded(with_header_fields(stream, size, ring), table)
    assert items[0].kind == "corrupt" and items[0].offset == 0
    assert items[0].message.startswith(message)
    assert items[1].kind == "resync"
    assert decoded(with_header_fields(stream, 32, 1 << 31), table)[0].name == "boot"


def test_run_modes_are_those_of_trace_h():
    assert tracetool.run_modes() == {0: "normal", 1: "record", 2: "replay"}


@pytest.mark.parametrize("mode,name", [(0, "normal"), (1, "record"), (2, "replay"),
                                       (7, "unknown (7)")])
def test_the_header_gives_the_kernels_run_mode(tmp_path_factory, table, mode, name):
    # The header's byte 24, written by the kernel's drain from trace_stream_set_mode; the
    # 7 bytes after it stay zero. A value trace.h does not name (a newer kernel's) is
    # reported as such, not taken for damage.
    data = generate(tmp_path_factory, 0, mode)
    assert data[24] == mode and data[25:32] == bytes(7)
    items = list(tracetool.decode(data, table, headers=True))
    header = items[0]
    assert isinstance(header, tracetool.Header)
    assert (header.offset, header.mode, header.mode_name, header.tick_hz,
            header.ring_words) == (0, mode, name, 100, 1024)
    assert not [i for i in items[1:] if isinstance(i, tracetool.Header)]
    # Asked for no headers, the decoder yields what it always did: the dumps and the
    # golden traces do not show the header.
    assert [i.text() for i in items[1:]] == [i.text() for i in decoded(data, table)]
    path = tmp_path_factory.mktemp("mode") / "stream.bin"
    path.write_bytes(data)
    result = run_cli("decode", str(path))
    assert result.returncode == 0
    assert "#" not in result.stdout and "mode" not in result.stdout
    assert result.stderr.rstrip().endswith(", run mode %s" % name)


def test_each_run_of_a_stream_gives_its_mode(stream, tmp_path_factory, table, tmp_path):
    recorded = generate(tmp_path_factory, 0, 1)
    items = list(tracetool.decode(stream + recorded, table, headers=True))
    headers = [i for i in items if isinstance(i, tracetool.Header)]
    assert [(h.offset, h.mode_name) for h in headers] == [(0, "normal"),
                                                         (len(stream), "record")]
    restart = items.index(headers[1]) - 1        # the restart note, then the new header
    assert items[restart].kind == "restart" and items[restart].offset == len(stream)
    path = tmp_path / "two-runs.bin"
    path.write_bytes(stream + recorded)
    assert run_cli("decode", str(path)).stderr.rstrip().endswith(
        ", run modes normal, record")
    path.write_bytes(stream[3001:])                  # joined at a sync frame: no header
    assert run_cli("decode", str(path)).stderr.rstrip().endswith(
        ", run mode not given (no header frame)")


def test_an_empty_stream_is_said_to_be_empty(table, tmp_path):
    # Regression: a zero-length file printed no note at all.
    [note] = decoded(b"", table)
    assert note.text() == "# truncated at byte 0: the stream is empty (no header, no records)"
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    result = run_cli("decode", str(empty))
    assert result.returncode == 0               # as for a stream without its header
    assert result.stdout == note.text() + "\n"
    assert "0 events, 0 dropped, 1 stream notes" in result.stderr


def test_truncated_end_is_reported(stream, table):
    items = decoded(stream[:-3], table)
    assert items[-1].kind == "truncated"
    assert value(items[-2], "value") == MARKS - 2


def test_random_damage_never_crashes(stream, table):
    rng = random.Random(1234)
    for _ in range(300):
        damaged = bytearray(stream[:6000])
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(32, len(damaged))     # keep the header: same build
            damaged[at] = rng.randrange(256)
        cut = rng.randrange(32, len(damaged) + 1)
        records = [i for i in decoded(bytes(damaged[:cut]), table)
                   if isinstance(i, tracetool.Record)]
        seqs = [r.seq for r in records]
        assert seqs == sorted(seqs)


def run_cli(*args):
    return subprocess.run([sys.executable, os.path.join(ROOT, "tools", "trace.py")] + list(args),
                          capture_output=True, text=True)


def test_cli_reports_bad_input_without_a_traceback(tmp_path):
    missing = run_cli("decode", str(tmp_path / "nothing.bin"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(bytes(random.Random(5).randrange(255) for _ in range(2000)))
    result = run_cli("decode", str(garbage))
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert result.stdout.startswith("# truncated at byte 0")


def test_output_that_cannot_be_written_is_an_error_not_lost(stream, tmp_path):
    # Regression: --out to a missing directory or a directory gave a traceback; --out
    # /dev/full exited 0 having lost the output; a full standard output, a traceback.
    path = tmp_path / "stream.bin"
    path.write_bytes(stream)
    for out, reason in ((tmp_path / "missing" / "x.txt", "No such file or directory"),
                        (tmp_path, "Is a directory"), ("/dev/full", "No space left on device")):
        result = run_cli("decode", str(path), "--out", str(out))
        assert result.returncode == 2
        assert result.stderr == "trace: error: cannot write %s: %s\n" % (out, reason)
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "trace.py"),
                                 "decode", str(path), "--json"], stdout=full,
                                stderr=subprocess.PIPE, text=True)
    assert result.returncode == 2
    assert result.stderr == ("trace: error: cannot write the decoded trace to standard "
                             "output: No space left on device\n")
    out = tmp_path / "decoded.txt"
    assert run_cli("decode", str(path), "--out", str(out)).returncode == 0
    assert len(out.read_text().splitlines()) == len(ALL_KINDS) + MARKS


@pytest.mark.parametrize("seconds", ["-1", "nan", "inf", "0", "1e300", "86401"])
def test_capture_refuses_a_bad_number_of_seconds(seconds):
    # Regression: -1 and nan reached time.sleep() (ValueError traceback).
    result = run_cli("capture", "--seconds=" + seconds, "--kernel", "/nonexistent.elf")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        "trace.py: error: --seconds must be more than 0 and at most 86400 seconds (a day), "
        "not %s" % float(seconds))


def test_docs_event_table_is_generated_from_events_def(table):
    path = os.path.join(ROOT, "docs", "trace-format.md")
    assert tracetool.update_doc(path, table, check_only=True), \
        "docs/trace-format.md is stale: run tools/trace.py doc"


def test_bad_event_table_is_reported_with_its_line(tmp_path):
    bad = tmp_path / "events.def"
    bad.write_text("/* comment */\nTRACE_EVENT(1, boot, FIELD(u24, x))\n")
    with pytest.raises(tracetool.TraceError, match=r"events.def:2: unknown field type 'u24'"):
        tracetool.EventTable(str(bad))
    bad.write_text("TRACE_EVENT(1, a)\nTRACE_EVENT(1, b)\n")
    with pytest.raises(tracetool.TraceError, match="used twice"):
        tracetool.EventTable(str(bad))
    # Regressions: int("foo", 0) raised ValueError; bytes that are not UTF-8 raised
    # UnicodeDecodeError (tracebacks).
    for token in ("foo", "010", "0x"):
        bad.write_text("TRACE_EVENT(1, a)\nTRACE_EVENT(%s, bar)\n" % token)
        with pytest.raises(tracetool.TraceError, match=r"events.def:2: id %s is not a decimal "
                                                       r"or 0x hexadecimal number" % token):
            tracetool.EventTable(str(bad))
    bad.write_bytes(b"TRACE_EVENT(1, a) /* \xff */\n")
    with pytest.raises(tracetool.TraceError, match="cannot read the event table: 'utf-8'"):
        tracetool.EventTable(str(bad))


def test_capture_reports_a_kernel_qemu_refuses_at_once(tmp_path):
    # Regression: capture slept the whole --seconds before it looked at QEMU, which had
    # refused the file at once ("invalid kernel header").
    kernel = tmp_path / "not-a-kernel.elf"
    kernel.write_text("not an ELF file, nor any kernel QEMU can load\n")
    start = time.perf_counter()
    result = run_cli("capture", "--seconds", "60", "--kernel", str(kernel),
                     "--out", str(tmp_path / "trace.bin"))
    assert time.perf_counter() - start < 30
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("trace: error: QEMU failed: "), result.stderr


def test_a_failed_capture_leaves_the_last_capture_as_it_was(tmp_path):
    # Regression: QEMU opens (and empties) its COM2 file before it refuses the kernel,
    # so a failed `make trace` emptied build/trace.bin, the last good capture.
    kernel = tmp_path / "not-a-kernel.elf"
    kernel.write_text("not an ELF file, nor any kernel QEMU can load\n")
    out = tmp_path / "trace.bin"
    out.write_bytes(b"the last capture")
    result = run_cli("capture", "--seconds", "60", "--kernel", str(kernel), "--out", str(out))
    assert result.returncode == 2 and "invalid kernel header" in result.stderr, result.stderr
    assert out.read_bytes() == b"the last capture"
    assert sorted(os.listdir(tmp_path)) == ["not-a-kernel.elf", "trace.bin"]


def fake_qemu(script):
    """qemu.command for capture(): a Python program instead of QEMU, given the path QEMU
    would write the trace stream to as sys.argv[1]."""
    def command(kernel, trace_out=None, **options):
        return [sys.executable, "-c", script, trace_out]
    return command


@pytest.mark.parametrize("script,message", [
    ("import time; time.sleep(30)",
     "QEMU was stopped after 0.5 s, before it had opened the trace file: nothing was "
     "captured (QEMU takes a moment to start; give more --seconds)"),
    ("import sys, time; open(sys.argv[1], 'wb'); time.sleep(30)",
     "QEMU was stopped after 0.5 s, before the kernel wrote any trace to COM2: nothing was "
     "captured (give more --seconds)"),
    ("import sys; open(sys.argv[1], 'wb')",
     "QEMU exited by itself before the kernel wrote any trace to COM2: nothing was "
     "captured (give more --seconds)"),
])
def test_a_capture_too_short_to_hold_a_stream_says_so_not_cannot_read(monkeypatch, tmp_path,
                                                                      script, message):
    # Regression: `capture --seconds 0.01` said "cannot read .../trace.bin: No such file",
    # QEMU having been stopped before it made the file; one that made it but got no byte
    # decoded an empty stream and replaced the last capture with it.
    monkeypatch.setattr(tracetool.qemu, "command", fake_qemu(script))
    out = tmp_path / "trace.bin"
    out.write_bytes(b"the last capture")
    with pytest.raises(tracetool.TraceError) as failed:
        tracetool.capture(0.5, "kernel.elf", str(out))
    assert str(failed.value) == message
    assert out.read_bytes() == b"the last capture"
    assert os.listdir(tmp_path) == ["trace.bin"]


def test_capture_refuses_an_output_it_could_not_write_before_qemu_runs(monkeypatch, tmp_path):
    monkeypatch.setattr(tracetool.qemu, "command", lambda *a, **k: pytest.fail("QEMU ran"))
    for out, reason in ((tmp_path / "missing" / "trace.bin", "no directory %s"
                         % (tmp_path / "missing")), (tmp_path, "it is a directory")):
        with pytest.raises(tracetool.TraceError, match="^cannot write %s: %s$" % (out, reason)):
            tracetool.capture(1, "kernel.elf", str(out))
