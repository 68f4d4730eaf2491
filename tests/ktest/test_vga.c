/*
 * test_vga.c - the VGA console driver on a cell buffer of our own: placement, wrap,
 * scrolling, backspace, tabs and ANSI colours. The same code drives the real screen.
 */
#include "ktest.h"
#include "string.h"
#include "vga.h"

static uint16_t cells[VGA_ROWS * VGA_COLUMNS];
static struct vga vga;

static char char_at(unsigned row, unsigned column)
{
    return (char)(cells[row * VGA_COLUMNS + column] & 0xff);
}

static void write(const char *text)
{
    vga_write(&vga, text, strlen(text));
}

KTEST(vga_writes_and_wraps)
{
    vga_init(&vga, cells, false);
    write("ab\ncd");
    KCHECK_EQ(char_at(0, 0), 'a');
    KCHECK_EQ(char_at(1, 1), 'd');
    KCHECK_EQ(vga.row, 1);
    KCHECK_EQ(vga.column, 2);
    for (unsigned i = 0; i < VGA_COLUMNS; i++)
        write("x");
    KCHECK_EQ(vga.row, 2);                          /* wrapped onto the next row */
    KCHECK_EQ(vga.column, 2);
}

KTEST(vga_scrolls_up_one_line)
{
    vga_init(&vga, cells, false);
    char line[16];
    for (unsigned i = 0; i < VGA_ROWS + 3; i++) {
        ksnprintf(line, sizeof(line), "line%02u\n", i);
        write(line);
    }
    /* 28 lines and a final newline: rows 0..23 hold lines 4..27, row 24 is blank. */
    KCHECK_EQ(char_at(0, 4), '0');
    KCHECK_EQ(char_at(0, 5), '4');
    KCHECK_EQ(char_at(23, 4), '2');
    KCHECK_EQ(char_at(23, 5), '7');
    KCHECK_EQ(char_at(24, 0), ' ');
    KCHECK_EQ(vga.row, VGA_ROWS - 1);
    KCHECK_EQ(vga.column, 0);
}

KTEST(vga_backspace_tab_and_colour)
{
    vga_init(&vga, cells, false);
    write("abc\b\bX");
    KCHECK_EQ(char_at(0, 1), 'X');
    KCHECK_EQ(char_at(0, 2), 'c');                  /* backspace moves, as a terminal */
    write("\b \b");                                 /* ...and this is how one erases */
    KCHECK_EQ(char_at(0, 1), ' ');
    KCHECK_EQ(vga.column, 1);
    write("bc");
    write("\tY");
    KCHECK_EQ(char_at(0, 8), 'Y');
    write("\033[31mR\033[0mN");
    KCHECK_EQ(cells[9], vga_cell('R', VGA_RED, VGA_BLACK));
    KCHECK_EQ(cells[10], vga_cell('N', VGA_LIGHT_GREY, VGA_BLACK));
}

KTEST(vga_cursor_moves_and_erase)
{
    vga_init(&vga, cells, false);
    write("lockstep> hello world");
    write("\033[5D");                               /* cursor left 5: before "world" */
    KCHECK_EQ(vga.column, 16);
    write("\033[K");                                /* erase to the end of the row */
    KCHECK_EQ(char_at(0, 15), ' ');
    KCHECK_EQ(char_at(0, 16), ' ');
    KCHECK_EQ(char_at(0, 14), 'o');
    write("\033[2C\033[99D");                       /* right 2, then left to column 0 */
    KCHECK_EQ(vga.column, 0);
    write("\033[2J\033[H");                         /* clear */
    KCHECK_EQ(char_at(0, 0), ' ');
    KCHECK_EQ(vga.row, 0);
}
