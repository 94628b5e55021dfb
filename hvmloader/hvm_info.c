/*
 * The builder's description of the domain at 0x9F800.  Everything after this
 * (E820, MADT, where payloads may go) trusts these numbers, so a bad table
 * stops the guest with a crash rather than a half-built machine.
 */
#include "hvmloader.h"
#include "layout.h"
#include "util.h"

const struct hvm_info_table* hvm_info;

/* Nothing below 2 MiB leaves room for hvmloader at 1 MiB plus its tables
 * (Xen's hvmloader has the same floor). */
#define LOW_MEM_MIN_PGEND 0x200
#define LOW_MEM_MAX_PGEND 0x100000
#define FOUR_GIB_PGEND 0x100000

static void __attribute__((noreturn)) invalid(const char* reason) {
  printf("hvm_info: invalid %s\n", reason);
  crash();
}

void hvm_info_validate(void) {
  const struct hvm_info_table* t = phys(HVM_INFO_PADDR);
  /* The table must not run past its page's end into the VGA hole. */
  const uint32_t max_len = 0xA0000 - HVM_INFO_PADDR;
  uint32_t i, online = 0;

  if (memcmp(t->signature, "HVM INFO", 8)) invalid("signature");
  if (t->length < sizeof(*t) || t->length > max_len) invalid("length");
  if (checksum8(t, t->length)) invalid("checksum");
  if (t->nr_vcpus < 1 || t->nr_vcpus > HVM_MAX_VCPUS) invalid("nr_vcpus");
  for (i = 0; i < t->nr_vcpus; i++) online += (t->vcpu_online[i / 8] >> (i % 8)) & 1;
  if (!(t->vcpu_online[0] & 1) || !online) invalid("vcpu_online");
  if (t->low_mem_pgend < LOW_MEM_MIN_PGEND || t->low_mem_pgend > LOW_MEM_MAX_PGEND ||
      ((uint64_t)t->low_mem_pgend << 12) - TABLES_SIZE < (uint32_t)(uintptr_t)_end)
    invalid("low_mem_pgend");
  if (t->reserved_mem_pgstart &&
      (t->reserved_mem_pgstart < t->low_mem_pgend || t->reserved_mem_pgstart >= FOUR_GIB_PGEND))
    invalid("reserved_mem_pgstart");
  if (t->high_mem_pgend && t->high_mem_pgend <= FOUR_GIB_PGEND) invalid("high_mem_pgend");

  hvm_info = t;
}

uint32_t low_ram_end(void) { return hvm_info->low_mem_pgend << 12; }
