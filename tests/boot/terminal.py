"""A small terminal model for tests: render what the kernel wrote to a console (CR, LF,
BS, BEL, and the CSI sequences m, K, C, D, H, J the kernel uses) into the lines a user
would see, so tests can compare screens rather than escape sequences."""
import re

CSI = re.compile(r"\x1b\[([0-9;]*)([A-Za-z])")


def render(text):
    lines, row, col = [], [], 0
    i = 0
    while i < len(text):
        ch = text[i]
        m = CSI.match(text, i) if ch == "\x1b" else None
        if m:
            n = int(m.group(1).split(";")[0] or 1) if m.group(1) else 1
            final = m.group(2)
            if final == "K":
                del row[col:]
            elif final == "C":
                col += n
            elif final == "D":
                col = max(0, col - n)
            elif final in "HJ" and (final == "H" or m.group(1) == "2"):
                if final == "J":
                    lines, row = [], []
                col = 0
            i = m.end()
            continue
        if ch == "\r":
            col = 0
        elif ch == "\n":
            lines.append("".join(row).rstrip())
            row, col = [], 0
        elif ch == "\b":
            col = max(0, col - 1)
        elif ch >= " ":
            while len(row) < col:
                row.append(" ")
            if col < len(row):
                row[col] = ch
            else:
                row.append(ch)
            col += 1
        i += 1
    lines.append("".join(row).rstrip())
    return lines
