/*
 * The contract between hvmtool's HVM builder (plugins/build_hvm), its
 * firmware resolver (plugins/firmware) and hvmloader, the way Xen shares
 * public/hvm/hvm_info_table.h between libxenguest and its hvmloader: where
 * the builder puts what, and what hvmloader expects to find.  Xen's part of
 * the contract (hvm_info at HVM_INFO_PADDR, struct hvm_start_info) stays in
 * Xen's public headers.
 *
 * Freestanding and #defines only: hvmloader's C and assembly and the
 * builder's C++ all include it.
 */
#ifndef HVMTOOL_GUEST_ABI_H
#define HVMTOOL_GUEST_ABI_H

/* hvmloader is linked at, and loaded to, 1 MiB. */
#define HVMTOOL_ABI_LOADER_PADDR 0x100000

/*
 * The hvm_start_info page (with its module list and module names), in
 * conventional memory clear of what hvmloader itself uses below 0x7C00
 * (0x1000 for SeaBIOS's info block, the trampolines from 0x2000).
 */
#define HVMTOOL_ABI_START_INFO_PADDR 0x6000

/* Modules are placed at or above this address (never over the BIOS area). */
#define HVMTOOL_ABI_MODULE_FLOOR 0x100000

/*
 * hvmloader builds the ACPI and SMBIOS tables in the top 64 KiB of low RAM
 * and marks them reserved: the builder keeps modules out of it.
 */
#define HVMTOOL_ABI_TABLES_SIZE 0x10000

/* The Linux command line hvmloader copies below the zero page, NUL included. */
#define HVMTOOL_ABI_LINUX_CMDLINE_MAX 0x10000

/*
 * A BIOS image (the "firmware" module) is copied so that it ends at 1 MiB,
 * reset vector at 0xFFFF0; it may start no lower than the legacy option-ROM
 * area.  A UEFI flash image is at least its last 64 KiB, which hvmloader
 * copies to 0xF0000 for the real-mode reset vector.
 */
#define HVMTOOL_ABI_BIOS_END 0x100000
#define HVMTOOL_ABI_BIOS_MAX_SIZE 0x40000
#define HVMTOOL_ABI_LEGACY_ROM_START 0xC0000
#define HVMTOOL_ABI_UEFI_LOWCHUNK_BEGIN 0xF0000
#define HVMTOOL_ABI_UEFI_LOWCHUNK_SIZE 0x10000

/* Module names: the string at each module's cmdline_paddr. */
#define HVMTOOL_ABI_MODULE_FIRMWARE "firmware"     /* SeaBIOS or OVMF */
#define HVMTOOL_ABI_MODULE_KERNEL "kernel"         /* a bzImage hvmloader boots */
#define HVMTOOL_ABI_MODULE_RAMDISK "ramdisk"       /* its initrd */
#define HVMTOOL_ABI_MODULE_BOOTSECTOR "bootsector" /* a disk's first sector, run at 0x7C00 */

#endif
