/*
 * fuzz_line.c - libFuzzer target for the shell's input path (kernel/shell/line.c, parse.c):
 * bytes from a serial terminal -> line_serial_key -> line_feed, and every finished line
 * through parse_line, then parse_unsigned on each argument. Byte 0 of the input picks
 * parse_unsigned's `max` from a table; the rest are the terminal's bytes. Checked: the
 * editor's invariants (len <= LINE_MAX, cursor <= len) and, on a one-row terminal model
 * (as tests/unit/test_line.c keeps), that the row reads prompt + line with the cursor in
 * place after every byte; parse_line against a plain split for lines without quotes;
 * parse_unsigned against a 128-bit reference; a `~` sequence against its digits.
 */
#include "fuzz.h"
#include "errno.h"
#include "line.h"
#include "number.h"
#include "parse.h"

#define PROMPT "lockstep> "
#define ROW 512

/* ---- the terminal: one row, and what the editor may write on it ---- */
static char row[ROW];
static size_t column;

static void term_write(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '\r') {
            column = 0;
        } else if (c == '\n') {
            memset(row, ' ', sizeof(row));
            column = 0;
        } else if (c == '\a') {
            continue;
        } else if (c == '\033') {
            /* The editor writes only ESC [ n C, ESC [ n D and ESC [ K, each in one call. */
            FUZZ_CHECK(i + 2 < len && text[i + 1] == '[');
            size_t j = i + 2, n = 0;
            while (j < len && text[j] >= '0' && text[j] <= '9')
                n = n * 10 + (size_t)(text[j++] - '0');
            FUZZ_CHECK(j < len);
            if (n == 0)
                n = 1;
            switch (text[j]) {
            case 'C': column += n; break;
            case 'D': column = column > n ? column - n : 0; break;
            case 'K':
                if (column < ROW)
                    memset(row + column, ' ', ROW - column);
                break;
            default: FUZZ_CHECK(!"unexpected escape sequence from the editor");
            }
            i = j;
        } else {
            FUZZ_CHECK((unsigned char)c >= ' ' && (unsigned char)c < 0x7f);
            if (column < ROW)
                row[column] = c;                /* long completion lists run off the row */
            column++;
        }
    }
}

/* Completion over a table with more names sharing "x" than LINE_COMPLETIONS, names whose
 * common prefix is longer than what was typed ("tr" -> "trace"), and one name longer
 * than a line. */
static size_t complete(const char *prefix, const char **names, size_t max)
{
    static const char *const fixed[] = {
        "help", "history", "echo", "trace", "tasks", "cat", "clear", "run", "reboot",
        "sleep", "syscalls", "trace-on", "trace-off",
        "a-command-name-longer-than-the-sixty-nine-characters-that-one-line-may-hold",
    };
    static char numbered[40][4];
    size_t n = 0, want = strlen(prefix);
    for (size_t i = 0; i < ARRAY_SIZE(fixed) + ARRAY_SIZE(numbered); i++) {
        const char *name = fixed[0];
        if (i < ARRAY_SIZE(fixed)) {
            name = fixed[i];
        } else {
            char *slot = numbered[i - ARRAY_SIZE(fixed)];
            snprintf(slot, sizeof(numbered[0]), "x%02zu", i - ARRAY_SIZE(fixed));
            name = slot;
        }
        if (strncmp(name, prefix, want) == 0) {
            if (n < max)
                names[n] = name;
            n++;
        }
    }
    return n;
}

static struct line_editor ed;

static void check_editor(void)
{
    FUZZ_CHECK(ed.len <= LINE_MAX);
    FUZZ_CHECK(ed.cursor <= ed.len);
    FUZZ_CHECK(strnlen(ed.buf, sizeof(ed.buf)) == ed.len);
    size_t kept = ed.history_count < LINE_HISTORY ? ed.history_count : LINE_HISTORY;
    FUZZ_CHECK(ed.browse <= kept);
}

/* The row must show the prompt and the line, nothing after it, the cursor in place. */
static void check_screen(void)
{
    size_t p = strlen(PROMPT);
    FUZZ_CHECK(memcmp(row, PROMPT, p) == 0);
    FUZZ_CHECK(memcmp(row + p, ed.buf, ed.len) == 0);
    for (size_t i = p + ed.len; i < 128; i++)  /* (past 80 columns only lists go) */
        FUZZ_CHECK(row[i] == ' ');
    FUZZ_CHECK(column == p + ed.cursor);
    FUZZ_CHECK(column < 80);                    /* prompt and line fit one row */
}

/* parse_unsigned's reference: all digits, at least one, value <= max (128-bit sums). */
static int reference_unsigned(const char *text, uint64_t max, uint64_t *value)
{
    unsigned __int128 v = 0;
    if (!*text)
        return -EINVAL;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        v = v * 10 + (unsigned)(*p - '0');
        if (v > max)
            return -EINVAL;
    }
    *value = (uint64_t)v;
    return 0;
}

