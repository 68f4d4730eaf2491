/*
 * test_line.c - the shell's line editor and argument parser (kernel/shell/line.c,
 * parse.c). A one-row terminal model replays everything the editor writes (CR, BS, BEL,
 * ESC[nC, ESC[nD, ESC[K, newline), and after every key the row must read exactly
 * prompt + line with the cursor where the editor says it is.
 */
#include "unit.h"
#include "errno.h"
#include "line.h"
#include "number.h"
#include "parse.h"

#define PROMPT "lockstep> "

/* ---- a terminal of one row (and a count of lines finished) ---- */
static char row[256];
static size_t column, newlines, bells;

static void term_reset(void)
{
    memset(row, ' ', sizeof(row));
    column = newlines = bells = 0;
}

static void term_write(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '\r') {
            column = 0;
        } else if (c == '\n') {
            newlines++;
            memset(row, ' ', sizeof(row));
            column = 0;
        } else if (c == '\a') {
            bells++;
        } else if (c == '\b') {
            if (column)
                column--;
        } else if (c == '\033') {
            CHECK(i + 2 < len + 8 && text[i + 1] == '[');
            size_t j = i + 2;
            unsigned n = 0;
            while (text[j] >= '0' && text[j] <= '9')
                n = n * 10 + (unsigned)(text[j++] - '0');
            if (n == 0)
                n = 1;
            switch (text[j]) {
            case 'C': column += n; break;
            case 'D': column = column > n ? column - n : 0; break;
            case 'K': memset(row + column, ' ', sizeof(row) - column); break;
            default: UNIT_FAIL("unexpected escape %c", text[j]);
            }
            i = j;
        } else {
            CHECK(column < sizeof(row));
            row[column++] = c;
        }
    }
}

static size_t complete(const char *prefix, const char **names, size_t max)
{
    static const char *const all[] = { "help", "history", "echo", "trace", "tasks" };
    size_t n = 0;
    for (size_t i = 0; i < 5; i++) {
        if (strncmp(all[i], prefix, strlen(prefix)) == 0) {
            if (n < max)
                names[n] = all[i];
            n++;
        }
    }
    return n;
}

static struct line_editor ed;

static void start(void)
{
    term_reset();
    line_init(&ed, PROMPT, term_write, complete);
    line_start(&ed);
}

/* The next prompt, on a new row as the shell does it. */
static void fresh(void)
{
    if (column)
        term_write("\n", 1);
    newlines = 0;
    line_start(&ed);
}

/* The screen must show the prompt and the line, cursor in place. */
static void check_screen(void)
{
    char want[256];
    snprintf(want, sizeof(want), PROMPT "%s", ed.buf);
    size_t n = strlen(want);
    if (memcmp(row, want, n) != 0)
        UNIT_FAIL("screen \"%.*s\" but line is \"%s\"", (int)n, row, ed.buf);
    for (size_t i = n; i < 100; i++)
        CHECK_EQ(row[i], ' ');
    CHECK_EQ(column, strlen(PROMPT) + ed.cursor);
}

static enum line_result key(enum line_key k)
{
    enum line_result r = line_feed(&ed, k, 0);
    if (r == LINE_EDITING)
        check_screen();
    return r;
}

static void type(const char *text)
{
    for (; *text; text++) {
        CHECK_EQ(line_feed(&ed, LINE_KEY_CHAR, *text), LINE_EDITING);
        check_screen();
    }
}

TEST(typing_and_enter)
{
    start();
    type("echo hi");
    CHECK_EQ(key(LINE_KEY_ENTER), LINE_DONE);
    CHECK_STR(ed.done, "echo hi");
    CHECK_EQ(newlines, 1);
}

TEST(editing_in_the_middle)
{
    start();
    type("ecoh");
    key(LINE_KEY_LEFT);
    key(LINE_KEY_LEFT);
    key(LINE_KEY_BACKSPACE);                  /* "eoh", cursor after e */
    type("ch");                               /* "echoh", cursor before "oh" */
    key(LINE_KEY_RIGHT);
    key(LINE_KEY_DELETE);                     /* "echo" */
    CHECK_STR(ed.buf, "echo");
    key(LINE_KEY_HOME);
    type("x");
    key(LINE_KEY_END);
    type("!");
    CHECK_STR(ed.buf, "xecho!");
    key(LINE_KEY_KILL);
    CHECK_STR(ed.buf, "");
    CHECK_EQ(bells, 0);
}

