/*
 * The ACPI tables an SMP guest needs and nothing more: RSDP -> RSDT/XSDT ->
 * FADT (-> FACS, DSDT) and MADT.  Port numbers follow hvmtool's guest I/O
 * ABI: a PIIX-style PM block at 0x600 whose PM1a_CNT (0x604) powers off on
 * SLP_EN, and the 0xCF9 reset register.  There is no PM timer: the ABI does
 * not provide one, and advertising a dead one is worse than none.
 */
#include "hvmloader.h"
#include "util.h"

#define OEM_ID "HVMTLS"
#define OEM_TABLE_ID "HVMTOOL "
#define CREATOR_ID "HVMT"

#define PM1A_EVT_BLK 0x600
#define PM1A_CNT_BLK 0x604
#define RESET_PORT 0xCF9
#define RESET_VALUE 0x06
#define SCI_IRQ 9
#define LAPIC_ADDR 0xFEE00000
#define IOAPIC_ADDR 0xFEC00000

struct acpi_header {
  char signature[4];
  uint32_t length;
  uint8_t revision;
  uint8_t checksum;
  char oem_id[6];
  char oem_table_id[8];
  uint32_t oem_revision;
  char creator_id[4];
  uint32_t creator_revision;
} __attribute__((packed));

struct acpi_rsdp {
  char signature[8];
  uint8_t checksum; /* first 20 bytes (ACPI 1.0 part) */
  char oem_id[6];
  uint8_t revision;
  uint32_t rsdt;
  uint32_t length;
  uint64_t xsdt;
  uint8_t ext_checksum; /* all 36 bytes */
  uint8_t reserved[3];
} __attribute__((packed));

struct acpi_gas {
  uint8_t space_id; /* 1 = system I/O */
  uint8_t bit_width;
  uint8_t bit_offset;
  uint8_t access_size; /* 1 byte, 2 word, 3 dword */
  uint64_t address;
} __attribute__((packed));

/* ACPI 3.0 layout (revision 4): what Linux, Windows and Xen all handle. */
struct acpi_fadt {
  struct acpi_header h;
  uint32_t firmware_ctrl;
  uint32_t dsdt;
  uint8_t reserved0;
  uint8_t preferred_pm_profile;
  uint16_t sci_int;
  uint32_t smi_cmd;
  uint8_t acpi_enable;
  uint8_t acpi_disable;
  uint8_t s4bios_req;
  uint8_t pstate_cnt;
  uint32_t pm1a_evt_blk, pm1b_evt_blk;
  uint32_t pm1a_cnt_blk, pm1b_cnt_blk;
  uint32_t pm2_cnt_blk;
  uint32_t pm_tmr_blk;
  uint32_t gpe0_blk, gpe1_blk;
  uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
  uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
  uint16_t p_lvl2_lat, p_lvl3_lat;
  uint16_t flush_size, flush_stride;
  uint8_t duty_offset, duty_width;
  uint8_t day_alrm, mon_alrm, century;
  uint16_t iapc_boot_arch;
  uint8_t reserved1;
  uint32_t flags;
  struct acpi_gas reset_reg;
  uint8_t reset_value;
  uint8_t reserved2[3];
  uint64_t x_firmware_ctrl;
  uint64_t x_dsdt;
  struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk;
  struct acpi_gas x_pm1a_cnt_blk, x_pm1b_cnt_blk;
  struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk;
  struct acpi_gas x_gpe0_blk, x_gpe1_blk;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_fadt) == 244, "FADT rev 4 is 244 bytes");

#define FADT_WBINVD (1u << 0)
#define FADT_PROC_C1 (1u << 2)
#define FADT_PWR_BUTTON (1u << 4) /* no fixed power button */
#define FADT_SLP_BUTTON (1u << 5) /* no fixed sleep button */
#define FADT_RESET_REG_SUP (1u << 10)
#define BOOT_ARCH_LEGACY_DEVICES (1u << 0)

struct acpi_facs {
  char signature[4];
  uint32_t length;
  uint32_t hardware_signature;
  uint32_t firmware_waking_vector;
  uint32_t global_lock;
  uint32_t flags;
  uint64_t x_firmware_waking_vector;
  uint8_t version;
  uint8_t reserved[31];
} __attribute__((packed));

struct acpi_madt {
  struct acpi_header h;
  uint32_t lapic_addr;
  uint32_t flags; /* 1: PC-AT 8259s present (must be masked) */
} __attribute__((packed));

struct madt_lapic {
  uint8_t type, length; /* 0, 8 */
  uint8_t acpi_id, apic_id;
  uint32_t flags; /* 1: enabled */
} __attribute__((packed));

