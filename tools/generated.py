"""The generated part of a Markdown page: the text from a begin marker to an end marker,
rewritten from its source of truth. Used by tools/trace.py (the event table of
docs/trace-format.md) and tools/syscalls.py (the syscall table of docs/syscalls.md);
tools/docs.py does the same for excerpts and pictures."""


def replace(path, begin, end, body):
    """Put `body` (which starts with `begin` and ends with `end`) in place of the part of
    `path` between the markers. Returns (old text, new text); raises ValueError if the
    markers are missing or out of order, OSError if the file cannot be read."""
    with open(path) as f:
        text = f.read()
    at, stop = text.find(begin), text.find(end)
    if at < 0 or stop < at:
        raise ValueError("%s has no generated-part markers %r ... %r" % (path, begin, end))
    return text, text[:at] + body + text[stop + len(end):]


def update(path, begin, end, body, check_only=False):
    """Rewrite the generated part of `path` unless check_only; True if it was current.
    Raises ValueError or OSError as replace()."""
    old, new = replace(path, begin, end, body)
    if new != old and not check_only:
        with open(path, "w") as f:
            f.write(new)
    return new == old
