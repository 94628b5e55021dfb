#pragma once

// Helpers shared by the kvm tests: a skipping main, an Env around a
// KvmPlatform, and what only kvm has (its domain, its mappings). The rest is
// support/guest_harness.hpp, shared with the other platforms' tests.

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
#include "support/guest_harness.hpp"
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

// The platform-independent helpers (support/guest_harness.hpp), under the
// names the kvm tests use.
using hvmtool::test::CaptureLogger;
using hvmtool::test::ConsoleCapture;
using hvmtool::test::count_fds;
using hvmtool::test::count_mappings;
using hvmtool::test::count_threads;
using hvmtool::test::guest_path;
using hvmtool::test::load_guest;
using hvmtool::test::load_image;
using hvmtool::test::mappings;
using hvmtool::test::new_mappings;
using hvmtool::test::sanitized;
using hvmtool::test::start_multi32;

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

KvmDomain& impl(Domain& d);

// Mappings a kvm domain makes: kvm_run (anon_inode:kvm-vcpu), guest RAM
// (/dev/zero, anon_hugepage) and PROT_NONE windows of 4 GiB or more.
std::size_t count_kvm_mappings();

}  // namespace hvmtool::kvm::test
