/*
 * line.h - the line editor: one editor fed by both input sources (PS/2 key events and
 * COM1 bytes with their VT100 escape sequences), drawing on a terminal that understands
 * CR, BS, BEL, ESC[nC, ESC[nD and ESC[K (a serial terminal, and the VGA console).
 *
 *   printable     insert at the cursor          Left/Right      move
 *   Backspace     delete before the cursor      Home/End, ^A/^E start/end of line
 *   Delete        delete at the cursor          ^U              kill the whole line
 *   Up/Down       history (LINE_HISTORY lines)  ^C              abandon the line
 *   Tab           complete a command name       Enter           the line is done
 *
 * A line never grows past LINE_MAX characters: a key that would make it longer rings
 * the bell and is ignored, so the prompt and the line always fit on one 80-column row.
 * Pure: output goes through a sink, completion through a callback; host tests drive it.
 */
#ifndef LOCKSTEP_SHELL_LINE_H
#define LOCKSTEP_SHELL_LINE_H

#include "compiler.h"

#define LINE_MAX      69               /* 80 columns - "lockstep> " - the cursor */
#define LINE_HISTORY  16
#define LINE_COMPLETIONS 32            /* names Tab lists at most (then "...") */

enum line_key {
    LINE_KEY_CHAR,                     /* with a printable character */
    LINE_KEY_BACKSPACE,
    LINE_KEY_DELETE,
    LINE_KEY_LEFT,
    LINE_KEY_RIGHT,
    LINE_KEY_HOME,
    LINE_KEY_END,
    LINE_KEY_UP,
    LINE_KEY_DOWN,
    LINE_KEY_TAB,
    LINE_KEY_KILL,                     /* Ctrl+U */
    LINE_KEY_CANCEL,                   /* Ctrl+C */
    LINE_KEY_ENTER,
    LINE_KEY_NONE,                     /* nothing (a byte inside an escape sequence) */
};

enum line_escape { ESCAPE_NONE, ESCAPE_ESC, ESCAPE_CSI, ESCAPE_SS3 };

enum line_result {
    LINE_EDITING,                      /* keep feeding keys */
    LINE_DONE,                         /* Enter: the line is in editor->done */
    LINE_CANCELLED,                    /* Ctrl+C: the line was abandoned */
};

/* Completion: the command names starting with `prefix`, in order; returns how many
 * (names beyond `max` are counted but not stored). */
typedef size_t (*line_complete_fn)(const char *prefix, const char **names, size_t max);

struct line_editor {
    void (*write)(const char *text, size_t len);   /* the terminal */
    line_complete_fn complete;                     /* may be NULL */
    const char *prompt;
    char buf[LINE_MAX + 1];
    size_t len, cursor;
    char done[LINE_MAX + 1];                       /* the finished line (LINE_DONE) */
    char history[LINE_HISTORY][LINE_MAX + 1];      /* oldest overwritten first */
    size_t history_count;                          /* lines ever added */
    size_t browse;                                 /* 0: editing; n: n-th most recent */
    char saved[LINE_MAX + 1];                      /* the line being typed, while browsing */
};

/* A serial terminal's bytes on their way to keys. One per terminal, not per editor: the
 * shell's editor and a foreground program's take turns on COM1, and the LF of a CR LF
 * (or the rest of an escape sequence) may reach the other one. Zero is the start. */
struct line_serial {
    uint8_t escape_state;                          /* where in an escape sequence */
    uint8_t escape_param;                          /* its number so far */
    uint8_t last_byte;                             /* the previous byte */
    bool skip_line;                                /* after lost bytes: up to a line end */
};

/* Set up an editor. Cannot fail. */
void line_init(struct line_editor *editor, const char *prompt,
               void (*write)(const char *text, size_t len), line_complete_fn complete);

/* Print the prompt and start an empty line. */
void line_start(struct line_editor *editor);

/* Feed one key (`c` for LINE_KEY_CHAR). Never fails; bad keys ring the bell. */
enum line_result line_feed(struct line_editor *editor, enum line_key key, char c);

/* Turn one byte from a serial terminal into a key: printable characters, CR/LF (Enter),
 * DEL/BS (Backspace), TAB, ^A ^E ^U ^C, and ESC [ A B C D H F, ESC [ 1~ 3~ 4~, ESC O H F.
 * Returns LINE_KEY_NONE while a sequence is incomplete or for bytes it ignores. A byte
 * that cannot continue a sequence (a control byte, ESC included) ends it and counts as
 * itself: nothing typed is lost to a half sequence. */
enum line_key line_serial_key(struct line_serial *serial, uint8_t byte, char *c);

/* Bytes from the terminal were lost before the next one, the last of them `last_lost`
 * (the UART's ring was full). An escape sequence they cut is forgotten; unless they
 * ended with a line end, the bytes after them up to the next CR or LF are the rest of a
 * line that lost its middle, and give no keys (a Ctrl+C among them still counts), so
 * that no half line is ever joined to the next. Cannot fail. */
void line_serial_gap(struct line_serial *serial, uint8_t last_lost);

/* Abandon the line being typed without running it (its input was lost): end the row,
 * unless it is empty, and clear the line. The caller says why, then calls line_start.
 * Cannot fail. */
void line_discard(struct line_editor *editor);

/* Add a line to the history (blank lines and repeats of the last line are not). */
void line_history_add(struct line_editor *editor, const char *line);

#endif
