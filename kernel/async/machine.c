/*
 * machine.c - the executor's machine interface (machine.h) on x86_64.
 */
#include "machine.h"
#include "cpu.h"

uint64_t async_machine_irq_save(void)
{
    return cpu_irq_save();
}

void async_machine_irq_restore(uint64_t state)
{
    cpu_irq_restore(state);
}

void async_machine_idle(void)
{
    cpu_sti_hlt();
}


