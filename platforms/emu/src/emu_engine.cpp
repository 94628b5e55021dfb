#include "emu_engine.hpp"

#include <unicorn/x86.h>

#include <cstdio>
#include <iterator>

#include "hvmtool/error.hpp"

namespace hvmtool::emu {

struct MmioContext {
  MmioHandler* handler;
  std::uint64_t base;
};

namespace {

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::uint64_t mmio_read_cb(uc_engine*, std::uint64_t offset, unsigned size, void* user) {
  auto* c = static_cast<MmioContext*>(user);
  return c->handler->mmio_read(c->base + offset, size);
}

void mmio_write_cb(uc_engine*, std::uint64_t offset, unsigned size, std::uint64_t value, void* user) {
  auto* c = static_cast<MmioContext*>(user);
  c->handler->mmio_write(c->base + offset, size, value);
}

uc_mode to_uc(Engine::Mode m) {
  switch (m) {
    case Engine::Mode::bits16:
      return UC_MODE_16;
    case Engine::Mode::bits32:
      return UC_MODE_32;
    default:
      return UC_MODE_64;
  }
}

}  // namespace

void check_uc(uc_err err, const std::string& what) {
  if (err != UC_ERR_OK) throw PlatformError("emu: " + what + ": " + uc_strerror(err));
}

const char* Engine::mode_name(Mode m) {
  switch (m) {
    case Mode::bits16:
      return "16-bit";
    case Mode::bits32:
      return "32-bit";
    default:
      return "64-bit";
  }
}

Engine::Engine(Mode mode) : mode_(mode) {
  check_uc(uc_open(UC_ARCH_X86, to_uc(mode), &uc_), std::string("opening a ") + mode_name(mode) + " Unicorn engine");
}

Engine::~Engine() {
  if (uc_) uc_close(uc_);  // frees the regions; the RAM itself is the domain's
}

std::uint64_t Engine::reg(int id) const {
  std::uint64_t v = 0;
  uc_reg_read(uc_, id, &v);
  return v;
}

void Engine::set_reg(int id, std::uint64_t value) { check_uc(try_set_reg(id, value), "writing a register"); }

uc_err Engine::try_set_reg(int id, std::uint64_t value) { return uc_reg_write(uc_, id, &value); }

Engine::Table Engine::table(int id) const {
  uc_x86_mmr m{};
  uc_reg_read(uc_, id, &m);
  return Table{m.base, m.limit};
}

void Engine::set_table(int id, Table t) {
  uc_x86_mmr m{};
  m.base = t.base;
  m.limit = t.limit;
  check_uc(uc_reg_write(uc_, id, &m), "writing a descriptor table register");
}

void Engine::set_system_segment(int id, std::uint16_t selector, std::uint64_t base, std::uint32_t limit,
                                std::uint32_t flags) {
  uc_x86_mmr m{};
  m.selector = selector;
  m.base = base;
  m.limit = limit;
  m.flags = flags;
  check_uc(uc_reg_write(uc_, id, &m), "writing TR/LDTR");
}

std::uint64_t Engine::msr(std::uint32_t index) const {
  uc_x86_msr m{};
  m.rid = index;
  uc_reg_read(uc_, UC_X86_REG_MSR, &m);
  return m.value;
}

void Engine::set_msr(std::uint32_t index, std::uint64_t value) {
  uc_x86_msr m{};
  m.rid = index;
  m.value = value;
  check_uc(uc_reg_write(uc_, UC_X86_REG_MSR, &m), "writing MSR " + hex(index));
}

bool Engine::read_phys(std::uint64_t gpa, void* out, std::size_t len) const {
  return uc_mem_read(uc_, gpa, out, len) == UC_ERR_OK;
}

bool Engine::write_phys(std::uint64_t gpa, const void* in, std::size_t len) {
  return uc_mem_write(uc_, gpa, in, len) == UC_ERR_OK;
}

void Engine::map_scratch(std::uint64_t gpa, std::size_t len) {
  check_uc(uc_mem_map(uc_, gpa, len, UC_PROT_READ | UC_PROT_WRITE), "mapping a scratch page at " + hex(gpa));
}

void Engine::unmap(std::uint64_t gpa, std::size_t len) {
  check_uc(uc_mem_unmap(uc_, gpa, len), "unmapping [" + hex(gpa) + ", +" + hex(len) + ")");
}

void Engine::map_mmio_locked(std::uint64_t gpa, std::uint64_t len, MmioHandler& mmio) {
  auto ctx = std::make_unique<MmioContext>(MmioContext{&mmio, gpa});
  check_uc(uc_mmio_map(uc_, gpa, len, mmio_read_cb, ctx.get(), mmio_write_cb, ctx.get()),
           "mapping the hole [" + hex(gpa) + ", " + hex(gpa + len) + ")");
  Region r;
  r.len = len;
  r.mmio = std::move(ctx);
  regions_[gpa] = std::move(r);
}

void Engine::map_guest(const std::vector<GpaRange>& ram, std::byte* window, MmioHandler& mmio) {
  for (const GpaRange& range : ram) {
    std::uint64_t cur = range.gpa;
    while (cur < range.end()) {
      auto next = regions_.upper_bound(cur);
      if (next != regions_.begin()) {
        auto prev = std::prev(next);
        if (prev->second.ram && prev->first + prev->second.len > cur) {
          cur = prev->first + prev->second.len;  // already mapped
          continue;
        }
      }
      std::uint64_t end = range.end();
      for (auto it = next; it != regions_.end() && it->first < end; ++it)
        if (it->second.ram) {
          end = it->first;
          break;
        }
      // Holes over [cur, end) give way: unmapped whole, their remains mapped again.
      std::vector<GpaRange> remains;
      auto it = regions_.upper_bound(cur);
      if (it != regions_.begin() && std::prev(it)->first + std::prev(it)->second.len > cur) --it;
      while (it != regions_.end() && it->first < end) {
        if (it->second.ram) {
          ++it;
          continue;
        }
        const std::uint64_t s = it->first, e = it->first + it->second.len;
        unmap(s, e - s);
        if (s < cur) remains.push_back({s, cur - s});
        if (e > end) remains.push_back({end, e - end});
        it = regions_.erase(it);
      }
      check_uc(uc_mem_map_ptr(uc_, cur, end - cur, UC_PROT_ALL, window + cur),
               "mapping guest RAM [" + hex(cur) + ", " + hex(end) + ")");
      Region r;
      r.len = end - cur;
      r.ram = true;
      regions_[cur] = std::move(r);
      for (const GpaRange& g : remains) map_mmio_locked(g.gpa, g.len, mmio);
      cur = end;
    }
  }
  // Every page below 4 GiB that is neither RAM nor a hole yet becomes one.
  std::vector<GpaRange> gaps;
  std::uint64_t cur = 0;
  for (const auto& [gpa, r] : regions_) {
    if (gpa >= k4G) break;
    if (gpa > cur) gaps.push_back({cur, gpa - cur});
    cur = std::max(cur, gpa + r.len);
  }
  if (cur < k4G) gaps.push_back({cur, k4G - cur});
  for (const GpaRange& g : gaps) map_mmio_locked(g.gpa, g.len, mmio);
}

std::uint64_t Engine::resume_address() const {
  switch (mode_) {
    case Mode::bits16:
      return (reg(UC_X86_REG_CS) & 0xFFFF) * 16 + (reg(UC_X86_REG_EIP) & 0xFFFFFFFF);
    case Mode::bits32:
      return reg(UC_X86_REG_EIP) & 0xFFFFFFFF;
    default:
      return reg(UC_X86_REG_RIP);
  }
}

uc_err Engine::run() {
  // `until` is an address no instruction can start at (linear addresses are
  // below 4 GiB outside long mode, and this one is not canonical).
  return uc_emu_start(uc_, resume_address(), ~0ull, 0, 0);
}

void Engine::add_hook(int type, void* callback, void* user_data, int insn) {
  uc_hook h{};
  const uc_err err = type == UC_HOOK_INSN ? uc_hook_add(uc_, &h, type, callback, user_data, 1, 0, insn)
                                          : uc_hook_add(uc_, &h, type, callback, user_data, 1, 0);
  check_uc(err, "adding a hook");
}

}  // namespace hvmtool::emu
