/*
 * number.c - decimal numbers typed by people (number.h): the shell's arguments and, built
 * again with the user flags, the user programs'. The overflow check never computes a
 * value above `max`, so it holds up to UINT64_MAX itself.
 */
#include "number.h"
#include "errno.h"

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
