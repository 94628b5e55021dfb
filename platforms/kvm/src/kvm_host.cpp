#include "kvm_host.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

#include "hvmtool/error.hpp"
#include "hvmtool_platforms/errno_error.hpp"

namespace hvmtool::kvm {

void throw_errno(std::string_view what, int err) { platforms::throw_errno("kvm", what, err); }

void throw_errno(std::string_view what) { throw_errno(what, errno); }

int xioctl(int fd, unsigned long request, unsigned long arg) {
  int r;
  do {
    r = ::ioctl(fd, request, arg);
  } while (r < 0 && errno == EINTR);
  return r;
}

KvmHost::KvmHost(const std::string& device) {
  int fd = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT)
      throw PlatformError("kvm: " + device +
                          " not present: this host has no KVM (enable virtualisation or load kvm_intel/kvm_amd)");
    if (err == EACCES || err == EPERM)
      throw PlatformError("kvm: no permission to open " + device + " (add the user to group 'kvm')");
    throw_errno("cannot open " + device, err);
  }
  fd_.reset(fd);

  int api = xioctl(fd, KVM_GET_API_VERSION);
  if (api != KVM_API_VERSION)
    throw PlatformError("kvm: " + device + " speaks KVM API " + std::to_string(api) + ", expected " +
                        std::to_string(KVM_API_VERSION));

  struct Required {
    int cap;
    const char* name;
  };
  static constexpr Required kRequired[] = {
      {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
      {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
      {KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING"},
      {KVM_CAP_PIT2, "KVM_CAP_PIT2"},
      {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"},
      {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
      {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
      {KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR"},
  };
  for (const auto& r : kRequired)
    if (xioctl(fd, KVM_CHECK_EXTENSION, r.cap) <= 0)
      throw PlatformError("kvm: " + device + " lacks " + r.name + ", which hvmtool needs");

  vcpu_mmap_size_ = xioctl(fd, KVM_GET_VCPU_MMAP_SIZE);
  if (vcpu_mmap_size_ < static_cast<int>(sizeof(kvm_run))) throw_errno("KVM_GET_VCPU_MMAP_SIZE");
  if (int n = xioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS); n > 0) nr_memslots_ = n;
  if (int n = xioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS); n > 0)
    max_vcpus_ = n;
  else if (int m = xioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS); m > 0)
    max_vcpus_ = m;

  // KVM_GET_SUPPORTED_CPUID: grow the buffer until it fits (E2BIG).
  for (std::uint32_t n = 64; n <= 4096; n *= 2) {
    std::vector<std::byte> buf(kCpuid2HeaderSize + n * sizeof(kvm_cpuid_entry2));
    std::memcpy(buf.data(), &n, sizeof n);
    if (xioctl(fd, kIoctlGetSupportedCpuid, buf.data()) == 0) {
      std::uint32_t got;
      std::memcpy(&got, buf.data(), sizeof got);
      cpuid_.resize(got);
      std::memcpy(cpuid_.data(), buf.data() + kCpuid2HeaderSize, got * sizeof(kvm_cpuid_entry2));
      break;
    }
    if (errno != E2BIG) throw_errno("KVM_GET_SUPPORTED_CPUID");
  }
  if (cpuid_.empty()) throw PlatformError("kvm: KVM_GET_SUPPORTED_CPUID returned no leaves");
}

bool KvmHost::has_hypervisor_leaf() const {
  for (const auto& e : cpuid_)
    if (e.function == 0x40000000u) return true;
  return false;
}

}  // namespace hvmtool::kvm
