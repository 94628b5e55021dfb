#pragma once

// Helpers shared by the kvm tests: a skipping main, a capturing logger and
// console, guest images, and counters of process resources.

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hvmtool/domain.hpp"
#include "hvmtool/log.hpp"
#include "hvmtool/platform.hpp"
#include "kvm_platform.hpp"
#include "support/test_env.hpp"

namespace hvmtool::kvm::test {

inline constexpr const char* kSkipLine = "SKIP: /dev/kvm not present: kvm tests need a KVM host";
bool kvm_present();

// Test main: exit 77 (CTest: skipped) with one clear line when /dev/kvm is missing.
#define HVMTOOL_KVM_TEST_MAIN(need_kvm)                                   \
  int main(int argc, char* argv[]) {                                      \
    if ((need_kvm) && !::hvmtool::kvm::test::kvm_present()) {             \
      std::cout << ::hvmtool::kvm::test::kSkipLine << std::endl;          \
      return 77;                                                          \
    }                                                                     \
    return boost::unit_test::unit_test_main(&init_unit_test, argc, argv); \
  }

// Records every message (debug included); echoes to stderr when
// HVMTOOL_TEST_VERBOSE is set.
class CaptureLogger : public Logger {
 public:
  void log(LogLevel level, std::string_view message) override;
  bool enabled(LogLevel) const override { return true; }
  std::vector<std::string> lines() const;
  std::size_t count_containing(std::string_view needle) const;

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

// Collects console bytes per channel.
class ConsoleCapture {
 public:
  ConsoleSink sink();
  std::string text(ConsoleChannel ch) const;

 private:
  mutable std::mutex mu_;
  std::map<ConsoleChannel, std::string> text_;
};

std::vector<std::byte> load_guest(const std::string& file);  // from the build's guests/ dir
std::filesystem::path guest_path(const std::string& file);

// What a test needs to drive one platform: io_context, logger, a private
// registry directory, the platform itself.
struct Env {
  Env();
  ~Env();
  boost::asio::io_context io;
  CaptureLogger log;
  hvmtool::test::TempDir dir;
  std::unique_ptr<KvmPlatform> platform;
  ConsoleCapture console;

  // create + max memory + populate 0-0x9FFFF and 0xC0000-memory with 4 KiB
  // pages (the VGA hole left out), as the HVM builder lays low memory out.
  std::unique_ptr<Domain> make_domain(const std::string& name, std::uint64_t memory = 128ull << 20, unsigned vcpus = 1,
                                      ConsoleCapture* console = nullptr);
  // Runs the io_context until `d` posts a shutdown event or `timeout` passes.
  std::optional<DomainEvent> run(Domain& d, std::chrono::milliseconds timeout = std::chrono::seconds(20));
};

void load_image(Domain& d, std::uint64_t gpa, const std::vector<std::byte>& image);
// The multi32 guest at 0x100000, entered flat 32-bit with EAX = action.
void start_multi32(Domain& d, std::uint32_t action, std::uint32_t ebx = 0, std::uint32_t ecx = 0);

KvmDomain& impl(Domain& d);

// Process resources, for leak checks.
std::size_t count_fds();
std::size_t count_threads();
std::size_t count_mappings();
std::size_t count_vcpu_threads();
// Mappings a kvm domain makes: kvm_run (anon_inode:kvm-vcpu), guest RAM
// (/dev/zero, anon_hugepage) and PROT_NONE windows of 4 GiB or more.
std::size_t count_kvm_mappings();
// Sanitizer runtimes map memory on demand: total mapping counts only mean
// something without them.
bool sanitized();  // threads named kvmN/vcpuM
std::string mappings();
// Lines of /proc/self/maps now that were not in `before`.
std::string new_mappings(const std::string& before);

}  // namespace hvmtool::kvm::test
