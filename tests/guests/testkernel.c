/*
 * Test kernel, part 3: report what the loader handed over, in a form the
 * test suite compares with what hvmloader printed.  Output lines (port 0xE9):
 *   testkernel: entry=32bit esi=0x%08x        (or entry=64bit rsi=0x%016llx)
 *   testkernel: e820 %d 0x%016llx 0x%016llx %u
 *   testkernel: cmdline "<string>"
 *   testkernel: initrd addr=0x%08x size=0x%x sum=0x%08x
 *   testkernel: appended addr=0x%08x size=0x%x sum=0x%08x   (see below)
 *   testkernel: done
 * then it powers off through ACPI PM1a_CNT (port 0x604).
 */
#include <stdarg.h>
#include <stdint.h>

#include "cmdline_word.h"
#include "paging.h"

#define BP_E820_ENTRIES 0x1e8
#define BP_SYSSIZE 0x1f4
#define BP_E820_TABLE 0x2d0
#define BP_E820_MAX 128
#define BP_RAMDISK_IMAGE 0x218
#define BP_RAMDISK_SIZE 0x21c
#define BP_CMD_LINE_PTR 0x228
#define CMDLINE_MAX 4096

void testkernel_main(uint32_t kind, uint32_t bp_lo, uint32_t bp_hi, uint32_t violations);

static void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }

static void putc(char c) { outb(0xe9, (uint8_t)c); }

static void puts(const char* s) {
  while (*s) putc(*s++);
}

static void puthex(uint64_t v, int digits) {
  while (digits--) putc("0123456789abcdef"[(v >> (digits * 4)) & 15]);
}

static void puthex_short(uint32_t v) {
  int digits = 1;

  while (digits < 8 && (v >> (digits * 4))) digits++;
  puthex(v, digits);
}

