"""Randomized corruption of real trace streams, for the host decoder (tools/trace.py
decode()). tests/unit/test_trace_decode.py pins the decoder's notes on hand-made damage
(one overwritten run, a cut start or end, a damaged sync frame, byte overwrites); this adds
seeded random bit flips, inserted and deleted bytes, duplicated chunks, truncation at both
ends, and every single-bit flip of the header frame, on streams the kernel itself wrote
in QEMU (golden cases replayed by tools/replay.py) and on trace_stream_gen's stream of
every event kind. Each damaged stream must decode without an exception; what precedes the
damage decodes as before; every "corrupt" note is followed by a "resync"; and from the
first sync frame after the damage on, the records are exactly the undamaged ones."""
import os
import random
import subprocess

import pytest

from conftest import BUILD, ROOT
import keys as keysfile
import replay
import trace as tracetool

CASES = ["echo", "burst", "run_hello"]   # long typing, bursts, a user program's syscalls
GEN = os.path.join(BUILD, "unit", "trace_stream_gen")
TRIALS = 30                              # per stream and kind of damage
KEEP_SYNCS = 3                           # streams are cut 2000 bytes past their 3rd sync
HEADER = 32                              # the stream header frame
NOTE_KINDS = {"corrupt", "resync", "gap", "tick", "truncated", "restart"}


@pytest.fixture(scope="module")
def table():
    return tracetool.EventTable()


@pytest.fixture(scope="module")
def streams(tmp_path_factory):
    """name -> raw stream: golden cases replayed in QEMU, and the generator's stream."""
    out = {}
    for case in CASES:
        path = os.path.join(ROOT, "tests", "golden", case + ".keys")
        data = replay.run_log(keysfile.entries(keysfile.load(path))).trace
        frames = syncs(data)
        out[case] = data[:frames[KEEP_SYNCS - 1] + 2000] if len(frames) > KEEP_SYNCS else data
    assert os.path.exists(GEN), "%s is not built (make unit-build)" % GEN
    path = str(tmp_path_factory.mktemp("trace") / "generated.bin")
    subprocess.run([GEN, "1500", path], check=True)
    with open(path, "rb") as f:
        out["generated"] = f.read()
    return out


def decode(data, table):
    """Every item of the decoded stream; any exception fails the test, with the input."""
    items = list(tracetool.decode(bytes(data), table))
    for item in items:
        assert isinstance(item, (tracetool.Record, tracetool.Note))
        if isinstance(item, tracetool.Note):
            assert item.kind in NOTE_KINDS, item.text()
    return items


def records(items):
    return [i for i in items if isinstance(i, tracetool.Record)]


def key(record):
    """What a record says (its text, without formatting it)."""
    return record.seq, record.tick, record.name, tuple(record.values.items())


def syncs(data):
    """Offsets of the sync frames of an undamaged stream."""
    found, at = [], data.find(tracetool.SYNC_MAGIC)
    while at >= 0:
        found.append(at)
        at = data.find(tracetool.SYNC_MAGIC, at + 1)
    return found


@pytest.fixture(scope="module")
def decoded(streams, table):
    """name -> the records of the undamaged stream."""
    return {name: records(decode(data, table)) for name, data in streams.items()}


def check_damage(original, damaged, start, end, shift, table, what):
    """`damaged` is the stream whose records are `original` with bytes [start, end)
    replaced; the bytes from `end` on moved by `shift`. Checks the decoder's promises,
    naming `what` on failure."""
    after = decode(damaged, table)
    got = records(after)
    sizes = {e.name: 4 + e.size for e in table}
    # Records that end before the damage decode exactly as before.
    intact = [key(r) for r in original if r.offset + sizes[r.name] <= start]
    assert [key(r) for r in got[:len(intact)]] == intact, what
    # Every reported corruption ends in a reported resynchronisation (or a restart, at a
    # header frame), or the stream's end.
    notes = [i for i in after if isinstance(i, tracetool.Note)]
    for n, note in enumerate(notes):
        if note.kind == "corrupt" and "no header or sync frame follows" not in note.message:
            assert any(later.kind in ("resync", "restart") for later in notes[n + 1:]), \
                "%s: %s, and no resync after it" % (what, note.text())
    return got


def check_tail(original, got, sync, shift, what):
    """From the sync frame at `sync` (undamaged, moved by `shift`) on, the records are
    exactly the undamaged ones."""
    tail = [(r.offset + shift, key(r)) for r in original if r.offset > sync]
    assert [(r.offset, key(r)) for r in got if r.offset > sync + shift] == tail, \
        "%s: not back in step after the sync frame at %d" % (what, sync)


