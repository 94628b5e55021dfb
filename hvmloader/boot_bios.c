/*
 * A BIOS image (SeaBIOS's bios.bin) ends exactly at 1 MiB so that its last
 * 16 bytes are the reset vector at 0xFFFF0, as on a real PC; Xen's
 * hvmloader loads it the same way.  Entry is CS:IP = F000:FFF0 in real
 * mode, i.e. what the CPU would see after reset.
 *
 * SeaBIOS running on Xen takes its memory map and tables from an info
 * block at 0x1000 (signature "XenHVMSeaBIOS") and panics without it; on
 * KVM it uses fw_cfg and ignores the block, so it is always written.
 */
#include "hvmloader.h"
#include "layout.h"
#include "util.h"

uint32_t bios_load_base(const struct module* fw) {
  if (fw->size > BIOS_MAX_SIZE || fw->size < 16) {
    printf("firmware: image is %u bytes, must be 16..%u\n", fw->size, BIOS_MAX_SIZE);
    crash();
  }
  return BIOS_END - fw->size;
}

#define SEABIOS_INFO_ADDR 0x1000

struct seabios_info {
  char signature[14]; /* "XenHVMSeaBIOS\0" */
  uint8_t length;
  uint8_t checksum; /* 8-bit sum over length bytes is 0 */
  uint32_t tables;  /* array of table addresses */
  uint32_t tables_nr;
  uint32_t e820; /* array of struct e820entry */
  uint32_t e820_nr;
} __attribute__((packed));

static void write_seabios_info(void) {
  struct seabios_info* info = phys(SEABIOS_INFO_ADDR);
  uint32_t* tables = (uint32_t*)(info + 1);
  struct e820entry* map = (struct e820entry*)(tables + 2);

  memset(info, 0, sizeof(*info));
  memcpy(info->signature, "XenHVMSeaBIOS", 14);
  info->length = sizeof(*info);
  /* SeaBIOS recognises each table by its signature and copies it. */
  tables[0] = acpi_rsdp_addr;
  tables[1] = smbios_ep_addr;
  info->tables = (uintptr_t)tables;
  info->tables_nr = 2;
  memcpy(map, e820, e820_nr * sizeof(*map));
  info->e820 = (uintptr_t)map;
  info->e820_nr = e820_nr;
  info->checksum = checksum8(info, info->length);
}

static int is_seabios(const struct module* fw) {
  static const char tag[] = "SeaBIOS";
  const uint8_t* p = phys(fw->paddr);
  uint32_t i;

  for (i = 0; i + sizeof(tag) - 1 <= fw->size; i++)
    if (!memcmp(p + i, tag, sizeof(tag) - 1)) return 1;
  return 0;
}

void boot_bios(const struct module* fw) {
  uint32_t base = bios_load_base(fw);
  int seabios = is_seabios(fw);

  memmove(phys(base), phys(fw->paddr), fw->size);
  write_seabios_info();
  printf("Loaded %s image at 0x%08x-0x%08x\n", seabios ? "SeaBIOS" : "BIOS", base, BIOS_END);
  printf("Invoking %s ...\n", seabios ? "SeaBIOS" : "BIOS");
  realmode_jump(0xF000, 0xFFF0, 0);
}
