#include "bare_kvm.hpp"

#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

namespace hvmtool::bench {

namespace {

// Real mode at 0000:0000: mov ax,0x2000; mov dx,0x604; out dx,ax; hlt.
constexpr unsigned char kGuest[] = {0xb8, 0x00, 0x20, 0xba, 0x04, 0x06, 0xef, 0xf4};

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

bool run_bare_kvm_guest(std::uint64_t memory) {
  Fd kvm{::open("/dev/kvm", O_RDWR | O_CLOEXEC)};
  if (kvm.fd < 0) return false;
  Fd vm{::ioctl(kvm.fd, KVM_CREATE_VM, 0)};
  if (vm.fd < 0) return false;
  if (::ioctl(vm.fd, KVM_SET_TSS_ADDR, 0xfffbd000) < 0) return false;
  if (::ioctl(vm.fd, KVM_CREATE_IRQCHIP, 0) < 0) return false;
  kvm_pit_config pit{};
  if (::ioctl(vm.fd, KVM_CREATE_PIT2, &pit) < 0) return false;

  void* ram = ::mmap(nullptr, memory, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (ram == MAP_FAILED) return false;
  std::memcpy(ram, kGuest, sizeof kGuest);
  kvm_userspace_memory_region region{};
  region.memory_size = memory;
  region.userspace_addr = reinterpret_cast<std::uint64_t>(ram);
  bool ok = ::ioctl(vm.fd, KVM_SET_USER_MEMORY_REGION, &region) == 0;

  Fd vcpu{ok ? ::ioctl(vm.fd, KVM_CREATE_VCPU, 0) : -1};
  int run_size = ::ioctl(kvm.fd, KVM_GET_VCPU_MMAP_SIZE, 0);
  void* run_map = vcpu.fd >= 0 && run_size > 0 ? ::mmap(nullptr, static_cast<std::size_t>(run_size),
                                                        PROT_READ | PROT_WRITE, MAP_SHARED, vcpu.fd, 0)
                                               : MAP_FAILED;
  ok = run_map != MAP_FAILED;
  if (ok) {
    kvm_sregs sregs{};
    ok = ::ioctl(vcpu.fd, KVM_GET_SREGS, &sregs) == 0;
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    kvm_regs regs{};
    regs.rip = 0;
    regs.rflags = 2;
    ok = ok && ::ioctl(vcpu.fd, KVM_SET_SREGS, &sregs) == 0 && ::ioctl(vcpu.fd, KVM_SET_REGS, &regs) == 0;
    auto* run = static_cast<kvm_run*>(run_map);
    while (ok) {
      if (::ioctl(vcpu.fd, KVM_RUN, 0) < 0) {
        ok = false;
        break;
      }
      if (run->exit_reason == KVM_EXIT_IO && run->io.port == 0x604) break;
      if (run->exit_reason != KVM_EXIT_IO) ok = false;
    }
    ::munmap(run_map, static_cast<std::size_t>(run_size));
  }
  ::munmap(ram, memory);
  return ok;
}

}  // namespace hvmtool::bench
