/*
 * Fixed guest-physical addresses hvmloader uses.  Shared by C and assembly,
 * so only #defines live here.
 *
 * hvmloader itself is linked at 1 MiB, which is exactly where a Linux kernel
 * wants to be and just above where a BIOS image must end.  Anything that must
 * survive hvmloader being overwritten (the hand-off trampolines and their
 * GDT) therefore lives in conventional memory below 0x7C00.
 */
#ifndef HVMLOADER_LAYOUT_H
#define HVMLOADER_LAYOUT_H

#include <hvmtool/guest_abi.h> /* what the builder must agree with */

/* Kept clear of 0x1000: Xen's SeaBIOS looks for its info block there. */
#define TRAMP_BASE 0x2000
#define TRAMP_MAX 0x1000

/* Conventional boot-sector load address; also the real-mode stack top. */
#define BOOTSECT_ADDR 0x7C00

/* Linux 32-bit boot protocol: command line directly below the zero page. */
#define LINUX_CMDLINE_ADDR 0x20000
#define LINUX_CMDLINE_MAX HVMTOOL_ABI_LINUX_CMDLINE_MAX
#define LINUX_ZEROPAGE_ADDR 0x30000
#define LINUX_KERNEL_ADDR HVMTOOL_ABI_LOADER_PADDR /* hvmloader moves itself out of the way */

/* BIOS images are copied so that they end here (reset vector at 0xFFFF0). */
#define BIOS_END HVMTOOL_ABI_BIOS_END
#define BIOS_MAX_SIZE HVMTOOL_ABI_BIOS_MAX_SIZE
#define LEGACY_ROM_START HVMTOOL_ABI_LEGACY_ROM_START

/* A UEFI image's last 64 KiB is copied here for the reset vector; Xen's
 * OVMF looks for the RSDP from OVMF_RSDP_BASE up to it. */
#define OVMF_LOWCHUNK_BEGIN HVMTOOL_ABI_UEFI_LOWCHUNK_BEGIN
#define OVMF_LOWCHUNK_SIZE HVMTOOL_ABI_UEFI_LOWCHUNK_SIZE
#define OVMF_RSDP_BASE 0xEA020

/* Where RSDP and the SMBIOS entry point go when no BIOS owns that space. */
#define FSEG_START 0xF0000

/* ACPI + SMBIOS tables: carved from the top of low RAM, marked reserved. */
#define TABLES_SIZE HVMTOOL_ABI_TABLES_SIZE

/* GDT layout shared by hvmloader and the trampolines.  0x10/0x18 are the
 * selectors the Linux 32-bit boot protocol calls __BOOT_CS/__BOOT_DS. */
#define SEL_CODE16 0x08
#define SEL_CODE32 0x10
#define SEL_DATA32 0x18
#define SEL_DATA16 0x20

#endif
