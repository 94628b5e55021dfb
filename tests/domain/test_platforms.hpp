#pragma once

// The platforms the domain tests run on: every one this machine has (emu
// always, kvm where /dev/kvm exists), behind one interface, so that each test
// body is written once and asserts the same on all of them.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "hvmtool/domain.hpp"
#include "hvmtool/platform.hpp"
#include "support/guest_harness.hpp"
#include "support/test_env.hpp"

namespace hvmtool::test {

class TestPlatform {
 public:
  virtual ~TestPlatform() = default;
  virtual std::string_view name() const = 0;
  virtual std::unique_ptr<Platform> create(boost::asio::io_context& io, Logger& log,
                                           const std::filesystem::path& registry_dir) const = 0;
  // CPUID 0x40000000's EBX, ECX, EDX: the platform's name for itself.
  virtual std::string cpuid_signature() const = 0;

  // What tests look at beyond the Domain interface.
  virtual std::string state(Domain& d) const = 0;
  virtual std::uint64_t unhandled_accesses(Domain& d) const = 0;
  virtual std::uint64_t exits(Domain& d) const = 0;
  virtual unsigned live_threads(Domain& d) const = 0;
  virtual std::filesystem::path registry_dir(Platform& p) const = 0;
  // The platform's own mappings now in this process (windows, engines,
  // kvm_run pages), and how many more a live 2-vCPU domain has at least.
  virtual std::size_t count_domain_mappings() const = 0;
  virtual std::size_t mappings_per_domain() const = 0;
};

std::ostream& operator<<(std::ostream& os, const TestPlatform* p);

// emu always; kvm when /dev/kvm exists.
std::vector<const TestPlatform*> test_platforms();
const TestPlatform& emu_test_platform();

// One platform with a private registry, a logger and a console.
struct PlatformEnv {
  explicit PlatformEnv(const TestPlatform& p);
  ~PlatformEnv();

  const TestPlatform& kind;
  boost::asio::io_context io;
  CaptureLogger log;
  TempDir dir;
  std::unique_ptr<Platform> platform;
  ConsoleCapture console;

  std::unique_ptr<Domain> make_domain(const std::string& name, std::uint64_t memory = 128ull << 20, unsigned vcpus = 1,
                                      ConsoleCapture* console = nullptr);
  std::optional<DomainEvent> run(Domain& d, std::chrono::milliseconds timeout = std::chrono::seconds(20));
};

}  // namespace hvmtool::test