TEST(edges_ring_the_bell_and_change_nothing)
{
    start();
    key(LINE_KEY_BACKSPACE);
    key(LINE_KEY_LEFT);
    key(LINE_KEY_DELETE);
    key(LINE_KEY_RIGHT);
    key(LINE_KEY_DOWN);
    CHECK_EQ(bells, 5);
    CHECK_STR(ed.buf, "");
    CHECK_EQ(line_feed(&ed, LINE_KEY_CHAR, '\x01'), LINE_EDITING);   /* not printable */
    CHECK_EQ(bells, 6);
}

TEST(a_very_long_line_is_refused_not_overflowed)
{
    start();
    for (int i = 0; i < LINE_MAX + 20; i++)
        line_feed(&ed, LINE_KEY_CHAR, (char)('a' + i % 26));
    CHECK_EQ(ed.len, LINE_MAX);
    CHECK_EQ(bells, 20);
    check_screen();
    CHECK(strlen(PROMPT) + LINE_MAX < 80);    /* prompt and line fit one row */
    key(LINE_KEY_HOME);
    line_feed(&ed, LINE_KEY_CHAR, 'z');       /* still full */
    CHECK_EQ(bells, 21);
}

TEST(cancel_abandons_the_line)
{
    start();
    type("half typed");
    CHECK_EQ(key(LINE_KEY_CANCEL), LINE_CANCELLED);
    CHECK_EQ(ed.len, 0);
    CHECK_EQ(ed.history_count, 0);
}

TEST(history_up_down_and_what_is_kept)
{
    start();
    const char *lines[] = { "one", "two", "two", "", "three" };
    for (int i = 0; i < 5; i++) {
        fresh();
        type(lines[i]);
        key(LINE_KEY_ENTER);
    }
    CHECK_EQ(ed.history_count, 3);            /* blank and repeated lines are not kept */
    fresh();
    type("new");
    key(LINE_KEY_UP);
    CHECK_STR(ed.buf, "three");
    key(LINE_KEY_UP);
    key(LINE_KEY_UP);
    CHECK_STR(ed.buf, "one");
    key(LINE_KEY_UP);                         /* oldest: bell */
    CHECK_EQ(bells, 1);
    key(LINE_KEY_DOWN);
    key(LINE_KEY_DOWN);
    key(LINE_KEY_DOWN);
    CHECK_STR(ed.buf, "new");                 /* back to what was being typed */
    key(LINE_KEY_UP);
    type(" again");
    CHECK_EQ(key(LINE_KEY_ENTER), LINE_DONE);
    CHECK_STR(ed.done, "three again");
}

TEST(history_is_bounded)
{
    start();
    char text[16];
    for (int i = 0; i < LINE_HISTORY + 5; i++) {
        fresh();
        snprintf(text, sizeof(text), "c%d", i);
        type(text);
        key(LINE_KEY_ENTER);
    }
    fresh();
    for (int i = 0; i < LINE_HISTORY; i++)
        key(LINE_KEY_UP);
    CHECK_STR(ed.buf, "c5");                  /* the oldest kept */
    key(LINE_KEY_UP);
    CHECK_EQ(bells, 1);
}

TEST(tab_completes_command_names)
{
    start();
    type("ec");
    key(LINE_KEY_TAB);
    CHECK_STR(ed.buf, "echo ");               /* unique: completed with a space */
    key(LINE_KEY_KILL);
    type("h");
    key(LINE_KEY_TAB);                        /* help, history: nothing in common */
    CHECK_EQ(newlines, 2);                    /* the candidates listed */
    CHECK_STR(ed.buf, "h");
    check_screen();
    key(LINE_KEY_KILL);
    type("t");
    key(LINE_KEY_TAB);
    CHECK_STR(ed.buf, "t");
    key(LINE_KEY_KILL);
    type("tr");
    key(LINE_KEY_TAB);
    CHECK_STR(ed.buf, "trace ");
    key(LINE_KEY_KILL);
    type("zz");
    key(LINE_KEY_TAB);
    CHECK_EQ(bells, 1);                       /* nothing matches */
    type(" x");
    key(LINE_KEY_TAB);                        /* not the first word */
    CHECK_EQ(bells, 2);
}

