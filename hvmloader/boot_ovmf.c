/*
 * A UEFI flash image (OVMF.fd) is entered the way Xen's hvmloader enters
 * it: the whole image is copied to end at 4 GiB, where a PC's flash chip
 * is mapped, and its last 64 KiB also to 0xF0000-0xFFFFF, so that the
 * real-mode reset vector at F000:FFF0 runs OVMF's own reset code.  That
 * code switches to 32-bit mode with a GDT it finds by 64 KiB-relative
 * addresses and then jumps to its flat addresses just below 4 GiB.
 *
 * The window below 4 GiB is populated by the builder (it knows the image's
 * size; on kvm there is no hypercall to populate memory from the guest).
 * hvmloader checks that it really is RAM before trusting it.
 *
 * On Xen, OVMF looks for an info block at 0x1000 ("XenHVMOVMF") for its
 * memory map, and for the RSDP from 0xEA020 up; on kvm it takes the QEMU
 * path and ignores both, so both are always written.
 */
#include "hvmloader.h"
#include "layout.h"
#include "util.h"

#define OVMF_END 0x100000000ULL
#define OVMF_WINDOW_ALIGN 0x100000
#define OVMF_MAX_SIZE 0x800000 /* plugins/firmware's kUefiImageMax */
#define OVMF_INFO_ADDR 0x1000

struct ovmf_info {
  char signature[14]; /* "XenHVMOVMF\0\0\0\0" */
  uint8_t length;
  uint8_t checksum; /* 8-bit sum over length bytes is 0 */
  uint64_t tables;  /* array of tables_nr 64-bit table addresses */
  uint32_t tables_nr;
  uint64_t e820; /* array of e820_nr struct e820entry */
  uint32_t e820_nr;
} __attribute__((packed));

/* A firmware volume header ("_FVH" at offset 0x28) starts every UEFI flash
 * image; legacy BIOS images have code or zeros there. */
int is_uefi_image(const struct module* fw) {
  return fw->size >= OVMF_LOWCHUNK_SIZE && !memcmp((const uint8_t*)phys(fw->paddr) + 0x28, "_FVH", 4);
}

static uint32_t window_base(uint32_t size) {
  return (uint32_t)(OVMF_END - ALIGN_UP((uint64_t)size, OVMF_WINDOW_ALIGN));
}

/* Unbacked guest-physical memory reads as all-ones and drops writes. */
static int is_ram(uint32_t addr) {
  volatile uint32_t* p = phys(addr);
  uint32_t old = *p, ok;

  *p = 0x5AA5F00F;
  ok = *p == 0x5AA5F00F;
  *p = ~0x5AA5F00Fu;
  ok = ok && *p == ~0x5AA5F00Fu;
  *p = old;
  return ok;
}

static void write_ovmf_info(void) {
  struct ovmf_info* info = phys(OVMF_INFO_ADDR);
  uint64_t* tables = (uint64_t*)(info + 1);
  struct e820entry* map = (struct e820entry*)(tables + 2);

  memset(info, 0, sizeof(*info));
  memcpy(info->signature, "XenHVMOVMF", 11);
  info->length = sizeof(*info);
  tables[0] = acpi_rsdp_addr;
  tables[1] = smbios_ep_addr;
  info->tables = (uintptr_t)tables;
  info->tables_nr = 2;
  memcpy(map, e820, e820_nr * sizeof(*map));
  info->e820 = (uintptr_t)map;
  info->e820_nr = e820_nr;
  info->checksum = checksum8(info, info->length);
}

void boot_ovmf(const struct module* fw) {
  uint32_t base = window_base(fw->size);

  if (fw->size > OVMF_MAX_SIZE || fw->size % 0x1000) {
    printf("ovmf: image is %u bytes, must be a multiple of 4 KiB up to %u\n", fw->size, OVMF_MAX_SIZE);
    crash();
  }
  if (!is_ram(base) || !is_ram((uint32_t)(OVMF_END - 4))) {
    printf("ovmf: no RAM in the flash window 0x%08x-0x100000000 (the builder must populate it)\n", base);
    crash();
  }
  memcpy(phys(OVMF_LOWCHUNK_BEGIN), (const uint8_t*)phys(fw->paddr) + fw->size - OVMF_LOWCHUNK_SIZE,
         OVMF_LOWCHUNK_SIZE);
  /* The image ends at 4 GiB: base + size wraps to 0 in 32 bits. */
  memcpy(phys(base + (ALIGN_UP(fw->size, OVMF_WINDOW_ALIGN) - fw->size)), phys(fw->paddr), fw->size);
  write_ovmf_info();
  printf("Loaded OVMF image at 0x%08x-0x100000000 (reset vector copy at 0x%05x)\n",
         base + (ALIGN_UP(fw->size, OVMF_WINDOW_ALIGN) - fw->size), OVMF_LOWCHUNK_BEGIN);
  printf("Invoking OVMF ...\n");
  realmode_jump(0xF000, 0xFFF0, 0);
}
