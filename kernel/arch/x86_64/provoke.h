/*
 * provoke.h - CPU exceptions on purpose: the shell's `fault` command and the in-kernel
 * tests raise them through these, so both exercise the same code. Each is out of line
 * and works on volatile data, so gcc can neither fold the fault away nor drop it.
 */
#ifndef LOCKSTEP_ARCH_PROVOKE_H
#define LOCKSTEP_ARCH_PROVOKE_H

#include "compiler.h"

/* a / b: #DE (vector 0) when b is 0. */
int provoke_divide(volatile int a, volatile int b);

/* Recurse with 256 live bytes per frame until the stack runs out: #PF on the guard
 * page below it, which becomes #DF (the #PF handler has no stack to run on either). */
uint64_t provoke_recursion(uint64_t depth);

#endif
