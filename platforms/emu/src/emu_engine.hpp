#pragma once

// One Unicorn x86 CPU (`uc_engine`), owned RAII, with the guest-physical
// address space a vCPU sees: guest RAM mapped from the domain's host window
// with uc_mem_map_ptr (the very bytes Domain::map returns), and every hole
// below 4 GiB that is not RAM (the VGA hole, the MMIO hole) as uc_mmio_map
// regions whose accesses go to an MmioHandler. Nothing else is mapped: an
// access above 4 GiB that is not RAM stops the engine with an "unmapped"
// error.
//
// Only Unicorn's documented API is used. All calls but stop() must come from
// the thread that runs the engine (or while it does not run); stop() may come
// from any thread (it is how Unicorn's own timeout works).

#include <unicorn/unicorn.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hvmtool::emu {

inline constexpr std::uint64_t k4G = 1ull << 32;

// A contiguous guest-physical range.
struct GpaRange {
  std::uint64_t gpa = 0;
  std::uint64_t len = 0;
  std::uint64_t end() const { return gpa + len; }
};

struct MmioContext;  // a hole's handler and base (emu_engine.cpp)

class MmioHandler {
 public:
  virtual ~MmioHandler() = default;
  virtual std::uint64_t mmio_read(std::uint64_t gpa, unsigned size) = 0;
  virtual void mmio_write(std::uint64_t gpa, unsigned size, std::uint64_t value) = 0;
};

class Engine {
 public:
  // Unicorn's three x86 modes. Each resets the CPU differently (see
  // emu_context.hpp): the mode is chosen once, from the entry context.
  enum class Mode { bits16, bits32, bits64 };

  explicit Engine(Mode mode);  // throws PlatformError
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  Mode mode() const { return mode_; }
  uc_engine* uc() const { return uc_; }
  static const char* mode_name(Mode m);

  // --- registers (uc_reg_read/uc_reg_write; unused high bytes read as 0) ---
  std::uint64_t reg(int id) const;
  void set_reg(int id, std::uint64_t value);
  // The same register under the name this mode uses for it (EIP vs RIP...).
  int ip_id() const { return mode_ == Mode::bits64 ? UC_X86_REG_RIP : UC_X86_REG_EIP; }
  int sp_id() const { return mode_ == Mode::bits64 ? UC_X86_REG_RSP : UC_X86_REG_ESP; }
  int flags_id() const { return mode_ == Mode::bits64 ? UC_X86_REG_RFLAGS : UC_X86_REG_EFLAGS; }
  struct Table {
    std::uint64_t base = 0;
    std::uint32_t limit = 0;
  };
  Table table(int id) const;  // UC_X86_REG_GDTR / UC_X86_REG_IDTR
  void set_table(int id, Table t);
  void set_system_segment(int id, std::uint16_t selector, std::uint64_t base, std::uint32_t limit,
                          std::uint32_t flags);  // UC_X86_REG_TR / UC_X86_REG_LDTR
  std::uint64_t msr(std::uint32_t index) const;
  void set_msr(std::uint32_t index, std::uint64_t value);
  // uc_reg_write's own status (a segment load can be refused with an exception).
  uc_err try_set_reg(int id, std::uint64_t value);

  // --- guest-physical memory (uc_mem_read/uc_mem_write: through the engine's
  // map, so writes invalidate translated code) ---
  bool read_phys(std::uint64_t gpa, void* out, std::size_t len) const;
  bool write_phys(std::uint64_t gpa, const void* in, std::size_t len);

  // Maps the RAM of `ram` (sorted, host address = window + gpa) that is not
  // mapped yet, and MMIO regions over every other page below 4 GiB. Called
  // again after RAM was added: MMIO regions that overlap new RAM are replaced.
  void map_guest(const std::vector<GpaRange>& ram, std::byte* window, MmioHandler& mmio);
  // A private page outside guest RAM (context loading); throws PlatformError.
  void map_scratch(std::uint64_t gpa, std::size_t len);
  void unmap(std::uint64_t gpa, std::size_t len);

  // --- execution ---
  // Where uc_emu_start must begin to continue at the current CS:IP: it
  // writes `begin` to IP (16-bit mode, minus CS x 16), EIP or RIP.
  std::uint64_t resume_address() const;
  uc_err run();
  void stop() { uc_emu_stop(uc_); }

  void add_hook(int type, void* callback, void* user_data, int insn = 0);

 private:
  struct Region {
    std::uint64_t len = 0;
    bool ram = false;
    std::unique_ptr<MmioContext> mmio;
  };
  void map_mmio_locked(std::uint64_t gpa, std::uint64_t len, MmioHandler& mmio);

  Mode mode_;
  uc_engine* uc_ = nullptr;
  std::map<std::uint64_t, Region> regions_;  // by first gpa
};

// Throws PlatformError naming `what` and Unicorn's message unless err is OK.
void check_uc(uc_err err, const std::string& what);

}  // namespace hvmtool::emu
