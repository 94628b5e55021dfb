#include "test_platforms.hpp"

#include <unistd.h>

#include "emu_platform.hpp"
#include "emu_vcpu.hpp"
#include "kvm_platform.hpp"
#include "kvm/kvm_test_util.hpp"

namespace hvmtool::test {

namespace fs = std::filesystem;

namespace {

class EmuTestPlatform final : public TestPlatform {
 public:
  std::string_view name() const override { return "emu"; }
  std::unique_ptr<Platform> create(boost::asio::io_context& io, Logger& log, const fs::path& dir) const override {
    emu::EmuOptions o;
    o.registry_dir = dir;
    return std::make_unique<emu::EmuPlatform>(io, log, o);
  }
  std::string cpuid_signature() const override { return std::string(emu::kCpuidSignature, 12); }
  std::string state(Domain& d) const override { return impl(d).state(); }
  std::uint64_t unhandled_accesses(Domain& d) const override { return impl(d).unhandled_accesses(); }
  std::uint64_t exits(Domain& d) const override { return impl(d).exits(); }
  unsigned live_threads(Domain& d) const override { return impl(d).live_threads(); }
  fs::path registry_dir(Platform& p) const override { return dynamic_cast<emu::EmuPlatform&>(p).registry_dir(); }
  // The guest-physical window (PROT_NONE, 4 GiB and more) and each engine's
  // translation buffer (Unicorn reserves 1 GiB, read-write-execute).
  std::size_t count_domain_mappings() const override {
    return count_anonymous_mappings("---p", 4ull << 30) + count_anonymous_mappings("rwxp", 256ull << 20);
  }
  std::size_t mappings_per_domain() const override { return 2; }  // the window, vCPU 0's engine

 private:
  static emu::EmuDomain& impl(Domain& d) { return dynamic_cast<emu::EmuDomainHandle&>(d).impl(); }
};

class KvmTestPlatform final : public TestPlatform {
 public:
  std::string_view name() const override { return "kvm"; }
  std::unique_ptr<Platform> create(boost::asio::io_context& io, Logger& log, const fs::path& dir) const override {
    kvm::KvmOptions o;
    o.registry_dir = dir;
    return std::make_unique<kvm::KvmPlatform>(io, log, o);
  }
  std::string cpuid_signature() const override { return std::string("KVMKVMKVM\0\0\0", 12); }
  std::string state(Domain& d) const override { return kvm::test::impl(d).state(); }
  std::uint64_t unhandled_accesses(Domain& d) const override { return kvm::test::impl(d).unhandled_accesses(); }
  std::uint64_t exits(Domain& d) const override { return kvm::test::impl(d).exits(); }
  unsigned live_threads(Domain& d) const override { return kvm::test::impl(d).live_threads(); }
  fs::path registry_dir(Platform& p) const override { return dynamic_cast<kvm::KvmPlatform&>(p).registry_dir(); }
  std::size_t count_domain_mappings() const override { return kvm::test::count_kvm_mappings(); }
  std::size_t mappings_per_domain() const override { return 3; }  // 2 kvm_run, RAM, the window
};

}  // namespace

std::ostream& operator<<(std::ostream& os, const TestPlatform* p) { return os << p->name(); }

const TestPlatform& emu_test_platform() {
  static const EmuTestPlatform emu;
  return emu;
}

std::vector<const TestPlatform*> test_platforms() {
  static const KvmTestPlatform kvm;
  std::vector<const TestPlatform*> out{&emu_test_platform()};
  if (::access("/dev/kvm", F_OK) == 0) out.push_back(&kvm);
  return out;
}

PlatformEnv::PlatformEnv(const TestPlatform& p) : kind(p), platform(p.create(io, log, dir.path() / "registry")) {}

PlatformEnv::~PlatformEnv() = default;

std::unique_ptr<Domain> PlatformEnv::make_domain(const std::string& name, std::uint64_t memory, unsigned vcpus,
                                                 ConsoleCapture* cons) {
  return make_test_domain(*platform, (cons ? cons : &console)->sink(), name, memory, vcpus);
}

std::optional<DomainEvent> PlatformEnv::run(Domain& d, std::chrono::milliseconds timeout) {
  return run_until_event(io, d, timeout);
}

}  // namespace hvmtool::test
