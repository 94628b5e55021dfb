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
  uint32_t tables_base;

  traps_init();
  printf("HVM Loader (hvmtool %s)\n", HVMTOOL_VERSION);
  start_info_probe(ebx);
  hypervisor_detect();
  hvm_info_validate();
  modules_init();

  /* Payload priority: a BIOS does everything itself, a kernel needs no
   * disk, a boot sector is the last resort. */
  fw = module_find("firmware");
  kernel = module_find("kernel");
  disk = module_find("bootsector");
  if (!fw && !kernel && !disk) {
    printf(
        "No \"firmware\", \"kernel\" or \"bootsector\" module: "
        "nothing to boot, powering off\n");
    power_off();
  }

  tables_base = low_ram_end() - TABLES_SIZE;
  e820_build(fw ? bios_load_base(fw) : FSEG_START, tables_base);
  e820_dump();
  /* With a BIOS the F-segment is the BIOS's; it publishes its own RSDP. */
  tables_build(tables_base, fw ? 0 : FSEG_START);

  if (fw) boot_bios(fw);
  if (kernel) boot_linux(kernel, module_find("ramdisk"));
  boot_sector(disk);
}
