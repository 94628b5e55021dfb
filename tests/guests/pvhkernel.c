/*
 * PVH test kernel: reports what the loader handed over through
 * hvm_start_info, in lines the tests compare with what the builder placed
 * (port 0xE9):
 *   pvhkernel: entry=pvh ebx=0x%08x cr0=0x%08x
 *   pvhkernel: magic=0x%08x version=%u flags=0x%x
 *   pvhkernel: cmdline "<string>"
 *   pvhkernel: memmap %d 0x%016llx 0x%016llx %u
 *   pvhkernel: module %d addr=0x%08x size=0x%x sum=0x%08x
 *   pvhkernel: done
 * then it powers off through ACPI PM1a_CNT (16-bit write of 0x2000 to port 0x604),
 * or, with "pvhkernel.idle" on the command line, prints "pvhkernel: idle" and
 * stays live without using the CPU (every IRQ masked, STI; HLT): the bench's
 * guest for "domain k created while k-1 are live".
 * Field offsets: xen/include/public/arch-x86/hvm/start_info.h.
 */
#include <stdint.h>

#include "cmdline_word.h"

#define SI_MAGIC 0x336ec578u
#define SI_OFF_MAGIC 0
#define SI_OFF_VERSION 4
#define SI_OFF_FLAGS 8
#define SI_OFF_NR_MODULES 12
#define SI_OFF_MODLIST 16
#define SI_OFF_CMDLINE 24
#define SI_OFF_MEMMAP 40
#define SI_OFF_MEMMAP_NR 48
#define MOD_SIZE 32
#define MEMMAP_SIZE 24
#define CMDLINE_MAX 4096
#define MAX_ENTRIES 64

void pvhkernel_main(uint32_t start_info, uint32_t cr0);

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

static uint32_t rd32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static uint64_t rd64(const uint8_t* p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static void __attribute__((noreturn)) power_off(void) {
  __asm__ volatile("outw %0, %1" : : "a"((uint16_t)0x2000), "Nd"((uint16_t)0x604));
  for (;;) __asm__ volatile("cli; hlt");
}

/* No interrupt can arrive (both PICs masked, no IDT needed), so HLT with
 * interrupts on waits for ever: a live guest that costs no CPU. */
static void __attribute__((noreturn)) idle(void) {
  puts("pvhkernel: idle\n");
  outb(0x21, 0xff);
  outb(0xa1, 0xff);
  for (;;) __asm__ volatile("sti; hlt");
}

static const uint8_t* addressable(uint64_t paddr) { return paddr >> 32 ? 0 : (const uint8_t*)(uintptr_t)paddr; }

void pvhkernel_main(uint32_t start_info, uint32_t cr0) {
  const uint8_t* si = (const uint8_t*)(uintptr_t)start_info;
  const uint8_t* p;
  const char* cmdline;
  uint32_t i, n;

  puts("pvhkernel: entry=pvh ebx=0x");
  puthex(start_info, 8);
  puts(" cr0=0x");
  puthex(cr0, 8);
  putc('\n');
  if (!si) {
    puts("pvhkernel: error: no start info\n");
    power_off();
  }
  puts("pvhkernel: magic=0x");
  puthex(rd32(si + SI_OFF_MAGIC), 8);
  puts(" version=");
  putdec(rd32(si + SI_OFF_VERSION));
  puts(" flags=0x");
  puthex_short(rd32(si + SI_OFF_FLAGS));
  putc('\n');
  if (rd32(si + SI_OFF_MAGIC) != SI_MAGIC) {
    puts("pvhkernel: error: bad start info magic\n");
    power_off();
  }

  puts("pvhkernel: cmdline \"");
  p = addressable(rd64(si + SI_OFF_CMDLINE));
  cmdline = (const char*)p;
  for (i = 0; p && i < CMDLINE_MAX && p[i]; i++) putc((char)p[i]);
  puts("\"\n");

  n = rd32(si + SI_OFF_MEMMAP_NR);
  p = addressable(rd64(si + SI_OFF_MEMMAP));
  if (rd32(si + SI_OFF_VERSION) < 1 || !p) n = 0;
  for (i = 0; i < n && i < MAX_ENTRIES; i++) {
    const uint8_t* e = p + i * MEMMAP_SIZE;

    puts("pvhkernel: memmap ");
    putdec(i);
    puts(" 0x");
    puthex(rd64(e), 16);
    puts(" 0x");
    puthex(rd64(e + 8), 16);
    putc(' ');
    putdec(rd32(e + 16));
    putc('\n');
  }

  n = rd32(si + SI_OFF_NR_MODULES);
  p = addressable(rd64(si + SI_OFF_MODLIST));
  for (i = 0; p && i < n && i < MAX_ENTRIES; i++) {
    const uint8_t* m = p + i * MOD_SIZE;
    const uint8_t* data = addressable(rd64(m));
    uint32_t size = (uint32_t)rd64(m + 8), sum = 0, j;

    for (j = 0; data && j < size; j++) sum += data[j];
    puts("pvhkernel: module ");
    putdec(i);
    puts(" addr=0x");
    puthex(rd64(m), 8);
    puts(" size=0x");
    puthex_short(size);
    puts(" sum=0x");
    puthex(sum, 8);
    putc('\n');
  }
  puts("pvhkernel: done\n");
  if (cmdline && has_word(cmdline, "pvhkernel.idle")) idle();
  power_off();
}
