#include "hvm_context.hpp"

#include <cstring>

#include "hvmtool/error.hpp"

namespace hvmtool::xen {
namespace {

constexpr std::uint16_t kCodeHeader = HVM_SAVE_CODE(HEADER);
constexpr std::uint16_t kCodeCpu = HVM_SAVE_CODE(CPU);
constexpr std::uint16_t kCodeMtrr = HVM_SAVE_CODE(MTRR);
constexpr std::uint16_t kCodeEnd = HVM_SAVE_CODE(END);

template <typename T>
void append(std::vector<std::uint8_t>& out, const T& v) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&v);
  out.insert(out.end(), p, p + sizeof v);
}

void append_descriptor(std::vector<std::uint8_t>& out, std::uint16_t typecode, std::uint16_t instance,
                       std::uint32_t length) {
  hvm_save_descriptor d{};
  d.typecode = typecode;
  d.instance = instance;
  d.length = length;
  append(out, d);
}

// The header descriptor and record, exactly as the domain's context has them
// (vcpu_hvm copies sizeof(descriptor) + sizeof(hvm_save_header) bytes).
void append_header(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> full) {
  const std::size_t n = sizeof(hvm_save_descriptor) + sizeof(hvm_save_header);
  if (full.size() < n)
    throw PlatformError("xen: HVM context of " + std::to_string(full.size()) + " bytes has no header");
  hvm_save_descriptor d;
  std::memcpy(&d, full.data(), sizeof d);
  if (d.typecode != kCodeHeader)
    throw PlatformError("xen: HVM context starts with record type " + std::to_string(d.typecode) + ", not HEADER");
  out.insert(out.end(), full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
}

}  // namespace

std::uint32_t segment_arbytes(const Segment& s) {
  if (s.unusable || !s.present) return 0;
  return static_cast<std::uint32_t>(s.type & 0xf) | static_cast<std::uint32_t>(s.s & 1) << 4 |
         static_cast<std::uint32_t>(s.dpl & 3) << 5 | 1u << 7 | static_cast<std::uint32_t>(s.l & 1) << 9 |
         static_cast<std::uint32_t>(s.db & 1) << 10 | static_cast<std::uint32_t>(s.g & 1) << 11;
}

hvm_hw_cpu cpu_record(const VcpuContext& c) {
  hvm_hw_cpu r;
  std::memset(&r, 0, sizeof r);
  r.rax = c.rax;
  r.rbx = c.rbx;
  r.rcx = c.rcx;
  r.rdx = c.rdx;
  r.rbp = c.rbp;
  r.rsi = c.rsi;
  r.rdi = c.rdi;
  r.rsp = c.rsp;
  r.r8 = c.r8;
  r.r9 = c.r9;
  r.r10 = c.r10;
  r.r11 = c.r11;
  r.r12 = c.r12;
  r.r13 = c.r13;
  r.r14 = c.r14;
  r.r15 = c.r15;
  r.rip = c.rip;
  r.rflags = c.rflags;
  r.cr0 = c.cr0;
  r.cr2 = c.cr2;
  r.cr3 = c.cr3;
  r.cr4 = c.cr4;
  r.msr_efer = c.efer;
  r.dr6 = kDr6Default;
  r.dr7 = kDr7Default;
#define HVMTOOL_SEG(field, seg)   \
  r.field##_sel = (seg).selector; \
  r.field##_limit = (seg).limit;  \
  r.field##_base = (seg).base;    \
  r.field##_arbytes = segment_arbytes(seg);
  HVMTOOL_SEG(cs, c.cs)
  HVMTOOL_SEG(ds, c.ds)
  HVMTOOL_SEG(es, c.es)
  HVMTOOL_SEG(fs, c.fs)
  HVMTOOL_SEG(gs, c.gs)
  HVMTOOL_SEG(ss, c.ss)
  HVMTOOL_SEG(tr, c.tr)
  HVMTOOL_SEG(ldtr, c.ldt)
#undef HVMTOOL_SEG
  r.gdtr_base = c.gdt.base;
  r.gdtr_limit = c.gdt.limit;
  r.idtr_base = c.idt.base;
  r.idtr_limit = c.idt.limit;
  return r;
}

const std::uint8_t* find_record(std::span<const std::uint8_t> full, std::uint16_t typecode, std::uint16_t instance,
                                std::uint32_t* length) {
  std::size_t off = 0;
  while (off + sizeof(hvm_save_descriptor) <= full.size()) {
    hvm_save_descriptor d;
    std::memcpy(&d, full.data() + off, sizeof d);
    off += sizeof d;
    if (d.length > full.size() - off)
      throw PlatformError("xen: HVM context record type " + std::to_string(d.typecode) + " runs past the end");
    if (d.typecode == typecode && d.instance == instance) {
      if (length) *length = d.length;
      return full.data() + off;
    }
    if (d.typecode == kCodeEnd) break;
    off += d.length;
  }
  return nullptr;
}

std::vector<std::uint8_t> bsp_context(std::span<const std::uint8_t> full, const VcpuContext& c) {
  std::vector<std::uint8_t> out;
  append_header(out, full);
  append_descriptor(out, kCodeCpu, 0, sizeof(hvm_hw_cpu));
  append(out, cpu_record(c));
  append_descriptor(out, kCodeEnd, 0, 0);
  return out;
}

std::vector<std::uint8_t> mtrr_context(std::span<const std::uint8_t> full, unsigned vcpu) {
  std::uint32_t len = 0;
  const std::uint8_t* rec = find_record(full, kCodeMtrr, 0, &len);
  if (!rec || len < sizeof(hvm_hw_mtrr)) throw PlatformError("xen: unable to get the MTRR save record");
  hvm_hw_mtrr mtrr;
  std::memcpy(&mtrr, rec, sizeof mtrr);
  mtrr.msr_mtrr_def_type = kMtrrTypeWriteBack | kMtrrDefTypeEnable;
  std::vector<std::uint8_t> out;
  append_header(out, full);
  append_descriptor(out, kCodeMtrr, static_cast<std::uint16_t>(vcpu), sizeof(hvm_hw_mtrr));
  append(out, mtrr);
  append_descriptor(out, kCodeEnd, 0, 0);
  return out;
}

}  // namespace hvmtool::xen