def damage_window(data, rng):
    """Where to damage: after the header, and before a sync frame when the stream has one
    past the header."""
    frames = [s for s in syncs(data) if s > HEADER + 8]
    limit = frames[-1] if frames else len(data)
    start = rng.randrange(HEADER, max(HEADER + 1, limit - 1))
    return start, min(limit, start + rng.randint(1, 200))


@pytest.mark.parametrize("kind", ["bit_flips", "inserted_bytes", "deleted_bytes",
                                  "duplicated_chunk", "overwritten_run"])
def test_random_damage_ends_in_resynchronisation(streams, decoded, table, kind):
    for name, data in streams.items():
        for trial in range(TRIALS):
            rng = random.Random("%s/%s/%d" % (kind, name, trial))
            start, end = damage_window(data, rng)
            damaged = bytearray(data)
            shift = 0
            if kind == "bit_flips":
                for _ in range(rng.randint(1, 8)):
                    at = rng.randrange(start, end)
                    damaged[at] ^= 1 << rng.randrange(8)
            elif kind == "inserted_bytes":
                extra = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
                damaged[start:start] = extra
                end, shift = start, len(extra)
            elif kind == "deleted_bytes":
                del damaged[start:end]
                shift = start - end
            elif kind == "duplicated_chunk":         # a resent piece of the stream
                chunk = data[start:end]
                damaged[end:end] = chunk
                shift = len(chunk)
            else:
                damaged[start:end] = bytes(rng.randrange(256) for _ in range(end - start))
            what = "%s of %s, trial %d (bytes %d..%d)" % (kind, name, trial, start, end)
            got = check_damage(decoded[name], damaged, start, end, shift, table, what)
            later = [s for s in syncs(data) if s >= end]
            if later:
                check_tail(decoded[name], got, later[0], shift, what)


def test_truncated_at_both_ends_reports_and_joins_at_a_sync_frame(streams, decoded, table):
    sizes = {e.name: 4 + e.size for e in table}
    for name, data in streams.items():
        for trial in range(TRIALS):
            rng = random.Random("truncate/%s/%d" % (name, trial))
            cut_start = rng.randrange(1, len(data) // 2)
            cut_end = rng.randrange(cut_start + 1, len(data) + 1)
            items = decode(data[cut_start:cut_end], table)
            what = "%s[%d:%d]" % (name, cut_start, cut_end)
            assert items and isinstance(items[0], tracetool.Note), what   # never a record
            first = [s for s in syncs(data) if s >= cut_start]
            if not first or first[0] + 32 > cut_end:
                assert not records(items), what
                continue
            assert any(n.kind == "resync" and n.offset == first[0] - cut_start
                       for n in items if isinstance(n, tracetool.Note)), what
            whole = [(r.offset - cut_start, key(r)) for r in decoded[name]
                     if r.offset > first[0] and r.offset + sizes[r.name] <= cut_end]
            assert [(r.offset, key(r)) for r in records(items)] == whole, what


def test_every_bit_flip_of_the_header_is_reported_not_raised(streams, table):
    data = streams["run_hello"]
    first_sync = syncs(data)[0]
    for bit in range(HEADER * 8):
        damaged = bytearray(data)
        damaged[bit // 8] ^= 1 << (bit % 8)
        items = decode(damaged, table)
        what = "header bit %d" % bit
        notes = [i for i in items if isinstance(i, tracetool.Note)]
        assert notes and notes[0].offset == 0 and notes[0].kind in ("corrupt", "truncated"), \
            what
        assert any(n.kind == "resync" and n.offset == first_sync for n in notes), what
        assert all(r.offset > first_sync for r in records(items)), what


# ---- regressions: damage the random trials above found, named after the bug ----

def test_a_record_that_swallowed_the_start_of_a_sync_frame_resyncs_there(streams, decoded,
                                                                          table):
    """Bytes lost just before a sync frame: the record whose payload went missing read the
    frame's first bytes as its payload, the decoder then reported corruption past the
    frame's magic and found no sync frame to resume at (tools/trace.py: a record that
    holds a frame)."""
    data = streams["generated"]
    sync = syncs(data)[0]
    last = [r for r in decoded["generated"] if r.offset < sync][-1]    # 8 bytes: a mark
    damaged = data[:last.offset + 4] + data[sync:]                    # its payload lost
    shift = last.offset + 4 - sync
    got = check_damage(decoded["generated"], damaged, last.offset, sync, shift, table,
                       "payload before the first sync frame lost")
    notes = [i for i in decode(damaged, table) if isinstance(i, tracetool.Note)]
    assert [n.kind for n in notes] == ["corrupt", "resync"]
    assert notes[0].offset == last.offset and "runs into a frame" in notes[0].message
    assert notes[1].offset == sync + shift and "1 events lost" in notes[1].message
    check_tail(decoded["generated"], got, sync, shift, "payload lost")