struct madt_ioapic {
  uint8_t type, length; /* 1, 12 */
  uint8_t id, reserved;
  uint32_t addr;
  uint32_t gsi_base;
} __attribute__((packed));

struct madt_override {
  uint8_t type, length; /* 2, 10 */
  uint8_t bus, source;
  uint32_t gsi;
  uint16_t flags;
} __attribute__((packed));

struct madt_lapic_nmi {
  uint8_t type, length; /* 4, 6 */
  uint8_t acpi_id;      /* 0xFF: all processors */
  uint16_t flags;
  uint8_t lint;
} __attribute__((packed));

/*
 * DefinitionBlock body: Name (\_S5, Package (4) { 0, 0, 0, 0 }).
 * SLP_TYP 0 for S5 is what makes the OS write exactly SLP_EN (0x2000) to
 * PM1a_CNT, the poweroff value of hvmtool's ABI.
 */
static const uint8_t dsdt_aml[] = {
    0x08, '\\', '_',  'S',  '5', '_', /* NameOp \_S5_ */
    0x12, 0x06, 0x04,                 /* PackageOp, PkgLength 6, 4 elems */
    0x00, 0x00, 0x00, 0x00,           /* ZeroOp x4 */
};

uint32_t acpi_rsdp_addr;

static void header(struct acpi_header* h, const char* sig, uint32_t len, uint8_t rev) {
  memcpy(h->signature, sig, 4);
  h->length = len;
  h->revision = rev;
  memcpy(h->oem_id, OEM_ID, 6);
  memcpy(h->oem_table_id, OEM_TABLE_ID, 8);
  h->oem_revision = 1;
  memcpy(h->creator_id, CREATOR_ID, 4);
  h->creator_revision = 1;
}

static void seal(struct acpi_header* h) {
  h->checksum = 0;
  h->checksum = checksum8(h, h->length);
}

/* access: 1 byte, 2 word.  PM1_EVT is two 16-bit registers (status,
 * enable) and must be accessed as words: a dword write to the enable half
 * would spill into PM1a_CNT at 0x604, our poweroff port. */
static struct acpi_gas io_gas(uint32_t port, uint8_t bits, uint8_t access) {
  struct acpi_gas g = {
      .space_id = 1,
      .bit_width = bits,
      .access_size = access,
      .address = port,
  };
  return g;
}

static uint8_t lapic_id(uint32_t vcpu) {
  /* Xen numbers vLAPICs 2*vcpu (hvmloader's LAPIC_ID); KVM uses vcpu. */
  return (uint8_t)(hypervisor == HV_XEN ? vcpu * 2 : vcpu);
}

/* Read the IOAPIC's own ID register so the MADT cannot disagree with it. */
static uint8_t ioapic_id(void) {
  volatile uint32_t* regsel = phys(IOAPIC_ADDR);
  volatile uint32_t* win = phys(IOAPIC_ADDR + 0x10);

  *regsel = 0;
  return (uint8_t)((*win >> 24) & 0x0f);
}

static struct acpi_madt* build_madt(void) {
  uint32_t n = hvm_info->nr_vcpus, i, len;
  struct acpi_madt* madt;
  struct madt_lapic* lapic;
  struct madt_ioapic* io;
  struct madt_override* iso;
  struct madt_lapic_nmi* nmi;

  len = sizeof(*madt) + n * sizeof(*lapic) + sizeof(*io) + 2 * sizeof(*iso) + sizeof(*nmi);
  madt = tables_alloc(len, 16);
  header(&madt->h, "APIC", len, 3);
  madt->lapic_addr = LAPIC_ADDR;
  madt->flags = 1;

  /* Every possible vCPU gets an entry so offline ones can be hot-added;
   * only the online ones are enabled (as in Xen). */
  lapic = (void*)(madt + 1);
  for (i = 0; i < n; i++, lapic++) {
    lapic->type = 0;
    lapic->length = sizeof(*lapic);
    lapic->acpi_id = (uint8_t)i;
    lapic->apic_id = lapic_id(i);
    lapic->flags = (hvm_info->vcpu_online[i / 8] >> (i % 8)) & 1;
  }

  io = (void*)lapic;
  io->type = 1;
  io->length = sizeof(*io);
  io->id = ioapic_id();
  io->addr = IOAPIC_ADDR;
  io->gsi_base = 0;

  /* The PIT's IRQ0 is wired to IOAPIC pin 2 on every PC chipset model. */
  iso = (void*)(io + 1);
  iso->type = 2;
  iso->length = sizeof(*iso);
  iso->source = 0;
  iso->gsi = 2;
  iso->flags = 0;
  /* The SCI is level-triggered, active high (flags: polarity 1, trigger 3). */
  iso++;
  iso->type = 2;
  iso->length = sizeof(*iso);
  iso->source = SCI_IRQ;
  iso->gsi = SCI_IRQ;
  iso->flags = 0x000d;

