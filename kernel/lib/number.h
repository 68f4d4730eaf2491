/*
 * number.h - decimal numbers typed by people: the shell's command arguments and the user
 * programs' (user/lib/ulib.c builds number.c again with the user flags, as it does
 * string.c), so both refuse the same things the same way. Pure; cannot fault.
 */
#ifndef LOCKSTEP_LIB_NUMBER_H
#define LOCKSTEP_LIB_NUMBER_H

#include "compiler.h"

/* The decimal number `text`, all of it: digits only, at least one, the value at most
 * `max` (however many digits it takes to exceed it). Returns 0 and *value, or -EINVAL
 * (nothing stored). */
int parse_unsigned(const char *text, uint64_t max, uint64_t *value);

#endif
