// What bulk memory work costs a guest in each CPU mode it could run in, on
// this machine's /dev/kvm: the measurement behind hvmloader/paging.S. The
// guest (guest_modes.S) runs the same loops with paging off, then with
// paging on (32-bit PSE, PAE, or long mode: 32-bit code at CPL 0, 64-bit at
// CPL 0, 64-bit at CPL 3, 32-bit at CPL 3), marking each phase on port 0x80.
// Prints ms and ms per MiB for every phase, or how the mode switch failed.
//
// bench_guest_modes [SMALL=64K] [BIG=4M]   (loops copy SMALL, REP ops BIG)
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/pipeline_config.hpp"
#include "kvm_host.hpp"

namespace {

namespace kvm = hvmtool::kvm;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kMemory = 64 << 20;
constexpr std::uint64_t kEntry = 0x100000, kParams = 0x500, kSrc = 0x1000000;

struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {
    if (fd < 0) throw std::runtime_error(std::string("kvm: ") + std::strerror(errno));
  }
  ~Fd() { ::close(fd); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

void ioctl_or_throw(int fd, unsigned long req, const void* arg, const char* what) {
  if (::ioctl(fd, req, arg) < 0) throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

const std::map<int, std::string> kPhase = {
    {1, "byte loop copy"}, {2, "dword loop copy"}, {3, "REP MOVSB"}, {4, "REP MOVSL"},
    {5, "REP MOVSL down"}, {6, "byte sum loop"},   {7, "REP STOSL"}, {8, "REP MOVSQ"},
};
const std::map<int, std::string> kSection = {
    {101, "paging on, 32-bit code, CPL 0"},
    {104, "long mode, 64-bit code, CPL 0"},
    {106, "long mode, 64-bit code, CPL 3"},
    {108, "long mode, 32-bit code, CPL 3"},
};

// One VM: paging off, then the paging `kind` (0 PSE, 1 PAE, 2 long mode).
void run(const std::string& guest, int kind, std::uint32_t small, std::uint32_t big) {
  Fd kvm(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
  Fd vm(::ioctl(kvm.fd, KVM_CREATE_VM, 0));
  ioctl_or_throw(vm.fd, KVM_SET_TSS_ADDR, reinterpret_cast<void*>(0xfffbd000), "KVM_SET_TSS_ADDR");
  auto* ram = static_cast<std::uint8_t*>(
      ::mmap(nullptr, kMemory, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
  if (ram == MAP_FAILED) throw std::runtime_error("mmap failed");
  std::memcpy(ram + kEntry, guest.data(), guest.size());
  const std::uint32_t params[] = {small, big, static_cast<std::uint32_t>(kind)};
  std::memcpy(ram + kParams, params, sizeof params);
  for (std::uint32_t i = 0; i < big; ++i) ram[kSrc + i] = static_cast<std::uint8_t>(i * 7);
  kvm_userspace_memory_region region{};
  region.memory_size = kMemory;
  region.userspace_addr = reinterpret_cast<std::uint64_t>(ram);
  ioctl_or_throw(vm.fd, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");

  Fd vcpu(::ioctl(vm.fd, KVM_CREATE_VCPU, 0));
  // Without the CPUID KVM offers, EFER.LME and CR0.PG are refused. The C
  // layout of kvm_cpuid2 and its ioctl numbers: host.hpp says why.
  std::vector<std::uint8_t> cpuid(kvm::kCpuid2HeaderSize + 256 * sizeof(kvm_cpuid_entry2));
  const std::uint32_t nent = 256;
  std::memcpy(cpuid.data(), &nent, sizeof nent);
  ioctl_or_throw(kvm.fd, kvm::kIoctlGetSupportedCpuid, cpuid.data(), "KVM_GET_SUPPORTED_CPUID");
  ioctl_or_throw(vcpu.fd, kvm::kIoctlSetCpuid2, cpuid.data(), "KVM_SET_CPUID2");
  const int run_size = ::ioctl(kvm.fd, KVM_GET_VCPU_MMAP_SIZE, 0);
  auto* r = static_cast<kvm_run*>(::mmap(nullptr, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu.fd, 0));
  if (r == MAP_FAILED) throw std::runtime_error("mmap of kvm_run failed");

  kvm_sregs s{};
  ioctl_or_throw(vcpu.fd, KVM_GET_SREGS, &s, "KVM_GET_SREGS");
  kvm_segment code{};
  code.limit = 0xffffffff;
  code.selector = 0x10;
  code.type = 11;
  code.present = code.db = code.s = code.g = 1;
  kvm_segment data = code;
  data.selector = 0x18;
  data.type = 3;
  s.cs = code;
  s.ds = s.es = s.fs = s.gs = s.ss = data;
  s.cr0 |= 1;
  ioctl_or_throw(vcpu.fd, KVM_SET_SREGS, &s, "KVM_SET_SREGS");
  kvm_regs regs{};
  regs.rip = kEntry;
  regs.rflags = 2;
  ioctl_or_throw(vcpu.fd, KVM_SET_REGS, &regs, "KVM_SET_REGS");

  static const char* const kKind[] = {"32-bit paging, 4 MiB pages (PSE)", "PAE paging", "long mode"};
  std::cout << "paging off, then " << kKind[kind] << ":\n";
  auto last = Clock::now();
  int phase = 0;
  for (;;) {
    ioctl_or_throw(vcpu.fd, KVM_RUN, nullptr, "KVM_RUN");
    const auto now = Clock::now();
    if (r->exit_reason != KVM_EXIT_IO) {
      ioctl_or_throw(vcpu.fd, KVM_GET_REGS, &regs, "KVM_GET_REGS");
      std::cout << "  stopped: exit reason " << r->exit_reason << " at RIP 0x" << std::hex << regs.rip << std::dec
                << (r->exit_reason == KVM_EXIT_SHUTDOWN ? " (triple fault: the mode switch was refused)" : "") << "\n";
      break;
    }
    if (r->io.port == 0x604) break;
    const int mark = reinterpret_cast<std::uint8_t*>(r)[r->io.data_offset];
    if (kPhase.count(phase)) {
      const double ms = std::chrono::duration<double, std::milli>(now - last).count();
      const bool loop = phase == 1 || phase == 2 || phase == 6;
      std::cout << "    " << std::left << std::setw(18) << kPhase.at(phase) << std::right << std::setw(10) << ms
                << " ms" << std::setw(11) << ms / ((loop ? small : big) / 1048576.0) << " ms/MiB\n";
    }
    if (kSection.count(mark)) std::cout << "  " << kSection.at(mark) << ":\n";
    if (mark == 1 && phase == 0) std::cout << "  paging off:\n";
    phase = mark;
    last = Clock::now();
  }
  ::munmap(r, run_size);
  ::munmap(ram, kMemory);
}

}  // namespace

int main(int argc, char** argv) try {
  const auto small = static_cast<std::uint32_t>(argc > 1 ? hvmtool::parse_size(argv[1]) : 64 << 10);
  const auto big = static_cast<std::uint32_t>(argc > 2 ? hvmtool::parse_size(argv[2]) : 4 << 20);
  if (small < 4 || big < 8 || big > (16u << 20)) throw std::runtime_error("sizes: SMALL >= 4, 8 <= BIG <= 16M");
  std::ifstream in(HVMTOOL_BENCH_MODES_GUEST, std::ios::binary);
  const std::string guest{std::istreambuf_iterator<char>(in), {}};
  if (guest.empty()) throw std::runtime_error("cannot read " HVMTOOL_BENCH_MODES_GUEST);
  std::cout << std::fixed << std::setprecision(2);
  for (int kind : {0, 1, 2}) run(guest, kind, small, big);
  return 0;
} catch (const std::exception& e) {
  std::cerr << "bench_guest_modes: " << e.what() << "\n";
  return 1;
}
