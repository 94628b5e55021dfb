#pragma once

#include <linux/kvm.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hvmtool_platforms/unique_fd.hpp"

namespace hvmtool::kvm {

using platforms::Mapping;
using platforms::UniqueFd;

// <linux/kvm.h> of linux-libc-dev 6.1 (Debian 12) declares kvm_cpuid2's
// flexible array with __DECLARE_FLEX_ARRAY, which in C++ adds a 1-byte empty
// struct: sizeof(kvm_cpuid2) is 12 instead of 8, `entries` sits at offset 12,
// and the ioctl numbers KVM_GET_SUPPORTED_CPUID/KVM_SET_CPUID2 encode the
// wrong size (the kernel answers EINVAL). So the C layout is spelt out here:
// an 8-byte header {nent, padding} followed by kvm_cpuid_entry2[nent].
inline constexpr std::size_t kCpuid2HeaderSize = 8;
inline constexpr unsigned long kIoctlGetSupportedCpuid = _IOC(_IOC_READ | _IOC_WRITE, KVMIO, 0x05, kCpuid2HeaderSize);
inline constexpr unsigned long kIoctlSetCpuid2 = _IOC(_IOC_WRITE, KVMIO, 0x90, kCpuid2HeaderSize);
static_assert(sizeof(kvm_cpuid_entry2) == 40);

// Throws PlatformError("kvm: WHAT: strerror(errno)").
[[noreturn]] void throw_errno(std::string_view what, int err);
[[noreturn]] void throw_errno(std::string_view what);

// ioctl() retried on EINTR.
int xioctl(int fd, unsigned long request, unsigned long arg = 0);
template <typename T>
int xioctl(int fd, unsigned long request, T* arg) {
  return xioctl(fd, request, reinterpret_cast<unsigned long>(arg));
}

// The opened /dev/kvm and what it can do, probed once per platform.
class KvmHost {
 public:
  // Opens `device` (normally /dev/kvm). Throws PlatformError with one clear
  // line when it is missing, not accessible, or lacks a required capability.
  explicit KvmHost(const std::string& device = "/dev/kvm");

  int fd() const { return fd_.get(); }
  int vcpu_mmap_size() const { return vcpu_mmap_size_; }
  int nr_memslots() const { return nr_memslots_; }
  int max_vcpus() const { return max_vcpus_; }
  const std::vector<kvm_cpuid_entry2>& supported_cpuid() const { return cpuid_; }
  bool has_hypervisor_leaf() const;

 private:
  UniqueFd fd_;
  int vcpu_mmap_size_ = 0;
  int nr_memslots_ = 32;
  int max_vcpus_ = 1;
  std::vector<kvm_cpuid_entry2> cpuid_;
};

}  // namespace hvmtool::kvm
