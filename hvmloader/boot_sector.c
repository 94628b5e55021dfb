/*
 * A raw disk image: run its first sector at 0000:7C00 with DL = 0x80, the
 * first hard disk, exactly where a PC BIOS would have put it.  No BIOS is
 * present, so this is for boot sectors that need no BIOS services (test
 * guests, tiny payloads).
 */
#include "hvmloader.h"
#include "layout.h"
#include "util.h"

#define SECTOR_SIZE 512

void boot_sector(const struct module* disk) {
  const uint8_t* s = phys(disk->paddr);

  if (disk->size < SECTOR_SIZE) {
    printf("bootsector: image is only %u bytes, need %u\n", disk->size, SECTOR_SIZE);
    crash();
  }
  if (s[510] != 0x55 || s[511] != 0xAA) {
    printf(
        "bootsector: no 0x55AA signature in sector 0 "
        "(found 0x%02x%02x), not bootable\n",
        s[510], s[511]);
    crash();
  }
  memmove(phys(BOOTSECT_ADDR), s, SECTOR_SIZE);
  printf("Invoking boot sector ...\n");
  realmode_jump(0, BOOTSECT_ADDR, 0x80);
}
