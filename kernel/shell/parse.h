/*
 * parse.h - splitting a command line into arguments: words separated by spaces, double
 * quotes group words ("a b" is one argument), and inside quotes \" and \\ stand for
 * themselves. Pure; the shell and host tests call it.
 */
#ifndef LOCKSTEP_SHELL_PARSE_H
#define LOCKSTEP_SHELL_PARSE_H

#include "compiler.h"

#define PARSE_MAX_ARGS 16

struct parsed_line {
    int argc;
    char *argv[PARSE_MAX_ARGS + 1];    /* argv[argc] == NULL */
};

/* Split `line` in place (quotes and separators are overwritten). Returns 0 (argc may
 * be 0 for a blank line), -E2BIG for more than PARSE_MAX_ARGS arguments, or -EINVAL
 * for an unterminated quote; `*error` then says which. */
int parse_line(char *line, struct parsed_line *out, const char **error);

#endif
