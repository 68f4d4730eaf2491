/*
 * parse.c - command-line splitting (parse.h). One pass: `read` walks the input, `write`
 * compacts each argument in place (it never overtakes `read`, so no copy is needed).
 */
#include "parse.h"
#include "errno.h"

int parse_line(char *line, struct parsed_line *out, const char **error)
{
    char *read = line, *write = line;
    out->argc = 0;
    out->argv[0] = NULL;
    *error = NULL;
    for (;;) {
        while (*read == ' ' || *read == '\t')
            read++;
        if (!*read)
            break;
        if (out->argc == PARSE_MAX_ARGS) {
            *error = "too many arguments (at most 16)";
            return -E2BIG;
        }
        out->argv[out->argc++] = write;
        bool quoted = false;
        for (; *read && (quoted || (*read != ' ' && *read != '\t')); read++) {
            if (*read == '"') {
                quoted = !quoted;
            } else if (quoted && *read == '\\' && (read[1] == '"' || read[1] == '\\')) {
                *write++ = *++read;
            } else {
                *write++ = *read;
            }
        }
        if (quoted) {
            *error = "unterminated \"";
            out->argc = 0;
            out->argv[0] = NULL;
            return -EINVAL;
        }
        if (*read)
            read++;                    /* the separator */
        *write++ = '\0';
    }
    out->argv[out->argc] = NULL;
    return 0;
}
