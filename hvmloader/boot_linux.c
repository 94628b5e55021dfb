/*
 * Direct Linux boot through the 32-bit boot protocol
 * (Documentation/arch/x86/boot.rst): we play the part of the real-mode
 * setup code, so we fill in the zero page (struct boot_params) ourselves
 * and enter code32_start with ESI pointing at it.
 *
 * The image comes from the guest owner: every field read from it is checked
 * before it is used to size or place anything.
 */
#include "hvmloader.h"
#include "layout.h"
#include "util.h"

/* Offsets into the image / struct boot_params (they share the header). */
#define BP_ACPI_RSDP 0x070
#define BP_EXT_RAMDISK_IMG 0x0C0
#define BP_EXT_RAMDISK_SIZE 0x0C4
#define BP_EXT_CMD_LINE 0x0C8
#define BP_E820_ENTRIES 0x1E8
#define BP_E820_TABLE 0x2D0
#define BP_E820_MAX 128
#define BP_SIZE 0x1000
#define HDR_START 0x1F1
#define HDR_SETUP_SECTS 0x1F1
#define HDR_SYSSIZE 0x1F4
#define HDR_BOOT_FLAG 0x1FE
#define HDR_JUMP 0x200
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_CODE32_START 0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21C
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22C
#define HDR_CMDLINE_SIZE 0x238
#define HDR_INIT_SIZE 0x260
/* struct setup_header ends here in boot protocol 2.15; the E820 table
 * follows at 0x2D0, so a header may never be copied beyond that. */
#define HDR_LIMIT 0x290

#define LOADED_HIGH 0x01
#define LOADER_UNDEFINED 0xFF

static const uint8_t* img;

static uint8_t rd8(uint32_t off) { return img[off]; }
static uint16_t rd16(uint32_t off) { return (uint16_t)(img[off] | img[off + 1] << 8); }
static uint32_t rd32(uint32_t off) { return rd16(off) | (uint32_t)rd16(off + 2) << 16; }

