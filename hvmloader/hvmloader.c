/*
 * hvmloader: the first code an hvmtool HVM guest runs.  Same order as Xen's
 * hvmloader: say hello, find the start info, the hypervisor and hvm_info,
 * lay out memory and firmware tables, then hand the vCPU to a payload.
 */
#include "hvmloader.h"
#include "layout.h"
#include "util.h"
#include "version.h"

void __attribute__((noreturn)) hvmloader_main(uint32_t ebx);

void hvmloader_main(uint32_t ebx) {
  const struct module *fw, *kernel, *disk;
  uint32_t tables_base, bios_base, fseg, fseg_end;
  int uefi;

  traps_init();
  printf("HVM Loader (hvmtool %s)\n", HVMTOOL_VERSION);
  start_info_probe(ebx);
  hypervisor_detect();
  hvm_info_validate();
  modules_init();

  /* Payload priority: a BIOS does everything itself, a kernel needs no
   * disk, a boot sector is the last resort. */
  fw = module_find(HVMTOOL_ABI_MODULE_FIRMWARE);
  kernel = module_find(HVMTOOL_ABI_MODULE_KERNEL);
  disk = module_find(HVMTOOL_ABI_MODULE_BOOTSECTOR);
  if (!fw && !kernel && !disk) {
    printf(
        "No \"firmware\", \"kernel\" or \"bootsector\" module: "
        "nothing to boot, powering off\n");
    power_off();
  }

  /* Who owns the top of the first MiB decides the E820 and where the RSDP
   * goes: a legacy BIOS publishes its own, OVMF on Xen scans from 0xEA020
   * (its reset-vector copy is at 0xF0000), else the F-segment. */
  tables_base = low_ram_end() - TABLES_SIZE;
  uefi = fw && is_uefi_image(fw);
  fseg_end = 0x100000;
  if (uefi) {
    bios_base = OVMF_LOWCHUNK_BEGIN;
    fseg = OVMF_RSDP_BASE;
    fseg_end = OVMF_LOWCHUNK_BEGIN;
  } else if (fw) {
    bios_base = bios_load_base(fw);
    fseg = 0;
  } else {
    bios_base = fseg = FSEG_START;
  }
  e820_build(bios_base, tables_base);
  e820_dump();
  tables_build(tables_base, fseg, fseg_end);
  cmos_write_memory_size(tables_base);

  if (uefi) boot_ovmf(fw);
  if (fw) boot_bios(fw);
  if (kernel) boot_linux(kernel, module_find(HVMTOOL_ABI_MODULE_RAMDISK));
  boot_sector(disk);
}