static struct line_serial ser;

static enum line_key serial(const char *bytes, char *c)
{
    enum line_key k = LINE_KEY_NONE;
    for (; *bytes; bytes++)
        k = line_serial_key(&ser, (uint8_t)*bytes, c);
    return k;
}

TEST(serial_bytes_and_escape_sequences)
{
    start();
    char c = 0;
    CHECK_EQ(serial("a", &c), LINE_KEY_CHAR);
    CHECK_EQ(c, 'a');
    CHECK_EQ(serial("\x1b[A", &c), LINE_KEY_UP);
    CHECK_EQ(serial("\x1b[B", &c), LINE_KEY_DOWN);
    CHECK_EQ(serial("\x1b[C", &c), LINE_KEY_RIGHT);
    CHECK_EQ(serial("\x1b[D", &c), LINE_KEY_LEFT);
    CHECK_EQ(serial("\x1b[H", &c), LINE_KEY_HOME);
    CHECK_EQ(serial("\x1bOF", &c), LINE_KEY_END);
    CHECK_EQ(serial("\x1b[3~", &c), LINE_KEY_DELETE);
    CHECK_EQ(serial("\x1b[1~", &c), LINE_KEY_HOME);
    CHECK_EQ(serial("\x1b[4~", &c), LINE_KEY_END);
    CHECK_EQ(serial("\x7f", &c), LINE_KEY_BACKSPACE);
    CHECK_EQ(serial("\x03", &c), LINE_KEY_CANCEL);
    CHECK_EQ(serial("\x15", &c), LINE_KEY_KILL);
    CHECK_EQ(line_serial_key(&ser, '\r', &c), LINE_KEY_ENTER);
    CHECK_EQ(line_serial_key(&ser, '\n', &c), LINE_KEY_NONE);   /* CR LF: one Enter */
    CHECK_EQ(line_serial_key(&ser, '\n', &c), LINE_KEY_ENTER);
    CHECK_EQ(serial("\x1b[99999~", &c), LINE_KEY_NONE);        /* garbage: dropped */
    CHECK_EQ(serial("\x1b[1;5C", &c), LINE_KEY_RIGHT);          /* Ctrl+Right: right */
    CHECK_EQ(serial("\x1bx", &c), LINE_KEY_CHAR);              /* not a sequence: x */
    CHECK_EQ(c, 'x');
    CHECK_EQ(serial("b", &c), LINE_KEY_CHAR);                  /* and back in step */
    CHECK_EQ(serial("\x1b[5~", &c), LINE_KEY_NONE);            /* PageUp: unused */
    CHECK_EQ(serial("\x02", &c), LINE_KEY_NONE);
}

/* Feed serial bytes to the editor as the shell does; the result of the last byte. */
static enum line_result serial_line(const char *bytes)
{
    enum line_result r = LINE_EDITING;
    for (; *bytes; bytes++) {
        char c = 0;
        enum line_key k = line_serial_key(&ser, (uint8_t)*bytes, &c);   /* c first */
        r = line_feed(&ed, k, c);
        if (r == LINE_EDITING)
            check_screen();
    }
    return r;
}

/* Regression (review): a byte that broke off an escape sequence was thrown away, so the
 * Escape key swallowed the Enter or Ctrl+C typed next (`spin`, Escape, Ctrl+C: spin went
 * on), ESC ESC [ A inserted "[A" and "echo ESC xyz" printed "yz". Such a byte now ends
 * the sequence and then counts as itself. */
