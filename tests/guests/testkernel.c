/*
 * Test kernel, part 3: report what the loader handed over, in a form the
 * test suite compares with what hvmloader printed.  Output lines (port 0xE9):
 *   testkernel: entry=32bit esi=0x%08x        (or entry=64bit rsi=0x%016llx)
 *   testkernel: e820 %d 0x%016llx 0x%016llx %u
 *   testkernel: cmdline "<string>"
 *   testkernel: initrd addr=0x%08x size=0x%x sum=0x%08x
 *   testkernel: done
 * then it powers off through ACPI PM1a_CNT (port 0x604).
 */
#include <stdarg.h>
#include <stdint.h>

#define BP_E820_ENTRIES 0x1e8
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
static int has_word(const char* s, const char* word) {
  for (; *s; s++) {
    const char* a = s;
    const char* b = word;
    while (*b && *a == *b) a++, b++;
    if (!*b && (*a == ' ' || *a == 0)) return 1;
  }
  return 0;
}

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

static const char* const violation_names[] = {
    "CS is not 0x10", "DS is not 0x18", "ES is not 0x18", "SS is not 0x18",
    "EBX is not 0",   "EDI is not 0",   "EBP is not 0",   "interrupts enabled",
};

void testkernel_main(uint32_t kind, uint32_t bp_lo, uint32_t bp_hi, uint32_t violations) {
  const uint8_t* bp = (const uint8_t*)(uintptr_t)bp_lo;
  uint32_t i, n, cmd, rd, rd_size, sum = 0;

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
  for (i = 0; rd && i < rd_size; i++) sum += ((const uint8_t*)(uintptr_t)rd)[i];
  puts("testkernel: initrd addr=0x");
  puthex(rd, 8);
  puts(" size=0x");
  puthex_short(rd_size);
  puts(" sum=0x");
  puthex(sum, 8);
  puts("\ntestkernel: done\n");
  end_as_asked(cmd ? (const char*)(uintptr_t)cmd : 0);
}
