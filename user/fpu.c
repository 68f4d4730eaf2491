/*
 * fpu.c - `fpu` or `fpu mmx`: the x87 FPU and MMX in ring 3. The kernel saves no FPU
 * state between programs, so it keeps the FPU off (CR0.EM, SDM Vol.3A 2.5 and 9.2):
 * `fld1` raises #NM, and an MMX instruction #UD (SDM Vol.3A 12.1; `movq` to mm3 here:
 * QEMU 7.2 lets `emms` run with CR0.EM set). Otherwise one program could read what
 * another left in the x87 or MMX registers.
 * Expected: "fpu: executing fld1\n" (or the movq), then the kernel's report and the
 * program killed. Exit code 1 if it ever gets past.
 */
#include "ulib.h"
#include "string.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "mmx") == 0) {
        print("fpu: executing movq %rax, %mm3\n");
        __asm__ volatile("movq %%rax, %%mm3" ::: "memory");
    } else {
        print("fpu: executing fld1\n");
        __asm__ volatile("fld1" ::: "memory");
    }
    print("fpu: it executed: the kernel left the FPU on\n");
    return 1;
}
