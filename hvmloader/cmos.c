/*
 * Memory sizes in the RTC's CMOS, where every PC BIOS looks (Xen's
 * hvmloader writes the same bytes for all BIOSes).  OVMF sizes low RAM from
 * 0x34/0x35 alone; left at their power-on 0xFF it believes in 4 GiB of it
 * and faults writing above 4 GiB.  Without a CMOS (Xen with no device
 * model: its vRTC keeps only the clock) the writes go nowhere.
 *
 * The size written is RAM the BIOS may use: up to the ACPI/SMBIOS block
 * carved from the top of low RAM, not low_mem_pgend as in Xen (whose tables
 * live outside low RAM), so that a BIOS sizing memory from CMOS alone
 * (SeaBIOS and OVMF on kvm, without fw_cfg) leaves the tables alone.
 */
#include "hvmloader.h"
#include "util.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71

static void cmos_write(uint8_t index, uint8_t value) {
  outb(CMOS_INDEX, index);
  outb(CMOS_DATA, value);
}

static void cmos_write16(uint8_t index, uint16_t value) {
  cmos_write(index, (uint8_t)value);
  cmos_write(index + 1, (uint8_t)(value >> 8));
}

void cmos_write_memory_size(uint32_t ram_end) {
  /* KiB above 1 MiB, capped at what 16 bits hold. */
  uint32_t ext_kib = ram_end > 0x100000 ? (ram_end - 0x100000) >> 10 : 0;
  /* 64 KiB units above 16 MiB. */
  uint32_t alt_64k = ram_end > 0x1000000 ? (ram_end - 0x1000000) >> 16 : 0;

  if (ext_kib > 0xFFFF) ext_kib = 0xFFFF;
  cmos_write16(0x15, 640); /* conventional memory, always 640 KiB */
  cmos_write16(0x17, (uint16_t)ext_kib);
  cmos_write16(0x30, (uint16_t)ext_kib);
  cmos_write16(0x34, (uint16_t)alt_64k);
}
