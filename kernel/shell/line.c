/*
 * line.c - the line editor (line.h). After any change that is not a plain append, the
 * line is redrawn from the start of the row: CR, prompt, text, ESC[K (erase the rest),
 * then ESC[nD to put the cursor back. One rule for every edit, exact on both consoles.
 */
#include "line.h"
#include "format.h"
#include "string.h"    /* memcpy memmove memset strlen strcmp: in the host C library too */

#define BELL "\a"

/* Copy a string of at most LINE_MAX characters (longer ones are cut). */
static size_t copy_line(char *dst, const char *src)
{
    size_t n = 0;
    while (src[n] && n < LINE_MAX) {
        dst[n] = src[n];
        n++;
    }
    dst[n] = '\0';
    return n;
}

static void out(struct line_editor *e, const char *text)
{
    e->write(text, strlen(text));
}

static void redraw(struct line_editor *e)
{
    out(e, "\r");
    out(e, e->prompt);
    e->write(e->buf, e->len);
    out(e, "\033[K");
    if (e->cursor < e->len) {
        char move[16];
        ksnprintf(move, sizeof(move), "\033[%uD", (unsigned)(e->len - e->cursor));
        out(e, move);
    }
}

void line_init(struct line_editor *e, const char *prompt,
               void (*write)(const char *text, size_t len), line_complete_fn complete)
{
    memset(e, 0, sizeof(*e));
    e->prompt = prompt;
    e->write = write;
    e->complete = complete;
}

static void clear_line(struct line_editor *e)
{
    e->len = e->cursor = 0;
    e->buf[0] = '\0';
    e->browse = 0;
}

void line_start(struct line_editor *e)
{
    clear_line(e);
    out(e, e->prompt);
}

void line_history_add(struct line_editor *e, const char *line)
{
    if (!line[0])
        return;
    if (e->history_count &&
        strcmp(e->history[(e->history_count - 1) % LINE_HISTORY], line) == 0)
        return;
    copy_line(e->history[e->history_count % LINE_HISTORY], line);
    e->history_count++;
}

static void set_line(struct line_editor *e, const char *text)
{
    e->len = copy_line(e->buf, text);
    e->cursor = e->len;
    redraw(e);
}

static void history_move(struct line_editor *e, bool older)
{
    size_t available = e->history_count < LINE_HISTORY ? e->history_count : LINE_HISTORY;
    if (older && e->browse == available) {
        out(e, BELL);
        return;
    }
    if (!older && e->browse == 0) {
        out(e, BELL);
        return;
    }
    if (e->browse == 0)
        copy_line(e->saved, e->buf);
    e->browse += older ? 1 : (size_t)-1;
    if (e->browse == 0)
        set_line(e, e->saved);
    else
        set_line(e, e->history[(e->history_count - e->browse) % LINE_HISTORY]);
}

static void insert(struct line_editor *e, const char *text, size_t n)
{
    if (e->len + n > LINE_MAX) {
        out(e, BELL);                  /* refused: the line would not fit */
        return;
    }
    memmove(e->buf + e->cursor + n, e->buf + e->cursor, e->len - e->cursor);
    memcpy(e->buf + e->cursor, text, n);
    e->len += n;
    e->buf[e->len] = '\0';
    bool append = e->cursor + n == e->len;
    e->cursor += n;
    if (append)
        e->write(text, n);             /* the common case: just echo it */
    else
        redraw(e);
}

static void complete(struct line_editor *e)
{
    bool first_word = true;
    for (size_t i = 0; i < e->len; i++)
        first_word = first_word && e->buf[i] != ' ';
    if (!e->complete || !first_word || e->cursor != e->len) {
        out(e, BELL);                  /* only a command name at the end completes */
        return;
    }
    const char *names[LINE_COMPLETIONS];
    size_t n = e->complete(e->buf, names, ARRAY_SIZE(names));
    if (n == 0) {
        out(e, BELL);
    } else if (n == 1) {
        size_t have = e->len, want = strlen(names[0]);
        insert(e, names[0] + have, want - have);
        insert(e, " ", 1);
    } else {
        size_t common = strlen(names[0]);            /* longest common prefix */
        for (size_t i = 1; i < n && i < ARRAY_SIZE(names); i++) {
            size_t k = 0;
            while (k < common && names[i][k] == names[0][k])
                k++;
            common = k;
        }
        if (common > e->len) {
            insert(e, names[0] + e->len, common - e->len);
            return;
        }
        out(e, "\n");
        for (size_t i = 0; i < n && i < ARRAY_SIZE(names); i++) {
            out(e, names[i]);
            out(e, "  ");
        }
        if (n > ARRAY_SIZE(names))
            out(e, "...");                 /* more than fit: type more letters */
        out(e, "\n");
        redraw(e);
    }
}

