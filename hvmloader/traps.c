/* Install the exception handlers from trap_entry.S and report a fault. */
#include "hvmloader.h"
#include "layout.h"
#include "util.h"

#define NR_VECTORS 32
#define STUB_SIZE 16

struct idt_gate {
  uint16_t offset_lo;
  uint16_t selector;
  uint8_t zero;
  uint8_t type; /* 0x8E: present, DPL 0, 32-bit interrupt gate */
  uint16_t offset_hi;
} __attribute__((packed));

extern char trap_stubs[];
void __attribute__((noreturn)) trap_report(uint32_t vector, uint32_t error, uint32_t eip);

static struct idt_gate idt[NR_VECTORS];

void traps_init(void) {
  struct {
    uint16_t limit;
    uint32_t base;
  } __attribute__((packed)) desc = {sizeof(idt) - 1, (uintptr_t)idt};
  unsigned int i;

  for (i = 0; i < NR_VECTORS; i++) {
    uint32_t handler = (uintptr_t)trap_stubs + i * STUB_SIZE;

    idt[i].offset_lo = (uint16_t)handler;
    idt[i].selector = SEL_CODE32;
    idt[i].type = 0x8E;
    idt[i].offset_hi = (uint16_t)(handler >> 16);
  }
  __asm__ volatile("lidt %0" : : "m"(desc));
}

void trap_report(uint32_t vector, uint32_t error, uint32_t eip) {
  uint32_t cr2;

  __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
  printf("hvmloader: exception %u (error 0x%x) at EIP 0x%08x, CR2 0x%08x\n", vector, error, eip, cr2);
  crash();
}
