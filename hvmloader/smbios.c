/*
 * SMBIOS 2.4 tables (the version Xen's hvmloader writes): BIOS (0), system
 * (1), one processor (4) per vCPU, memory array (16) and devices (17),
 * boot status (32) and the end marker (127).  Strings are 1-based indexes
 * into the set that follows each structure's formatted part.
 */
#include "hvmloader.h"
#include "layout.h"
#include "util.h"
#include "version.h"

struct smbios_ep {
  char anchor[4]; /* "_SM_" */
  uint8_t checksum;
  uint8_t length;
  uint8_t major, minor;
  uint16_t max_struct_size;
  uint8_t revision;
  uint8_t formatted[5];
  char dmi_anchor[5];   /* "_DMI_" */
  uint8_t dmi_checksum; /* over the 15 bytes from dmi_anchor */
  uint16_t table_length;
  uint32_t table_address;
  uint16_t nr_structs;
  uint8_t bcd_revision;
} __attribute__((packed));

struct smbios_hdr {
  uint8_t type, length;
  uint16_t handle;
} __attribute__((packed));

struct smbios_type0 {
  struct smbios_hdr h;
  uint8_t vendor, version;
  uint16_t start_segment;
  uint8_t release_date, rom_size;
  uint64_t characteristics;
  uint8_t ext1, ext2;
  uint8_t major, minor, ec_major, ec_minor;
} __attribute__((packed));

struct smbios_type1 {
  struct smbios_hdr h;
  uint8_t manufacturer, product, version, serial;
  uint8_t uuid[16];
  uint8_t wakeup_type;
  uint8_t sku, family;
} __attribute__((packed));

struct smbios_type4 {
  struct smbios_hdr h;
  uint8_t socket, type, family, manufacturer;
  uint32_t cpuid_eax, cpuid_edx;
  uint8_t version, voltage;
  uint16_t external_clock, max_speed, current_speed;
  uint8_t status, upgrade;
  uint16_t l1, l2, l3;
  uint8_t serial, asset, part;
} __attribute__((packed));

struct smbios_type16 {
  struct smbios_hdr h;
  uint8_t location, use, ecc;
  uint32_t max_capacity_kib;
  uint16_t error_handle;
  uint16_t nr_devices;
} __attribute__((packed));

struct smbios_type17 {
  struct smbios_hdr h;
  uint16_t array_handle, error_handle;
  uint16_t total_width, data_width;
  uint16_t size_mib;
  uint8_t form_factor, device_set;
  uint8_t locator, bank_locator;
  uint8_t type;
  uint16_t type_detail;
  uint16_t speed;
  uint8_t manufacturer, serial, asset, part;
} __attribute__((packed));

struct smbios_type32 {
  struct smbios_hdr h;
  uint8_t reserved[6];
  uint8_t status;
} __attribute__((packed));

/* One memory device never exceeds 16 GiB, which keeps size_mib (15 bits)
 * valid without SMBIOS 2.7's extended size field, as Xen does. */
#define DIMM_MAX_MIB 0x4000u

uint32_t smbios_ep_addr;

static uint8_t* cur;
static uint16_t next_handle, nr_structs, max_size;

static void* begin(uint8_t type, uint8_t len) {
  struct smbios_hdr* h = (void*)cur;

  h->type = type;
  h->length = len;
  h->handle = next_handle++;
  cur += len;
  return h;
}

/* Append the structure's strings (NULL-terminated list) and close it. */
static void finish(const void* s, const char* const* strings) {
  const uint8_t* start = s;
  int any = 0;

  for (; strings && *strings; strings++) {
    size_t n = strlen(*strings) + 1;

    memcpy(cur, *strings, n);
    cur += n;
    any = 1;
  }
  if (!any) *cur++ = 0;
  *cur++ = 0;
  if (cur - start > max_size) max_size = (uint16_t)(cur - start);
  nr_structs++;
}

static void u32_to_dec(char* buf, uint32_t v) {
  char tmp[12];
  int n = 0;

  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) *buf++ = tmp[--n];
  *buf = 0;
}

static uint64_t ram_bytes(void) {
  uint64_t total = 0;
  unsigned int i;

  for (i = 0; i < e820_nr; i++)
    if (e820[i].type == E820_RAM) total += e820[i].size;
  /* Count the table block too: it is the guest's RAM, just not free. */
  return total + TABLES_SIZE;
}

