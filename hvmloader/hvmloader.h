/* Interfaces between hvmloader's parts; each .c file owns one of them. */
#ifndef HVMLOADER_H
#define HVMLOADER_H

#include <stdint.h>
#include <xen/hvm/hvm_info_table.h>
#include <xen/arch-x86/hvm/start_info.h>

/* traps.c: report CPU exceptions instead of triple-faulting. */
void traps_init(void);

/* hypervisor.c */
enum hypervisor { HV_NONE, HV_XEN, HV_KVM, HV_EMU };
extern enum hypervisor hypervisor;
void hypervisor_detect(void);

/* hvm_info.c: validated or the guest never gets past it. */
extern const struct hvm_info_table* hvm_info;
void hvm_info_validate(void);
uint32_t low_ram_end(void);

/* cmos.c: the end of usable low RAM where a BIOS reads it (RTC CMOS
 * 0x15-0x18, 0x30-0x31, 0x34-0x35). */
void cmos_write_memory_size(uint32_t ram_end);

/* modules.c */
struct module {
  const char* name;
  uint32_t paddr;
  uint32_t size;
};
void start_info_probe(uint32_t ebx);
void modules_init(void);
const struct module* module_find(const char* name);
/* NULL when there is no command line. */
const char* start_info_cmdline(void);

/* e820.c */
struct e820entry {
  uint64_t addr;
  uint64_t size;
  uint32_t type;
} __attribute__((packed));

#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3
#define E820_NVS 4
#define E820_MAX 16

extern struct e820entry e820[E820_MAX];
extern unsigned int e820_nr;
void e820_build(uint32_t bios_base, uint32_t tables_base);
void e820_dump(void);

/* tables.c, acpi.c, smbios.c: firmware tables in [base, base+TABLES_SIZE);
 * entry points (RSDP, SMBIOS anchor) in [fseg, fseg_end), or in the region
 * if fseg is 0. */
void* tables_alloc(uint32_t size, uint32_t align);
void* fseg_alloc(uint32_t size, uint32_t align);
void tables_build(uint32_t base, uint32_t fseg, uint32_t fseg_end);
uint32_t acpi_build(void);   /* returns the RSDP address */
uint32_t smbios_build(void); /* returns the entry point address */
extern uint32_t acpi_rsdp_addr;
extern uint32_t smbios_ep_addr;

/* boot_*.c: each either hands the vCPU over or crashes with a message. */
uint32_t bios_load_base(const struct module* fw);
void __attribute__((noreturn)) boot_bios(const struct module* fw);
int is_uefi_image(const struct module* fw);
void __attribute__((noreturn)) boot_ovmf(const struct module* fw);
void __attribute__((noreturn)) boot_sector(const struct module* disk);
void __attribute__((noreturn)) boot_linux(const struct module* kernel, const struct module* ramdisk);

/* trampoline.S: copy the hand-off code below 1 MiB and leave via it. */
void __attribute__((noreturn)) realmode_jump(uint32_t seg, uint32_t off, uint32_t dl);
void __attribute__((noreturn))
linux_jump(uint32_t src, uint32_t dst, uint32_t len, uint32_t entry, uint32_t boot_params);

#endif
