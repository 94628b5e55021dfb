// Unhandled guest accesses: every one counted, the log limited to a burst a
// second with the rest summed up in one line.

#define BOOST_TEST_MODULE unhandled_access_log
#include <boost/test/unit_test.hpp>

#include <mutex>
#include <vector>

#include "hvmtool_platforms/unhandled_access_log.hpp"

using namespace hvmtool;
using namespace hvmtool::platforms;
using namespace std::chrono_literals;
using Access = UnhandledAccessLog::Access;

namespace {

class Lines : public Logger {
 public:
  explicit Lines(bool debug) : debug_(debug) {}
  void log(LogLevel, std::string_view m) override {
    std::lock_guard lk(mu_);
    lines.emplace_back(m);
  }
  bool enabled(LogLevel level) const override { return debug_ || level != LogLevel::debug; }
  std::vector<std::string> lines;

 private:
  bool debug_;
  std::mutex mu_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(the_lines_say_what_was_ignored) {
  Lines log(true);
  UnhandledAccessLog u(log, "emu: domain 'probe'");
  u.report(Access::port_read, 0xCFC, 4);
  u.report(Access::port_write, 0x3F9, 1, 0x0F);
  u.report(Access::mmio_read, 0xA0000, 2);
  u.report(Access::mmio_write, 0xFEE00300, 4, 0xC4500);
  BOOST_TEST(u.count() == 4u);
  BOOST_TEST((log.lines == std::vector<std::string>{
                               "emu: domain 'probe': unhandled port read 0xcfc size 4 ignored (reads all-ones)",
                               "emu: domain 'probe': unhandled port write 0x3f9 size 1 value 0xf ignored",
                               "emu: domain 'probe': unhandled MMIO read 0xa0000 size 2 ignored (reads all-ones)",
                               "emu: domain 'probe': unhandled MMIO write 0xfee00300 size 4 value 0xc4500 ignored",
                           }));
}

BOOST_AUTO_TEST_CASE(a_burst_a_second_then_one_summary_line) {
  Lines log(true);
  auto now = std::chrono::steady_clock::time_point{} + 10s;
  UnhandledAccessLog u(log, "kvm: domain 'loop'", 3, [&] { return now; });
  for (int i = 0; i < 10; ++i) u.report(Access::port_read, 0x61, 1);
  BOOST_TEST(log.lines.size() == 3u);
  now += 500ms;  // same second
  u.report(Access::port_read, 0x61, 1);
  BOOST_TEST(log.lines.size() == 3u);
  now += 600ms;  // the next one: the summary, then this access
  u.report(Access::port_write, 0x61, 1, 0);
  BOOST_REQUIRE(log.lines.size() == 5u);
  BOOST_TEST(log.lines[3] == "kvm: domain 'loop': 8 more unhandled guest accesses not logged");
  BOOST_TEST(log.lines[4] == "kvm: domain 'loop': unhandled port write 0x61 size 1 value 0x0 ignored");
  BOOST_TEST(u.count() == 12u);
}

BOOST_AUTO_TEST_CASE(without_debug_logging_only_the_count) {
  Lines log(false);
  UnhandledAccessLog u(log, "kvm: domain 'quiet'");
  for (int i = 0; i < 5; ++i) u.report(Access::mmio_write, 0xB8000, 1, 0x41);
  BOOST_TEST(log.lines.empty());
  BOOST_TEST(u.count() == 5u);
}
