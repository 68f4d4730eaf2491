/*
 * vga.c - the VGA text console (vga.h). The cursor position is where the next character
 * goes; writing past the last column wraps, and a newline on the last row scrolls the
 * screen up one line and blanks the bottom row. Control characters behave as on a
 * serial terminal (BS moves left without erasing; "\b \b" erases), so the same bytes
 * look the same on both consoles. The hardware cursor is moved through the
 * CRT controller's cursor location registers (VGA CRTC index 0x0e/0x0f).
 */
#include "vga.h"
#include "cpu.h"
#include "layout.h"

enum vga_crtc_port {
    CRTC_INDEX = 0x3d4,
    CRTC_DATA = 0x3d5,
};

#define CRTC_CURSOR_HIGH  0x0e
#define CRTC_CURSOR_LOW   0x0f

#define DEFAULT_ATTRIBUTE (VGA_BLACK << 4 | VGA_LIGHT_GREY)

struct vga vga_screen;

/* ANSI colour order (black red green yellow blue magenta cyan white) in VGA numbers. */
static const uint8_t ansi_to_vga[8] = {
    VGA_BLACK, VGA_RED, VGA_GREEN, VGA_BROWN, VGA_BLUE, VGA_MAGENTA, VGA_CYAN, VGA_LIGHT_GREY,
};

static void move_hardware_cursor(struct vga *vga)
{
    if (!vga->hardware_cursor)
        return;
    uint16_t position = (uint16_t)(vga->row * VGA_COLUMNS + vga->column);
    outb(CRTC_INDEX, CRTC_CURSOR_HIGH);
    outb(CRTC_DATA, (uint8_t)(position >> 8));
    outb(CRTC_INDEX, CRTC_CURSOR_LOW);
    outb(CRTC_DATA, (uint8_t)position);
}

static uint16_t blank(const struct vga *vga)
{
    return (uint16_t)(' ' | vga->attribute << 8);
}

void vga_clear(struct vga *vga)
{
    for (unsigned i = 0; i < VGA_ROWS * VGA_COLUMNS; i++)
        vga->cells[i] = blank(vga);
    vga->row = vga->column = 0;
    move_hardware_cursor(vga);
}

void vga_init(struct vga *vga, volatile uint16_t *cells, bool hardware_cursor)
{
    vga->cells = cells;
    vga->hardware_cursor = hardware_cursor;
    vga->attribute = DEFAULT_ATTRIBUTE;
    vga->escape = 0;
    vga_clear(vga);
}


static void scroll(struct vga *vga)
{
    for (unsigned i = 0; i < (VGA_ROWS - 1) * VGA_COLUMNS; i++)
        vga->cells[i] = vga->cells[i + VGA_COLUMNS];
    for (unsigned i = (VGA_ROWS - 1) * VGA_COLUMNS; i < VGA_ROWS * VGA_COLUMNS; i++)
        vga->cells[i] = blank(vga);
}

static void newline(struct vga *vga)
{
    vga->column = 0;
    if (vga->row + 1 < VGA_ROWS)
        vga->row++;
    else
        scroll(vga);
}

static void apply_sgr(struct vga *vga)
{
    if (vga->param_count == 0)
        vga->params[vga->param_count++] = 0;
    for (unsigned i = 0; i < vga->param_count; i++) {
        unsigned p = vga->params[i];
        uint8_t fg = vga->attribute & 0x0f, bg = vga->attribute >> 4;
        if (p == 0) {
            fg = DEFAULT_ATTRIBUTE & 0x0f;
            bg = DEFAULT_ATTRIBUTE >> 4;
        } else if (p == 1) {
            fg |= 0x08;                                /* bold: the bright colour */
        } else if (p >= 30 && p <= 37) {
            fg = (uint8_t)((fg & 0x08) | ansi_to_vga[p - 30]);
        } else if (p >= 40 && p <= 47) {
            bg = ansi_to_vga[p - 40];
        }
        vga->attribute = (uint8_t)(bg << 4 | fg);
    }
}

/* The CSI sequences a line editor and `clear` need (ECMA-48): m colours, K erase to the
 * end of the row, C/D cursor right/left by n, H home, 2J clear. Others are ignored. */
static void apply_csi(struct vga *vga, char final)
{
    unsigned n = vga->param_count && vga->params[0] ? vga->params[0] : 1;
    switch (final) {
    case 'm':
        apply_sgr(vga);
        break;
    case 'K':
        for (unsigned col = vga->column; col < VGA_COLUMNS; col++)
            vga->cells[vga->row * VGA_COLUMNS + col] = blank(vga);
        break;
    case 'C':
        vga->column = vga->column + n < VGA_COLUMNS ? vga->column + n : VGA_COLUMNS - 1;
        break;
    case 'D':
        vga->column = vga->column > n ? vga->column - n : 0;
        break;
    case 'H':
        vga->row = vga->column = 0;
        break;
    case 'J':
        if (vga->param_count && vga->params[0] == 2) {
            unsigned row = vga->row, column = vga->column;
            vga_clear(vga);
            vga->row = row;
            vga->column = column;
        }
        break;
    default:
        break;
    }
}

/* Returns true if `c` was consumed by an escape sequence. */
static bool escape_sequence(struct vga *vga, char c)
{
    if (vga->escape == 0) {
        if (c != '\033')
            return false;
        vga->escape = 1;
        return true;
    }
    if (vga->escape == 1) {
        vga->escape = c == '[' ? 2 : 0;
        vga->param_count = 0;
        vga->params[0] = 0;
        return true;
    }
    if (c >= '0' && c <= '9') {
        if (vga->param_count == 0)
            vga->param_count = 1;
        unsigned *p = &vga->params[vga->param_count - 1];
        if (*p < 1000)
            *p = *p * 10 + (unsigned)(c - '0');
    } else if (c == ';') {
        if (vga->param_count == 0)
            vga->param_count = 1;
        if (vga->param_count < ARRAY_SIZE(vga->params))
            vga->params[vga->param_count++] = 0;
    } else {
        apply_csi(vga, c);
        vga->escape = 0;
    }
    return true;
}

static void put(struct vga *vga, char c)
{
    if (escape_sequence(vga, c))
        return;
    switch (c) {
    case '\n':
        newline(vga);
        break;
    case '\r':
        vga->column = 0;
        break;
    case '\t':
        do {
            put(vga, ' ');
        } while (vga->column % 8 != 0);
        break;
    case '\b':                                      /* as a terminal: move, not erase */
        if (vga->column > 0)
            vga->column--;
        break;
    default:
        if ((unsigned char)c < ' ')
            break;                                     /* other controls: ignored */
        vga->cells[vga->row * VGA_COLUMNS + vga->column] =
            (uint16_t)((uint8_t)c | vga->attribute << 8);
        if (++vga->column == VGA_COLUMNS)
            newline(vga);
        break;
    }
}

void vga_write(struct vga *vga, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        put(vga, text[i]);
    move_hardware_cursor(vga);
}

static void vga_console_write(struct console *console, const char *text, size_t len)
{
    struct vga *vga = (struct vga *)((char *)console - offsetof(struct vga, console));
    vga_write(vga, text, len);
}

int vga_console_init(void)
{
    vga_init(&vga_screen, phys_to_virt(VGA_TEXT_PHYS), true);
    vga_screen.console.name = "vga";
    vga_screen.console.write = vga_console_write;
    return console_register(&vga_screen.console);
}