enum line_result line_feed(struct line_editor *e, enum line_key key, char c)
{
    switch (key) {
    case LINE_KEY_CHAR:
        if ((unsigned char)c >= ' ' && (unsigned char)c < 0x7f)
            insert(e, &c, 1);
        else
            out(e, BELL);
        break;
    case LINE_KEY_BACKSPACE:
        if (e->cursor == 0) {
            out(e, BELL);
            break;
        }
        memmove(e->buf + e->cursor - 1, e->buf + e->cursor, e->len - e->cursor + 1);
        e->cursor--;
        e->len--;
        redraw(e);
        break;
    case LINE_KEY_DELETE:
        if (e->cursor == e->len) {
            out(e, BELL);
            break;
        }
        memmove(e->buf + e->cursor, e->buf + e->cursor + 1, e->len - e->cursor);
        e->len--;
        redraw(e);
        break;
    case LINE_KEY_LEFT:
        if (e->cursor == 0) {
            out(e, BELL);
        } else {
            e->cursor--;
            out(e, "\033[D");
        }
        break;
    case LINE_KEY_RIGHT:
        if (e->cursor == e->len) {
            out(e, BELL);
        } else {
            e->cursor++;
            out(e, "\033[C");
        }
        break;
    case LINE_KEY_HOME:
        e->cursor = 0;
        redraw(e);
        break;
    case LINE_KEY_END:
        e->cursor = e->len;
        redraw(e);
        break;
    case LINE_KEY_UP:
        history_move(e, true);
        break;
    case LINE_KEY_DOWN:
        history_move(e, false);
        break;
    case LINE_KEY_TAB:
        complete(e);
        break;
    case LINE_KEY_KILL:
        e->len = e->cursor = 0;
        e->buf[0] = '\0';
        redraw(e);
        break;
    case LINE_KEY_CANCEL:
        out(e, "^C\n");
        e->len = e->cursor = 0;
        e->buf[0] = '\0';
        return LINE_CANCELLED;
    case LINE_KEY_ENTER:
        out(e, "\n");
        memcpy(e->done, e->buf, e->len + 1);
        line_history_add(e, e->done);
        clear_line(e);
        return LINE_DONE;
    case LINE_KEY_NONE:
        break;
    }
    return LINE_EDITING;
}

/* A complete escape sequence: ESC [ <param> <final> or ESC O <final>. */
static enum line_key escape_key(uint8_t param, uint8_t final)
{
    switch (final) {
    case 'A': return LINE_KEY_UP;
    case 'B': return LINE_KEY_DOWN;
    case 'C': return LINE_KEY_RIGHT;
    case 'D': return LINE_KEY_LEFT;
    case 'H': return LINE_KEY_HOME;
    case 'F': return LINE_KEY_END;
    case '~':
        switch (param) {
        case 1: case 7: return LINE_KEY_HOME;
        case 3:         return LINE_KEY_DELETE;
        case 4: case 8: return LINE_KEY_END;
        default:        return LINE_KEY_NONE;
        }
    default:
        return LINE_KEY_NONE;
    }
}

/*
 * A sequence goes on only with the bytes ECMA-48 (5.4) allows in it: after ESC, '[' or
 * 'O'; after ESC O, one final byte (0x40-0x7e); after ESC [, parameter and intermediate
 * bytes (0x20-0x3f) up to a final byte. Any other byte breaks it off and then counts as
 * itself, so a lone Escape key never swallows the Enter or Ctrl+C typed after it, and an
 * ESC starts a new sequence (ESC ESC [ A is Up).
 */
enum line_key line_serial_key(struct line_serial *s, uint8_t byte, char *c)
{
    bool after_cr = s->last_byte == '\r';
    s->last_byte = byte;
    if (s->skip_line) {                            /* the rest of a line cut by a gap */
        if (byte == '\r' || byte == '\n') {
            s->skip_line = false;
            return LINE_KEY_NONE;
        }
        if (byte != 0x03)
            return LINE_KEY_NONE;
        s->skip_line = false;                      /* Ctrl+C: abandon it as ever */
    }
    switch (s->escape_state) {
    case ESCAPE_ESC:                               /* after ESC */
        if (byte == '[' || byte == 'O') {
            s->escape_state = byte == '[' ? ESCAPE_CSI : ESCAPE_SS3;
            s->escape_param = 0;
            return LINE_KEY_NONE;
        }
        break;
    case ESCAPE_SS3:                               /* ESC O final */
        if (byte >= 0x40 && byte <= 0x7e) {
            s->escape_state = ESCAPE_NONE;
            return escape_key(0, byte);
        }
        break;
    case ESCAPE_CSI:                               /* ESC [ digits ; ... final */
        if (byte >= '0' && byte <= '9') {
            if (s->escape_param < 25)              /* so that it stays below 255 */
                s->escape_param = (uint8_t)(s->escape_param * 10 + (byte - '0'));
            else
                s->escape_param = 255;             /* absurd: matches nothing */
            return LINE_KEY_NONE;
        }
        if (byte >= 0x40 && byte <= 0x7e) {       /* the final byte ends any sequence */
            s->escape_state = ESCAPE_NONE;
            return escape_key(s->escape_param, byte);
        }
        if (byte >= 0x20 && byte <= 0x3f)
            return LINE_KEY_NONE;                  /* ';' and the other intermediates */
        break;
    default:
        break;
    }
    s->escape_state = ESCAPE_NONE;                 /* none, or broken off: as itself */
    *c = (char)byte;
    switch (byte) {
    case 0x1b:
        s->escape_state = ESCAPE_ESC;
        return LINE_KEY_NONE;
    case '\r':
        return LINE_KEY_ENTER;
    case '\n':
        return after_cr ? LINE_KEY_NONE : LINE_KEY_ENTER;   /* CR LF is one Enter */
    case 0x7f:
    case '\b':
        return LINE_KEY_BACKSPACE;
    case '\t':
        return LINE_KEY_TAB;
    case 0x01:
        return LINE_KEY_HOME;
    case 0x05:
        return LINE_KEY_END;
    case 0x15:
        return LINE_KEY_KILL;
    case 0x03:
        return LINE_KEY_CANCEL;
    default:
        return byte >= ' ' && byte < 0x7f ? LINE_KEY_CHAR : LINE_KEY_NONE;
    }
}

void line_serial_gap(struct line_serial *s, uint8_t last_lost)
{
    s->escape_state = ESCAPE_NONE;
    s->last_byte = last_lost;                      /* a lost CR still pairs with its LF */
    s->skip_line = last_lost != '\r' && last_lost != '\n';
}

void line_discard(struct line_editor *e)
{
    if (e->len || e->prompt[0])
        out(e, "\n");
    clear_line(e);
}
