#pragma once

// What tests that run real guests on a platform share, whichever platform it
// is (kvm, emu): a capturing logger and console, the test guests
// (tests/kvm/guests, assembled into build/tests/kvm/guests), a domain laid
// out the way the HVM builder lays low memory out, running it until it ends,
// and counters of this process's resources for leak checks.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hvmtool/domain.hpp"
#include "hvmtool/log.hpp"
#include "hvmtool/platform.hpp"

namespace hvmtool::test {

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

// build/tests/kvm/guests/FILE, and its bytes.
std::filesystem::path guest_path(const std::string& file);
std::vector<std::byte> load_guest(const std::string& file);

void load_image(Domain& d, std::uint64_t gpa, const std::vector<std::byte>& image);
// The multi32 guest at 0x100000, entered flat 32-bit with EAX = action.
void start_multi32(Domain& d, std::uint32_t action, std::uint32_t ebx = 0, std::uint32_t ecx = 0);
std::uint32_t read_u32(Domain& d, std::uint64_t gpa);

// create + populate 0-0x9FFFF and 0xC0000-memory with 4 KiB pages (the VGA
// hole left out), as the HVM builder lays low memory out.
std::unique_ptr<Domain> make_test_domain(Platform& p, ConsoleSink console, const std::string& name,
                                         std::uint64_t memory, unsigned vcpus);
// Unpauses `d` and runs `io` until it posts a shutdown event or `timeout` passes.
std::optional<DomainEvent> run_until_event(boost::asio::io_context& io, Domain& d, std::chrono::milliseconds timeout);

// Process resources, for leak checks.
std::size_t count_fds();
std::size_t count_threads();
std::size_t count_mappings();
// Threads named "<kind>N/vcpuM" (kvm, emu).
std::size_t count_vcpu_threads(std::string_view kind);
std::string mappings();  // /proc/self/maps
// Anonymous mappings of at least `min_bytes` with permissions `perms`
// ("---p": reserved windows; "rwxp": code buffers).
std::size_t count_anonymous_mappings(std::string_view perms, std::uint64_t min_bytes);
// Lines of /proc/self/maps now that were not in `before` (the heap's moving
// end aside).
std::string new_mappings(const std::string& before);
// Sanitizer runtimes map memory on demand: total mapping counts only mean
// something without them.
bool sanitized();

}  // namespace hvmtool::test
