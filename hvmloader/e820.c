/*
 * The guest's memory map, in Xen hvmloader's shape (build_e820_table):
 *
 *   0        - 0xA0000    RAM       Xen gives SeaBIOS all 640 KiB; a BIOS
 *                                   reserves its own EBDA later.  hvm_info
 *                                   (0x9F800) is dead once hvmloader is done.
 *   (hole)   0xA0000 - bios_base    VGA window and option ROM space.
 *   bios_base - 1 MiB     RESERVED  the BIOS image, or the F-segment holding
 *                                   the RSDP and SMBIOS anchor.
 *   1 MiB    - tables     RAM
 *   tables   - low end    RESERVED  ACPI + SMBIOS.  Xen populates extra
 *                                   pages above RAM for them; hvmtool's
 *                                   platforms cannot, so carve low RAM.
 *   (hole)   MMIO
 *   reserved_mem_pgstart - 4 GiB RESERVED  special pages (0xFEFF8...)
 *   4 GiB    - high end   RAM
 */
#include "hvmloader.h"
#include "util.h"

struct e820entry e820[E820_MAX];
unsigned int e820_nr;

static void add(uint64_t addr, uint64_t end, uint32_t type) {
  if (end <= addr || e820_nr == E820_MAX) return;
  e820[e820_nr].addr = addr;
  e820[e820_nr].size = end - addr;
  e820[e820_nr].type = type;
  e820_nr++;
}

void e820_build(uint32_t bios_base, uint32_t tables_base) {
  e820_nr = 0;
  add(0, 0xA0000, E820_RAM);
  add(bios_base, 0x100000, E820_RESERVED);
  add(0x100000, tables_base, E820_RAM);
  add(tables_base, low_ram_end(), E820_RESERVED);
  if (hvm_info->reserved_mem_pgstart) add((uint64_t)hvm_info->reserved_mem_pgstart << 12, 1ULL << 32, E820_RESERVED);
  if (hvm_info->high_mem_pgend) add(1ULL << 32, (uint64_t)hvm_info->high_mem_pgend << 12, E820_RAM);
}

static const char* type_name(uint32_t type) {
  switch (type) {
    case E820_RAM:
      return "RAM";
    case E820_RESERVED:
      return "RESERVED";
    case E820_ACPI:
      return "ACPI";
    case E820_NVS:
      return "NVS";
    default:
      return "UNKNOWN";
  }
}

void e820_dump(void) {
  unsigned int i;

  printf("E820 table:\n");
  for (i = 0; i < e820_nr; i++) {
    uint64_t start = e820[i].addr, end = start + e820[i].size;

    printf(" [%02u]: %08x:%08x - %08x:%08x: %s\n", i, (uint32_t)(start >> 32), (uint32_t)start, (uint32_t)(end >> 32),
           (uint32_t)end, type_name(e820[i].type));
  }
}