uint32_t smbios_build(void) {
  static const char* const bios_strings[] = {"hvmtool", HVMTOOL_VERSION, "01/01/2024", NULL};
  static const char* const sys_strings[] = {"hvmtool", "HVM domU", HVMTOOL_VERSION, "0", NULL};
  uint8_t* table = tables_alloc(TABLES_SIZE / 2, 16);
  struct smbios_ep* ep;
  struct smbios_type0* t0;
  struct smbios_type1* t1;
  struct smbios_type16* t16;
  uint32_t a, b, c, d, i, mib, dimms;
  uint16_t array_handle;

  cur = table;
  next_handle = 0;
  nr_structs = 0;
  max_size = 0;

  t0 = begin(0, sizeof(*t0));
  t0->vendor = 1;
  t0->version = 2;
  t0->start_segment = 0xE800;
  t0->release_date = 3;
  t0->rom_size = 0;
  /* Bit 3: characteristics not supported; ext2 bit 3: virtual machine. */
  t0->characteristics = 1u << 3;
  t0->ext2 = 1u << 3;
  t0->major = 1;
  t0->minor = 0;
  t0->ec_major = t0->ec_minor = 0xff;
  finish(t0, bios_strings);

  t1 = begin(1, sizeof(*t1));
  t1->manufacturer = 1;
  t1->product = 2;
  t1->version = 3;
  t1->serial = 4;
  t1->wakeup_type = 6; /* power switch */
  finish(t1, sys_strings);

  cpuid(1, &a, &b, &c, &d);
  for (i = 0; i < hvm_info->nr_vcpus; i++) {
    struct smbios_type4* t4 = begin(4, sizeof(*t4));
    char socket[16] = "CPU ";
    const char* strings[] = {socket, "hvmtool", NULL};

    u32_to_dec(socket + 4, i);
    t4->socket = 1;
    t4->type = 3;   /* central processor */
    t4->family = 1; /* other */
    t4->manufacturer = 2;
    t4->cpuid_eax = a;
    t4->cpuid_edx = d;
    t4->status = 0x41; /* populated, enabled */
    t4->upgrade = 1;
    t4->l1 = t4->l2 = t4->l3 = 0xffff;
    finish(t4, strings);
  }

  mib = (uint32_t)(ram_bytes() >> 20);
  dimms = (mib + DIMM_MAX_MIB - 1) / DIMM_MAX_MIB;
  array_handle = next_handle;
  t16 = begin(16, sizeof(*t16));
  t16->location = 3; /* system board */
  t16->use = 3;      /* system memory */
  t16->ecc = 3;      /* none */
  t16->max_capacity_kib = mib >= 0x400000 ? 0x80000000u : mib << 10;
  t16->error_handle = 0xfffe;
  t16->nr_devices = (uint16_t)dimms;
  finish(t16, NULL);

  for (i = 0; i < dimms; i++) {
    struct smbios_type17* t17 = begin(17, sizeof(*t17));
    char locator[16] = "DIMM ";
    const char* strings[] = {locator, NULL};
    uint32_t left = mib - i * DIMM_MAX_MIB;

    u32_to_dec(locator + 5, i);
    t17->array_handle = array_handle;
    t17->error_handle = 0xfffe;
    t17->total_width = t17->data_width = 64;
    t17->size_mib = (uint16_t)(left < DIMM_MAX_MIB ? left : DIMM_MAX_MIB);
    t17->form_factor = 9; /* DIMM */
    t17->locator = 1;
    t17->type = 7;              /* RAM */
    t17->type_detail = 1u << 1; /* other */
    finish(t17, strings);
  }

  finish(begin(32, sizeof(struct smbios_type32)), NULL);
  finish(begin(127, sizeof(struct smbios_hdr)), NULL);

  ep = fseg_alloc(sizeof(*ep), 16);
  memcpy(ep->anchor, "_SM_", 4);
  ep->length = sizeof(*ep);
  ep->major = 2;
  ep->minor = 4;
  ep->max_struct_size = max_size;
  memcpy(ep->dmi_anchor, "_DMI_", 5);
  ep->table_length = (uint16_t)(cur - table);
  ep->table_address = (uintptr_t)table;
  ep->nr_structs = nr_structs;
  ep->bcd_revision = 0x24;
  ep->dmi_checksum = checksum8(ep->dmi_anchor, 15);
  ep->checksum = checksum8(ep, sizeof(*ep));
  smbios_ep_addr = (uintptr_t)ep;
  return smbios_ep_addr;
}