static void check_parse(const char *line, uint64_t max)
{
    size_t n = strlen(line);
    char *copy = fuzz_copy(line, n + 1);
    struct parsed_line out;
    const char *error = "unset";
    int rc = parse_line(copy, &out, &error);
    bool quotes = memchr(line, '"', n) != NULL;
    if (rc == 0) {
        FUZZ_CHECK(error == NULL);
        FUZZ_CHECK(out.argc >= 0 && out.argc <= PARSE_MAX_ARGS && out.argv[out.argc] == NULL);
        for (int i = 0; i < out.argc; i++) {
            FUZZ_CHECK(out.argv[i] >= copy && out.argv[i] <= copy + n);
            FUZZ_CHECK(out.argv[i] + strlen(out.argv[i]) <= copy + n);
        }
    } else {
        FUZZ_CHECK(rc == -E2BIG || (rc == -EINVAL && quotes));
        FUZZ_CHECK(error != NULL && error[0] != '\0');
        if (rc == -EINVAL)
            FUZZ_CHECK(out.argc == 0 && out.argv[0] == NULL);
    }
    if (!quotes) {                              /* then it is a plain split on blanks */
        int words = 0;
        const char *p = line;
        for (;;) {
            while (*p == ' ' || *p == '\t')
                p++;
            if (!*p)
                break;
            size_t w = 0;
            while (p[w] && p[w] != ' ' && p[w] != '\t')
                w++;
            if (words < PARSE_MAX_ARGS && rc == 0)
                FUZZ_CHECK(strlen(out.argv[words]) == w && memcmp(out.argv[words], p, w) == 0);
            words++;
            p += w;
        }
        FUZZ_CHECK(words > PARSE_MAX_ARGS ? rc == -E2BIG : rc == 0 && out.argc == words);
    }
    for (int i = 0; rc == 0 && i < out.argc; i++) {
        uint64_t got = 0, want = 0;
        int got_rc = parse_unsigned(out.argv[i], max, &got);
        int want_rc = reference_unsigned(out.argv[i], max, &want);
        FUZZ_CHECK(got_rc == want_rc);
        FUZZ_CHECK(got_rc != 0 || got == want);
    }
    free(copy);
}

/* ---- since the last ESC: the byte after it and the digits, for `~` sequences ---- */
static size_t since_escape;
static uint8_t after_escape;
static uint64_t digits;                         /* saturates far above any key's number */

static void remember(uint8_t byte)
{
    if (byte == 0x1b) {
        since_escape = 0;
        digits = 0;
    } else if (since_escape == 1) {
        after_escape = byte;
    } else if (byte >= '0' && byte <= '9') {
        digits = digits > 100000 ? digits : digits * 10 + (uint64_t)(byte - '0');
    }
    since_escape++;
}

/* ESC [ digits ... ~ names Home (1, 7), Delete (3) or End (4, 8), nothing else. */
static void check_tilde_key(enum line_key key)
{
    FUZZ_CHECK(since_escape >= 3 && after_escape == '[');
    if (key == LINE_KEY_HOME)
        FUZZ_CHECK(digits == 1 || digits == 7);
    else if (key == LINE_KEY_DELETE)
        FUZZ_CHECK(digits == 3);
    else if (key == LINE_KEY_END)
        FUZZ_CHECK(digits == 4 || digits == 8);
    else
        FUZZ_CHECK(key == LINE_KEY_NONE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint64_t maxima[] = { 0, 1, 7, 9, 10, 99, 1000, 60000, 3600000,
                                       UINT64_MAX - 1, UINT64_MAX };
    if (size == 0)
        return 0;
    uint64_t max = maxima[data[0] % ARRAY_SIZE(maxima)];
    memset(row, ' ', sizeof(row));
    column = 0;
    since_escape = 0;
    digits = 0;
    line_init(&ed, PROMPT, term_write, complete);
    line_start(&ed);
    struct line_serial ser = { 0 };
    for (size_t i = 1; i < size; i++) {
        char c = 0;
        uint8_t escape_state = ser.escape_state;
        remember(data[i]);
        enum line_key key = line_serial_key(&ser, data[i], &c);
        if (escape_state == ESCAPE_CSI && data[i] == '~')
            check_tilde_key(key);
        enum line_result r = line_feed(&ed, key, c);
        check_editor();
        if (r == LINE_DONE) {
            FUZZ_CHECK(column == 0 && ed.len == 0);
            FUZZ_CHECK(strnlen(ed.done, sizeof(ed.done)) <= LINE_MAX);
            for (size_t h = 0; h < LINE_HISTORY; h++)
                FUZZ_CHECK(strnlen(ed.history[h], sizeof(ed.history[h])) <= LINE_MAX);
            check_parse(ed.done, max);
            line_start(&ed);
        } else if (r == LINE_CANCELLED) {
            FUZZ_CHECK(column == 0 && ed.len == 0);
            line_start(&ed);
        }
        check_screen();
    }
    return 0;
}