static void wr32(uint8_t* p, uint32_t off, uint32_t v) { memcpy(p + off, &v, 4); }

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char* fmt, ...) {
  va_list ap;

  printf("linux: ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  crash();
}

/* Fixed low-memory areas this boot path writes while modules still live. */
static void check_clear_of_boot_area(const struct module* m) {
  static const struct {
    uint32_t addr, size;
  } areas[] = {
      {TRAMP_BASE, TRAMP_MAX},
      {LINUX_CMDLINE_ADDR, LINUX_CMDLINE_MAX},
      {LINUX_ZEROPAGE_ADDR, BP_SIZE},
  };
  unsigned int i;

  for (i = 0; i < ARRAY_SIZE(areas); i++)
    if (ranges_overlap(m->paddr, m->size, areas[i].addr, areas[i].size))
      fail(
          "module \"%s\" (0x%08x+0x%x) overlaps the boot area at "
          "0x%08x",
          m->name, m->paddr, m->size, areas[i].addr);
}

/* End of the RAM run that starts at 1 MiB: the kernel and initrd go there. */
static uint32_t high_ram_top(void) {
  unsigned int i;

  for (i = 0; i < e820_nr; i++)
    if (e820[i].type == E820_RAM && e820[i].addr == LINUX_KERNEL_ADDR) return (uint32_t)(e820[i].addr + e820[i].size);
  fail("no RAM at 1 MiB in the E820 map");
}

static uint32_t place_initrd(const struct module* k, const struct module* rd, uint32_t kernel_end,
                             uint32_t initrd_max) {
  uint64_t limit = (uint64_t)initrd_max + 1;
  uint32_t candidates[2], i;

  if (limit > high_ram_top()) limit = high_ram_top();
  /* Highest page-aligned spot first (what GRUB and Xen do); if the kernel
   * image still sits there, directly below it instead. */
  candidates[0] = rd->size <= limit ? ALIGN_DOWN((uint32_t)limit - rd->size, 0x1000u) : 0;
  candidates[1] = rd->size <= k->paddr ? ALIGN_DOWN(k->paddr - rd->size, 0x1000u) : 0;
  for (i = 0; i < 2; i++) {
    uint32_t at = candidates[i];

    if (at < kernel_end || (uint64_t)at + rd->size > limit) continue;
    if (ranges_overlap(at, rd->size, k->paddr, k->size)) continue;
    return at;
  }
  fail("no room for a 0x%x-byte ramdisk between 0x%08x and 0x%08x", rd->size, kernel_end, (uint32_t)limit);
}

/*
 * The kernel's place at 1 MiB is where hvmloader runs, so the trampoline
 * copies it after we are gone, with paging off: slow where that is emulated
 * (kvm_pvm).  Everything above hvmloader's image can be moved now by the
 * fast memmove, unless that would overwrite the part still to be copied.
 * Returns how many bytes the trampoline has left to copy.
 */
static uint32_t move_kernel_above_us(uint32_t src, uint32_t len) {
  uint32_t head = ALIGN_UP((uint32_t)(uintptr_t)_end, 0x1000u) - LINUX_KERNEL_ADDR;

  if (head >= len || ranges_overlap(LINUX_KERNEL_ADDR + head, len - head, src, head)) return len;
  memmove(phys(LINUX_KERNEL_ADDR + head), phys(src + head), len - head);
  return head;
}

void boot_linux(const struct module* k, const struct module* rd) {
  uint8_t* bp = phys(LINUX_ZEROPAGE_ADDR);
  const char* cmdline = start_info_cmdline();
  uint32_t version, setup_size, pm_size, pm_len, code32, need, kernel_end;
  uint32_t hdr_end, initrd_max, cmdline_max, cmdline_len, initrd = 0;
  unsigned int i;

  img = phys(k->paddr);
  if (k->size < HDR_LIMIT) fail("image is only %u bytes, too small for a setup header", k->size);
  if (rd16(HDR_BOOT_FLAG) != 0xAA55) fail("no 0xAA55 boot flag at 0x1FE: not a bzImage");
  if (memcmp(img + HDR_MAGIC, "HdrS", 4)) fail("no \"HdrS\" setup header magic: not a bzImage");
  version = rd16(HDR_VERSION);
  if (version < 0x0202) fail("boot protocol %u.%02u is too old (need 2.02)", version >> 8, version & 0xff);
  if (!(rd8(HDR_LOADFLAGS) & LOADED_HIGH)) fail("zImage (loaded low) kernels are not supported");

  setup_size = ((rd8(HDR_SETUP_SECTS) ? rd8(HDR_SETUP_SECTS) : 4) + 1) * 512;
  if (setup_size >= k->size) fail("setup code (%u bytes) fills the whole %u-byte image", setup_size, k->size);
  pm_size = k->size - setup_size;
  pm_len = pm_size;
  if (version >= 0x0204) {
    uint32_t syssize = rd32(HDR_SYSSIZE);

    /* syssize counts 16-byte paragraphs, rounded up. */
    if (!syssize || syssize > (pm_size + 15) / 16)
      fail(
          "syssize 0x%x paragraphs does not match the %u-byte "
          "protected-mode part",
          syssize, pm_size);
    if (syssize * 16 < pm_len) pm_len = syssize * 16;
  }

  code32 = rd32(HDR_CODE32_START);
  if (code32 < LINUX_KERNEL_ADDR || code32 - LINUX_KERNEL_ADDR >= pm_len)
    fail(
        "code32_start 0x%08x is outside the kernel loaded at "
        "0x%08x-0x%08x",
        code32, LINUX_KERNEL_ADDR, LINUX_KERNEL_ADDR + pm_len);

  need = pm_len;
  if (version >= 0x020A && rd32(HDR_INIT_SIZE) > need) need = rd32(HDR_INIT_SIZE);
  if (need > high_ram_top() - LINUX_KERNEL_ADDR)
    fail("kernel needs 0x%x bytes at 0x%08x, only 0x%x available", need, LINUX_KERNEL_ADDR,
         high_ram_top() - LINUX_KERNEL_ADDR);
  kernel_end = ALIGN_UP(LINUX_KERNEL_ADDR + need, 0x1000u);
  if (kernel_end < (uint32_t)(uintptr_t)_end) kernel_end = ALIGN_UP((uint32_t)(uintptr_t)_end, 0x1000u);

  hdr_end = HDR_JUMP + 2 + rd8(HDR_JUMP + 1);
  if (hdr_end > HDR_LIMIT) hdr_end = HDR_LIMIT;
  initrd_max = version >= 0x0203 ? rd32(HDR_INITRD_ADDR_MAX) : 0x37FFFFFF;
  cmdline_max = version >= 0x0206 ? rd32(HDR_CMDLINE_SIZE) : 255;
  if (cmdline_max > LINUX_CMDLINE_MAX - 1) cmdline_max = LINUX_CMDLINE_MAX - 1;

  cmdline_len = cmdline ? strlen(cmdline) : 0;
  if (cmdline_len > cmdline_max) fail("command line is %u bytes, the kernel accepts %u", cmdline_len, cmdline_max);

  check_clear_of_boot_area(k);
  if (rd) {
    check_clear_of_boot_area(rd);
    initrd = place_initrd(k, rd, kernel_end, initrd_max);
  }

  /* From here on memory is rewritten: the command line first, since the
   * ramdisk move may cover wherever the builder left it. */
  memmove(phys(LINUX_CMDLINE_ADDR), cmdline ? cmdline : "", cmdline_len);
  ((char*)phys(LINUX_CMDLINE_ADDR))[cmdline_len] = '\0';

  memset(bp, 0, BP_SIZE);
  memcpy(bp + HDR_START, img + HDR_START, hdr_end - HDR_START);
  bp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
  wr32(bp, HDR_CMD_LINE_PTR, LINUX_CMDLINE_ADDR);
  wr32(bp, BP_EXT_CMD_LINE, 0);
  if (rd) {
    wr32(bp, HDR_RAMDISK_IMAGE, initrd);
    wr32(bp, HDR_RAMDISK_SIZE, rd->size);
  }
  wr32(bp, BP_EXT_RAMDISK_IMG, 0);
  wr32(bp, BP_EXT_RAMDISK_SIZE, 0);
  if (version >= 0x020E) {
    uint64_t rsdp = acpi_rsdp_addr;

    memcpy(bp + BP_ACPI_RSDP, &rsdp, 8);
  }
  for (i = 0; i < e820_nr && i < BP_E820_MAX; i++)
    memcpy(bp + BP_E820_TABLE + i * sizeof(e820[0]), &e820[i], sizeof(e820[0]));
  bp[BP_E820_ENTRIES] = (uint8_t)i;

  if (rd) memmove(phys(initrd), phys(rd->paddr), rd->size);

  printf(
      "Invoking Linux kernel ... (boot protocol %u.%02u, entry 0x%08x, "
      "boot_params 0x%08x, cmdline 0x%08x, initrd 0x%08x size 0x%x)\n",
      version >> 8, version & 0xff, code32, LINUX_ZEROPAGE_ADDR, LINUX_CMDLINE_ADDR, initrd, rd ? rd->size : 0);
  linux_jump(k->paddr + setup_size, LINUX_KERNEL_ADDR, move_kernel_above_us(k->paddr + setup_size, pm_len), code32,
             LINUX_ZEROPAGE_ADDR);
}
