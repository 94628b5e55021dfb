/*
 * Space for firmware tables.  The bodies go in a reserved block at the top
 * of low RAM; the two entry points OSes scan for (RSDP, SMBIOS anchor) must
 * be in the F-segment, unless a BIOS image owns it, in which case they stay
 * in the block and the BIOS is expected to publish its own.  OVMF owns the
 * F-segment too, but on Xen it copies the RSDP it finds above 0xEA020.
 */
#include "hvmloader.h"
#include "layout.h"
#include "util.h"

struct arena {
  uint32_t cur, end;
};

static struct arena block, fseg;

static void* arena_alloc(struct arena* a, uint32_t size, uint32_t align) {
  uint32_t p = ALIGN_UP(a->cur, align);

  if (p < a->cur || size > a->end - p) {
    printf("tables: out of space for %u bytes\n", size);
    crash();
  }
  a->cur = p + size;
  return memset(phys(p), 0, size);
}

void* tables_alloc(uint32_t size, uint32_t align) { return arena_alloc(&block, size, align); }

void* fseg_alloc(uint32_t size, uint32_t align) { return arena_alloc(fseg.end ? &fseg : &block, size, align); }

void tables_build(uint32_t base, uint32_t fseg_base, uint32_t fseg_end) {
  uint32_t smbios, rsdp;

  block.cur = base;
  block.end = base + TABLES_SIZE;
  fseg.cur = fseg_base;
  fseg.end = fseg_base ? fseg_end : 0;

  smbios = smbios_build();
  rsdp = acpi_build();
  printf(
      "SMBIOS entry point at 0x%08x, ACPI RSDP at 0x%08x "
      "(tables 0x%08x-0x%08x)\n",
      smbios, rsdp, base, block.cur);
}