TEST(a_byte_that_breaks_off_an_escape_sequence_is_not_lost)
{
    start();
    ser = (struct line_serial){ 0 };
    char c = 0;
    CHECK_EQ(serial("\x1b\r", &c), LINE_KEY_ENTER);
    CHECK_EQ(serial("\x1b[\r", &c), LINE_KEY_ENTER);
    CHECK_EQ(serial("\x1bO\r", &c), LINE_KEY_ENTER);
    CHECK_EQ(serial("\x1b[12;\r", &c), LINE_KEY_ENTER);      /* mid-parameters too */
    CHECK_EQ(serial("\x1b\x03", &c), LINE_KEY_CANCEL);
    CHECK_EQ(serial("\x1b[\x03", &c), LINE_KEY_CANCEL);
    CHECK_EQ(serial("\x1bO\x03", &c), LINE_KEY_CANCEL);
    CHECK_EQ(serial("\x1b[\x7f", &c), LINE_KEY_BACKSPACE);     /* DEL cannot continue it */
    CHECK_EQ(serial("\x1b\x1b[A", &c), LINE_KEY_UP);          /* ESC starts a new one */
    CHECK_EQ(serial("\x1b[\x1b[B", &c), LINE_KEY_DOWN);
    CHECK_EQ(serial("\x1bO\x1bOH", &c), LINE_KEY_HOME);
    CHECK_EQ(serial("\x1bO ", &c), LINE_KEY_CHAR);             /* ESC O needs a final */
    CHECK_EQ(c, ' ');
    CHECK_EQ(serial("\x1b[\x80", &c), LINE_KEY_NONE);          /* ignored, as alone */
    CHECK_EQ(ser.escape_state, ESCAPE_NONE);
    CHECK_EQ(serial("a", &c), LINE_KEY_CHAR);                  /* in step afterwards */

    /* The reviewer's lines, through the editor. */
    CHECK_EQ(serial_line("echo a\x1b\r"), LINE_DONE);
    CHECK_STR(ed.done, "echo a");
    fresh();
    CHECK_EQ(serial_line("echo c\x1b[\x03"), LINE_CANCELLED);
    fresh();
    CHECK_EQ(serial_line("echo \x1bxyz\r"), LINE_DONE);
    CHECK_STR(ed.done, "echo xyz");
    fresh();
    CHECK_EQ(serial_line("x\x1b\x1b[D\x1b\x1b[Dy"), LINE_EDITING);   /* no "[D" typed */
    CHECK_STR(ed.buf, "yx");
}

/* Regression (review): bytes COM1's full ring dropped went unnoticed, and a line that
 * lost its CR was joined to the next one (`echo 4444...` ran with `echo ok` appended).
 * The line that lost bytes is discarded, and after the gap the rest of a cut line gives
 * no keys up to its line end. */
TEST(a_line_cut_by_lost_bytes_is_not_joined_to_the_next)
{
    start();
    ser = (struct line_serial){ 0 };
    char c = 0;
    CHECK_EQ(serial_line("echo 44"), LINE_EDITING);
    line_serial_gap(&ser, '5');                /* lost: the rest, its CR, half a line */
    line_discard(&ed);
    CHECK_EQ(ed.len, 0);
    CHECK_EQ(newlines, 1);                     /* the row ends; the caller says why */
    fresh();
    CHECK_EQ(serial_line("555\r"), LINE_EDITING);   /* the cut line's rest: no keys */
    CHECK_EQ(ed.len, 0);
    CHECK_EQ(serial_line("echo ok\r"), LINE_DONE);
    CHECK_STR(ed.done, "echo ok");
    fresh();

    line_serial_gap(&ser, '\r');               /* the lost bytes ended a line */
    CHECK_EQ(serial("\n", &c), LINE_KEY_NONE);  /* the LF of that lost CR */
    CHECK_EQ(serial_line("echo x\r"), LINE_DONE);
    CHECK_STR(ed.done, "echo x");
    fresh();
    line_discard(&ed);                         /* at an empty prompt: the row still ends */
    CHECK_EQ(newlines, 1);

    CHECK_EQ(serial("\x1b[", &c), LINE_KEY_NONE);
    line_serial_gap(&ser, '\n');               /* a sequence cut by the gap is forgotten */
    CHECK_EQ(serial("A", &c), LINE_KEY_CHAR);
    line_serial_gap(&ser, 'x');
    CHECK_EQ(serial("ab\x03", &c), LINE_KEY_CANCEL);   /* Ctrl+C still counts */
    CHECK_EQ(serial("a", &c), LINE_KEY_CHAR);
}

