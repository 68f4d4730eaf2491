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

int parse_unsigned(const char *text, uint64_t max, uint64_t *value)
{
    uint64_t v = 0;
    if (!text || !*text)
        return -EINVAL;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        unsigned digit = (unsigned)(*p - '0');
        if (digit > max || v > (max - digit) / 10)     /* max - digit must not wrap */
            return -EINVAL;
        v = v * 10 + digit;
    }
    *value = v;
    return 0;
}
