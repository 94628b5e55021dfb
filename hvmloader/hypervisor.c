/*
 * Which hypervisor runs us.  Hypervisors answer at 0x40000000 or, when they
 * also emulate another one (Xen offering Viridian), at a later 0x100 step;
 * scan them all as Xen's hvmloader does.
 */
#include "hvmloader.h"
#include "util.h"

enum hypervisor hypervisor;

void hypervisor_detect(void) {
  uint32_t base, eax, sig[3];

  for (base = 0x40000000; base < 0x40010000; base += 0x100) {
    char id[13];

    cpuid(base, &eax, &sig[0], &sig[1], &sig[2]);
    memcpy(id, sig, 12);
    id[12] = '\0';
    if (!memcmp(id, "XenVMMXenVMM", 12)) {
      uint32_t ver, b, c, d;

      cpuid(base + 1, &ver, &b, &c, &d);
      hypervisor = HV_XEN;
      printf("Detected Xen v%u.%u\n", ver >> 16, ver & 0xffff);
      return;
    }
    /* KVM pads its 9-byte name with NULs to fill the 12. */
    if (!memcmp(id, "KVMKVMKVM\0\0\0", 12)) {
      hypervisor = HV_KVM;
      printf("Detected KVM\n");
      return;
    }
    /* hvmtool's software platform (11 characters and a NUL). */
    if (!memcmp(id, "hvmtool-emu\0", 12)) {
      hypervisor = HV_EMU;
      printf("Detected hvmtool emu\n");
      return;
    }
  }
  hypervisor = HV_NONE;
  printf("No hypervisor detected\n");
}
