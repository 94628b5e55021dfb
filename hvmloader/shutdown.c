/*
 * Leaving the guest for good.  The port writes are hvmtool's guest I/O ABI;
 * on Xen without a device model nothing listens there, so each path ends in
 * a cli/hlt loop, which the platforms treat as a dead vCPU.
 */
#include "util.h"

#define PM1A_CNT_PORT 0x604
#define PM1_SLP_EN 0x2000 /* SLP_TYP 0 = S5 in our DSDT */
#define PVPANIC_PORT 0x505
#define PVPANIC_PANICKED 0x01

static void __attribute__((noreturn)) halt_forever(void) {
  for (;;) __asm__ volatile("cli; hlt");
}

void power_off(void) {
  outw(PM1A_CNT_PORT, PM1_SLP_EN);
  halt_forever();
}

void crash(void) {
  outb(PVPANIC_PORT, PVPANIC_PANICKED);
  halt_forever();
}