/* Regression (found by tests/fuzz/fuzz_line.c): the CSI number was kept in a byte that
 * wrapped, so ESC [ 516 ~ read as ESC [ 4 ~ (End) and ESC [ 259 ~ as Delete. */
TEST(a_long_escape_number_does_not_wrap_around_to_a_key)
{
    start();
    char c = 0;
    CHECK_EQ(serial("\x1b[516~", &c), LINE_KEY_NONE);
    CHECK_EQ(serial("\x1b[259~", &c), LINE_KEY_NONE);
    CHECK_EQ(serial("\x1b[2563~", &c), LINE_KEY_NONE);
    CHECK_EQ(serial("\x1b[24~", &c), LINE_KEY_NONE);             /* F12: unused */
    CHECK_EQ(serial("\x1b[03~", &c), LINE_KEY_DELETE);           /* a leading zero is fine */
}

static struct parsed_line args;
static const char *error;

static int parse(const char *text)
{
    static char buf[256];
    snprintf(buf, sizeof(buf), "%s", text);
    return parse_line(buf, &args, &error);
}

TEST(parse_words_and_quotes)
{
    CHECK_EQ(parse("  echo   a  b "), 0);
    CHECK_EQ(args.argc, 3);
    CHECK_STR(args.argv[0], "echo");
    CHECK_STR(args.argv[2], "b");
    CHECK(args.argv[3] == NULL);
    CHECK_EQ(parse("echo \"hello world\" x\"y z\"w"), 0);
    CHECK_EQ(args.argc, 3);
    CHECK_STR(args.argv[1], "hello world");
    CHECK_STR(args.argv[2], "xy zw");
    CHECK_EQ(parse("echo \"say \\\"hi\\\" \\\\ now\" \"\""), 0);
    CHECK_STR(args.argv[1], "say \"hi\" \\ now");
    CHECK_STR(args.argv[2], "");              /* "" is an empty argument */
    CHECK_EQ(parse("a\\b"), 0);               /* backslash outside quotes: literal */
    CHECK_STR(args.argv[0], "a\\b");
}

TEST(parse_empty_and_bad_lines)
{
    CHECK_EQ(parse(""), 0);
    CHECK_EQ(args.argc, 0);
    CHECK_EQ(parse("   \t "), 0);
    CHECK_EQ(args.argc, 0);
    CHECK_EQ(parse("echo \"open"), -EINVAL);
    CHECK_STR(error, "unterminated \"");
    CHECK_EQ(args.argc, 0);
    CHECK_EQ(parse("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"), 0);
    CHECK_EQ(args.argc, 16);
    CHECK_EQ(parse("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"), -E2BIG);
}

/* Regression (found by tests/fuzz/fuzz_line.c): with a max below 9, max - digit wrapped
 * around and parse_unsigned("5", 1) returned 5. */
TEST(parse_unsigned_refuses_a_digit_above_a_small_max)
{
    uint64_t v = 0;
    CHECK_EQ(parse_unsigned("5", 1, &v), -EINVAL);
    CHECK_EQ(parse_unsigned("1", 0, &v), -EINVAL);
    CHECK_EQ(parse_unsigned("0", 0, &v), 0);
    CHECK_EQ(v, 0);
    CHECK_EQ(parse_unsigned("7", 7, &v), 0);
    CHECK_EQ(v, 7);
    CHECK_EQ(parse_unsigned("8", 7, &v), -EINVAL);
}

TEST(parse_numbers)
{
    uint64_t v;
    CHECK_EQ(parse_unsigned("250", 1000, &v), 0);
    CHECK_EQ(v, 250);
    CHECK_EQ(parse_unsigned("1000", 1000, &v), 0);
    CHECK_EQ(parse_unsigned("1001", 1000, &v), -EINVAL);
    CHECK_EQ(parse_unsigned("", 1000, &v), -EINVAL);
    CHECK_EQ(parse_unsigned("12a", 1000, &v), -EINVAL);
    CHECK_EQ(parse_unsigned("-1", 1000, &v), -EINVAL);
    CHECK_EQ(parse_unsigned("99999999999999999999999", UINT64_MAX, &v), -EINVAL);
    CHECK_EQ(parse_unsigned("18446744073709551615", UINT64_MAX, &v), 0);
    CHECK_EQ(v, UINT64_MAX);
}