  nmi = (void*)(iso + 1);
  nmi->type = 4;
  nmi->length = sizeof(*nmi);
  nmi->acpi_id = 0xff;
  nmi->flags = 0;
  nmi->lint = 1;

  seal(&madt->h);
  return madt;
}

static struct acpi_fadt* build_fadt(void) {
  struct acpi_facs* facs = tables_alloc(sizeof(*facs), 64);
  struct acpi_header* dsdt;
  struct acpi_fadt* f;
  uint32_t aml_len;

  memcpy(facs->signature, "FACS", 4);
  facs->length = sizeof(*facs);
  facs->version = 1;

  /* On Xen hvmtool runs no device model, and Xen itself does not act on
   * PM1a_CNT: an OS that believed in \_S5 would write SLP_EN and wait for
   * ever. Without \_S5 Linux's poweroff halts every vCPU with interrupts
   * off instead, which Xen ends as a poweroff (as for a PVH guest). */
  aml_len = hypervisor == HV_XEN ? 0 : sizeof(dsdt_aml);
  dsdt = tables_alloc(sizeof(*dsdt) + aml_len, 16);
  header(dsdt, "DSDT", sizeof(*dsdt) + aml_len, 2);
  memcpy(dsdt + 1, dsdt_aml, aml_len);
  seal(dsdt);

  f = tables_alloc(sizeof(*f), 16);
  header(&f->h, "FACP", sizeof(*f), 4);
  /* Only the 32-bit FACS pointer: when both are set OSPMs use X_ and
   * Linux registers the FACS twice. */
  f->firmware_ctrl = (uintptr_t)facs;
  f->dsdt = (uintptr_t)dsdt;
  f->x_dsdt = (uintptr_t)dsdt;
  f->sci_int = SCI_IRQ;
  /* smi_cmd 0: the platform is always in ACPI mode, no handshake. */
  f->pm1a_evt_blk = PM1A_EVT_BLK;
  f->pm1_evt_len = 4;
  f->pm1a_cnt_blk = PM1A_CNT_BLK;
  f->pm1_cnt_len = 2;
  f->x_pm1a_evt_blk = io_gas(PM1A_EVT_BLK, 32, 2);
  f->x_pm1a_cnt_blk = io_gas(PM1A_CNT_BLK, 16, 2);
  /* C2/C3 latencies above 100/1000 us mean "not supported". */
  f->p_lvl2_lat = 101;
  f->p_lvl3_lat = 1001;
  f->iapc_boot_arch = BOOT_ARCH_LEGACY_DEVICES;
  f->flags = FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON | FADT_RESET_REG_SUP;
  f->reset_reg = io_gas(RESET_PORT, 8, 1);
  f->reset_value = RESET_VALUE;
  seal(&f->h);
  return f;
}

uint32_t acpi_build(void) {
  struct acpi_fadt* fadt = build_fadt();
  struct acpi_madt* madt = build_madt();
  uint32_t tables[2] = {(uintptr_t)fadt, (uintptr_t)madt};
  struct acpi_header *rsdt, *xsdt;
  struct acpi_rsdp* rsdp;
  uint32_t i;

  rsdt = tables_alloc(sizeof(*rsdt) + sizeof(tables), 16);
  header(rsdt, "RSDT", sizeof(*rsdt) + sizeof(tables), 1);
  memcpy(rsdt + 1, tables, sizeof(tables));
  seal(rsdt);

  xsdt = tables_alloc(sizeof(*xsdt) + 2 * sizeof(uint64_t), 16);
  header(xsdt, "XSDT", sizeof(*xsdt) + 2 * sizeof(uint64_t), 1);
  for (i = 0; i < 2; i++) {
    uint64_t entry = tables[i];

    /* XSDT entries are only 4-byte aligned: copy, don't assign. */
    memcpy((uint8_t*)(xsdt + 1) + i * 8, &entry, 8);
  }
  seal(xsdt);

  rsdp = fseg_alloc(sizeof(*rsdp), 16);
  memcpy(rsdp->signature, "RSD PTR ", 8);
  memcpy(rsdp->oem_id, OEM_ID, 6);
  rsdp->revision = 2;
  rsdp->rsdt = (uintptr_t)rsdt;
  rsdp->length = sizeof(*rsdp);
  rsdp->xsdt = (uintptr_t)xsdt;
  rsdp->checksum = checksum8(rsdp, 20);
  rsdp->ext_checksum = checksum8(rsdp, sizeof(*rsdp));

  acpi_rsdp_addr = (uintptr_t)rsdp;
  return acpi_rsdp_addr;
}
