/*
 * Payloads handed over by the builder in hvm_start_info's module list.  As
 * in Xen's hvmloader a module is named by the string at its cmdline_paddr.
 * The list is written by the toolstack, but its contents may come from a
 * guest owner, so every address is checked against RAM before use.
 */
#include "hvmloader.h"
#include "layout.h"
#include "util.h"

#define MAX_MODULES 32
#define MAX_NAME 64
#define MAX_CMDLINE 0x10000

static const struct hvm_start_info* start_info;
static struct module modules[MAX_MODULES];
static char module_names[MAX_MODULES][MAX_NAME];
static unsigned int nr_modules;

void start_info_probe(uint32_t ebx) {
  const struct hvm_start_info* si = phys(ebx);
  /* RAM bounds are unknown until hvm_info is checked; rule out only what
   * can never be RAM (the legacy JMP at 0, the VGA/ROM hole, MMIO)
   * before touching the address at all. */
  int plausible = ebx >= 0x10 && !(ebx & 3) && (ebx < 0xA0000 - sizeof(*si) || (ebx >= 0x100000 && ebx < 0xF0000000));

  if (plausible && si->magic == XEN_HVM_START_MAGIC_VALUE) {
    start_info = si;
    printf("hvm_start_info at 0x%08x (%u modules)\n", ebx, si->nr_modules);
    return;
  }
  printf(
      "WARNING: no hvm_start_info (EBX=0x%08x, legacy entry?): "
      "continuing without modules\n",
      ebx);
}

/* Is [addr, addr+len) ordinary low RAM that hvmloader does not occupy? */
static int in_ram(uint64_t addr, uint64_t len) {
  uint64_t end = addr + len;

  if (end < addr || end > low_ram_end()) return 0;
  if (ranges_overlap(addr, len, 0xA0000, 0x20000)) return 0;
  return 1;
}

/*
 * Where may the builder have put a module?  Not over hvmloader, and not over
 * what hvmloader writes before any payload is moved: the table block at the
 * top of low RAM and, unless it is the BIOS itself, the F-segment.
 */
static const char* unusable(const char* name, uint64_t addr, uint64_t len) {
  uint32_t tables = low_ram_end() - TABLES_SIZE;

  if (!len) return "is empty";
  if (!in_ram(addr, len)) return "is not in low RAM";
  if (ranges_overlap(addr, len, (uintptr_t)_image_start, (uintptr_t)_end - (uintptr_t)_image_start))
    return "overlaps hvmloader";
  if (ranges_overlap(addr, len, tables, TABLES_SIZE)) return "overlaps the ACPI/SMBIOS block (top 64 KiB of low RAM)";
  if (strcmp(name, HVMTOOL_ABI_MODULE_FIRMWARE) && ranges_overlap(addr, len, FSEG_START, BIOS_END - FSEG_START))
    return "overlaps the F-segment";
  return NULL;
}

/* A string in guest RAM, or NULL if it is not NUL-terminated within max. */
static const char* ram_string(uint64_t paddr, uint32_t max) {
  uint32_t room, len;

  if (!paddr || paddr >= low_ram_end() || !in_ram(paddr, 1)) return NULL;
  room = low_ram_end() - (uint32_t)paddr;
  if (room > max) room = max;
  if (paddr < 0xA0000 && room > 0xA0000 - paddr) room = 0xA0000 - (uint32_t)paddr;
  len = strnlen(phys((uint32_t)paddr), room);
  return len < room ? phys((uint32_t)paddr) : NULL;
}

void modules_init(void) {
  const struct hvm_modlist_entry* list;
  unsigned int i;

  if (!start_info) return;
  if (!in_ram((uintptr_t)start_info, sizeof(*start_info))) {
    printf("hvm_start_info: not in RAM, ignoring it\n");
    start_info = NULL;
    return;
  }
  if (!start_info->nr_modules) return;
  if (start_info->nr_modules > MAX_MODULES ||
      !in_ram(start_info->modlist_paddr, (uint64_t)start_info->nr_modules * sizeof(*list))) {
    printf("hvm_start_info: bad module list (%u entries at 0x%llx)\n", start_info->nr_modules,
           (unsigned long long)start_info->modlist_paddr);
    crash();
  }

  list = phys((uint32_t)start_info->modlist_paddr);
  for (i = 0; i < start_info->nr_modules; i++) {
    const char* name = ram_string(list[i].cmdline_paddr, MAX_NAME);
    struct module* m = &modules[nr_modules];
    const char* why;

    if (!name) {
      printf("modules: module %u has no readable name, ignored\n", i);
      continue;
    }
    why = unusable(name, list[i].paddr, list[i].size);
    if (why) {
      printf("modules: \"%s\" at 0x%llx size 0x%llx %s\n", name, (unsigned long long)list[i].paddr,
             (unsigned long long)list[i].size, why);
      crash();
    }
    /* Copy the name: its page may be reused before the name is printed. */
    memcpy(module_names[nr_modules], name, strlen(name) + 1);
    m->name = module_names[nr_modules];
    m->paddr = (uint32_t)list[i].paddr;
    m->size = (uint32_t)list[i].size;
    printf("module \"%s\" at 0x%08x size 0x%x\n", m->name, m->paddr, m->size);
    nr_modules++;
  }
}

const struct module* module_find(const char* name) {
  unsigned int i;

  for (i = 0; i < nr_modules; i++)
    if (!strcmp(modules[i].name, name)) return &modules[i];
  return NULL;
}

const char* start_info_cmdline(void) {
  const char* s;

  if (!start_info || !start_info->cmdline_paddr) return NULL;
  s = ram_string(start_info->cmdline_paddr, MAX_CMDLINE);
  if (!s)
    printf(
        "hvm_start_info: command line at 0x%llx is not a string in "
        "RAM, ignored\n",
        (unsigned long long)start_info->cmdline_paddr);
  return s;
}
