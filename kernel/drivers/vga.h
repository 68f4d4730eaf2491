/*
 * vga.h - VGA text-mode console: 80x25 cells of (character, attribute) at 0xb8000,
 * colours, scrolling, backspace, the hardware cursor, and translation of the ANSI
 * sequences kprintf text and the line editor use (colours, cursor moves, erase). The same code drives any cell buffer, so
 * tests can run it on memory of their own with the hardware cursor off.
 * Not reentrant: one writer at a time (kprintf callers; IRQs may interleave lines).
 */
#ifndef LOCKSTEP_DRIVERS_VGA_H
#define LOCKSTEP_DRIVERS_VGA_H

#include "compiler.h"
#include "kprintf.h"

#define VGA_COLUMNS 80
#define VGA_ROWS    25
#define VGA_TEXT_PHYS 0xb8000

enum vga_color {
    VGA_BLACK, VGA_BLUE, VGA_GREEN, VGA_CYAN, VGA_RED, VGA_MAGENTA, VGA_BROWN,
    VGA_LIGHT_GREY, VGA_DARK_GREY, VGA_LIGHT_BLUE, VGA_LIGHT_GREEN, VGA_LIGHT_CYAN,
    VGA_LIGHT_RED, VGA_LIGHT_MAGENTA, VGA_YELLOW, VGA_WHITE,
};

struct vga {
    volatile uint16_t *cells;       /* VGA_ROWS * VGA_COLUMNS */
    bool hardware_cursor;           /* move the CRTC cursor (the real screen only) */
    unsigned row, column;
    uint8_t attribute;              /* background << 4 | foreground */
    int escape;                     /* ANSI parser: 0 none, 1 after ESC, 2 in CSI */
    unsigned params[4];
    unsigned param_count;
    struct console console;
};

/* A cell value: character with colours. Pure. */
static inline uint16_t vga_cell(char c, enum vga_color fg, enum vga_color bg)
{
    return (uint16_t)(uint8_t)c | (uint16_t)((bg << 4 | fg) << 8);
}

/* Set up `vga` over `cells`, clear it, home the cursor. Cannot fail. */
void vga_init(struct vga *vga, volatile uint16_t *cells, bool hardware_cursor);
void vga_clear(struct vga *vga);
/* Write text: printable characters, \n, \r, \t, \b (moves left), and the CSI sequences
 * m (colours), K (erase to end of row), C and D (cursor right, left), H (home), 2J. */
void vga_write(struct vga *vga, const char *text, size_t len);

/* Initialise the real screen and register it as a kprintf console. Returns 0 or
 * kprintf's error. */
int vga_console_init(void);

extern struct vga vga_screen;

#endif