static void putdec(uint32_t v) {
  char buf[12];
  int n = 0;

  do {
    buf[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) putc(buf[--n]);
}

static void __attribute__((noreturn)) power_off(void) {
  __asm__ volatile("outw %0, %1" : : "a"((uint16_t)0x2000), "Nd"((uint16_t)0x604));
  for (;;) __asm__ volatile("cli; hlt");
}

/* "testkernel.action=reboot|crash" on the command line ends the guest that
 * way instead of powering off, so the wait stage's on_reboot/on_crash actions
 * can be tested with a real guest: reboot through the reset control register,
 * crash through pvpanic (the ports of the kvm platform's guest ABI). */
static void __attribute__((noreturn)) end_as_asked(const char* cmdline) {
  if (cmdline && has_word(cmdline, "testkernel.action=reboot")) {
    puts("testkernel: rebooting\n");
    outb(0xcf9, 0x06);
  } else if (cmdline && has_word(cmdline, "testkernel.action=crash")) {
    puts("testkernel: crashing\n");
    outb(0x505, 0x01);
  }
  power_off();
}

static uint32_t rd32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static uint64_t rd64(const uint8_t* p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

extern char _pm_start[], _pm_end[];

/* Where paging.S may keep its tables: the first page-aligned stretch of
 * E820 RAM between 1 MiB and 1 GiB (paging.S maps only that at first) that
 * holds nothing we still need (the loaded image, boot_params, the command
 * line, the initrd).  0 if there is none. */
static uint32_t find_lm_area(const uint8_t* bp, uint32_t n, uint32_t loaded, uint32_t cmd, uint32_t rd,
                             uint32_t rd_size) {
  const uint64_t busy[][2] = {
      {(uintptr_t)_pm_start, loaded},
      {(uintptr_t)bp, 0x1000},
      {cmd, CMDLINE_MAX},
      {rd, rd_size},
  };
  uint32_t i, j;

  for (i = 0; i < n; i++) {
    const uint8_t* e = bp + BP_E820_TABLE + i * 20;
    uint64_t at = rd64(e), end = at + rd64(e + 8);

    if (rd32(e + 16) != 1) continue;
    if (at < 0x100000) at = 0x100000;
    if (end > 0x40000000) end = 0x40000000;
    at = (at + 0xfff) & ~0xfffull;
    for (j = 0; j < sizeof(busy) / sizeof(busy[0]) && at + LM_AREA_SIZE <= end; j++)
      if (at < busy[j][0] + busy[j][1] && busy[j][0] < at + LM_AREA_SIZE) {
        at = (busy[j][0] + busy[j][1] + 0xfff) & ~0xfffull;
        j = -1u; /* the new spot is checked against every range again */
      }
    if (at + LM_AREA_SIZE <= end) return (uint32_t)at;
  }
  return 0;
}

/* A byte loop runs at about 2.4 s per MiB where paging is off under
 * kvm_pvm; 64-bit user mode (paging.S) at under 1 ms.  Small ranges are not
 * worth the mode switches. */
static uint32_t sum_bytes(uint32_t addr, uint32_t size) {
  const uint8_t* p = (const uint8_t*)(uintptr_t)addr;
  struct lm_op op = {LM_OP_SUM8, 0, addr, size, 0};
  uint32_t i, sum = 0;
  int r;

  if (size >= 0x4000) {
    r = lm_run(&op);
    if (r == LM_OK) return op.result;
    if (r == LM_FAULTED) {
      puts("testkernel: warning: 64-bit checksum raised exception ");
      putdec(lm_fault_vector);
      putc('\n');
    }
  }
  for (i = 0; i < size; i++) sum += p[i];
  return sum;
}

static void report_range(const char* what, uint32_t addr, uint32_t size) {
  puts("testkernel: ");
  puts(what);
  puts(" addr=0x");
  puthex(addr, 8);
  puts(" size=0x");
  puthex_short(size);
  puts(" sum=0x");
  puthex(addr ? sum_bytes(addr, size) : 0, 8);
  putc('\n');
}

static const char* const violation_names[] = {
    "CS is not 0x10", "DS is not 0x18", "ES is not 0x18", "SS is not 0x18",
    "EBX is not 0",   "EDI is not 0",   "EBP is not 0",   "interrupts enabled",
};

void testkernel_main(uint32_t kind, uint32_t bp_lo, uint32_t bp_hi, uint32_t violations) {
  const uint8_t* bp = (const uint8_t*)(uintptr_t)bp_lo;
  uint32_t i, n, cmd, rd, rd_size, image, loaded;

  if (kind == 64) {
    puts("testkernel: entry=64bit rsi=0x");
    puthex((uint64_t)bp_hi << 32 | bp_lo, 16);
  } else {
    puts("testkernel: entry=32bit esi=0x");
    puthex(bp_lo, 8);
  }
  putc('\n');
  for (i = 0; i < 8; i++)
    if (violations & (1u << i)) {
      puts("testkernel: warning: ");
      puts(violation_names[i]);
      putc('\n');
    }
  if (bp_hi || !bp_lo) {
    puts("testkernel: error: boot_params not addressable\n");
    power_off();
  }

  n = bp[BP_E820_ENTRIES];
  if (n > BP_E820_MAX) n = BP_E820_MAX;
  for (i = 0; i < n; i++) {
    const uint8_t* e = bp + BP_E820_TABLE + i * 20;

    puts("testkernel: e820 ");
    putdec(i);
    puts(" 0x");
    puthex(rd64(e), 16);
    puts(" 0x");
    puthex(rd64(e + 8), 16);
    putc(' ');
    putdec(rd32(e + 16));
    putc('\n');
  }

  puts("testkernel: cmdline \"");
  cmd = rd32(bp + BP_CMD_LINE_PTR);
  if (cmd) {
    const char* s = (const char*)(uintptr_t)cmd;

    for (i = 0; i < CMDLINE_MAX && s[i]; i++) putc(s[i]);
  }
  puts("\"\n");

  rd = rd32(bp + BP_RAMDISK_IMAGE);
  rd_size = rd32(bp + BP_RAMDISK_SIZE);
  /* A bzImage with bytes appended and syssize raised to cover them stands
   * in for a large kernel: report what the loader copied past our image. */
  image = (uintptr_t)_pm_end - (uintptr_t)_pm_start;
  loaded = rd32(bp + BP_SYSSIZE) * 16;
  if (loaded < image) loaded = image;
  lm_area = find_lm_area(bp, n, loaded, cmd, rd, rd_size);
  report_range("initrd", rd, rd_size);
  if (loaded > image) report_range("appended", (uintptr_t)_pm_end, loaded - image);
  puts("testkernel: done\n");
  end_as_asked(cmd ? (const char*)(uintptr_t)cmd : 0);
}
