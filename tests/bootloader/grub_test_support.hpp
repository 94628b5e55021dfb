#pragma once

// What the grub plugin's tests share: a logger that records, disk bytes and
// their CRCs, the test disks scripts/make-test-disk.sh builds (once per
// run), and a Run of the stage alone on one of them.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <csignal>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "boot_extract.hpp"
#include "boot_menu.hpp"
#include "hvmtool_common/guest_text.hpp"
#include "partition_table.hpp"
#include "plugin/plugin_loader.hpp"
#include "support/recording_platform.hpp"
#include "support/test_env.hpp"

namespace hvmtool::grub_test {

using namespace hvmtool;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using hvmtool::test::slurp;

// Every line the stage logs, with its level.
class RecordingLogger final : public Logger {
 public:
  void log(LogLevel level, std::string_view m) override {
    std::lock_guard l(mu_);
    lines_.emplace_back(level, std::string(m));
  }
  bool enabled(LogLevel) const override { return true; }
  std::vector<std::string> at(LogLevel level) const {
    std::lock_guard l(mu_);
    std::vector<std::string> out;
    for (const auto& [lv, m] : lines_)
      if (lv == level) out.push_back(m);
    return out;
  }
  bool any_raw_control() const {
    std::lock_guard l(mu_);
    for (const auto& line : lines_)
      for (unsigned char c : line.second)
        if (c < 0x20 || c == 0x7f) return true;
    return false;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<LogLevel, std::string>> lines_;
};

inline void spit(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << data;
}

inline std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 23);
  }
  return s;
}

// An independent CRC-32 (bitwise) to forge and check GPT fields.
inline std::uint32_t crc(const std::string& s) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char ch : s) {
    c ^= ch;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
  }
  return ~c;
}
inline std::uint32_t get32(const std::string& s, std::size_t at) {
  std::uint32_t v;
  std::memcpy(&v, s.data() + at, 4);
  return v;
}
inline void put32(std::string& s, std::size_t at, std::uint32_t v) { std::memcpy(s.data() + at, &v, 4); }
inline void put64(std::string& s, std::size_t at, std::uint64_t v) { std::memcpy(s.data() + at, &v, 8); }
inline std::string hex8(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}

// Recomputes the GPT's entry-array and header CRCs after an edit.
inline void fix_gpt_crcs(std::string& disk) {
  const std::uint32_t count = get32(disk, 512 + 80), size = get32(disk, 512 + 84);
  put32(disk, 512 + 88, crc(disk.substr(1024, std::size_t(count) * size)));
  put32(disk, 512 + 16, 0);
  put32(disk, 512 + 16, crc(disk.substr(512, get32(disk, 512 + 12))));
}

inline std::size_t files_in(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

// Files for the disks, built once per test run.
struct World {
  test::TempDir dir;
  fs::path kernel, initrd;
  std::string kernel_bytes = pattern(300 * 1024 + 17, 1);
  std::string initrd_bytes = pattern(100 * 1024 + 3, 2);
  World() {
    kernel = dir.write("vmlinuz", kernel_bytes);
    initrd = dir.write("initrd.img", initrd_bytes);
  }
  // Runs scripts/make-test-disk.sh; `extra` are more options.
  fs::path disk(const std::string& name, const std::string& options, const std::string& extra = "") {
    const fs::path out = dir.path() / name;
    auto r = test::run_command("bash " + (test::source_dir() / "scripts" / "make-test-disk.sh").string() + " " +
                               out.string() + " " + options + " --kernel " + kernel.string() + " --initrd " +
                               initrd.string() + " --cmdline 'console=ttyS0 root=/dev/xvda1 ro' " + extra);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    return out;
  }
  fs::path folder(const std::string& name) {
    fs::path p = dir.path() / name;
    fs::create_directories(p);
    return p;
  }
};

inline World& world() {
  static World w;
  return w;
}

// One run of the grub stage, as the runner would do it.
struct Run {
  boost::asio::io_context io;
  boost::asio::thread_pool workers{1};
  std::shared_ptr<test::RecordingPlatform> platform =
      std::make_shared<test::RecordingPlatform>(io, std::make_shared<test::CallLog>());
  PluginLoader loader{{test::build_dir() / "plugins"}};
  RecordingLogger log;
  DomainConfig config;
  std::shared_ptr<Stage> stage;
  std::unique_ptr<StageContext> ctx;
  std::exception_ptr error;
  test::TempDir scratch_parent;

  Run(std::vector<fs::path> disks, std::vector<std::string> args = {}, std::map<std::string, std::string> params = {},
      std::string cmdline = {}) {
    config.name = "boot-test";
    config.cmdline = std::move(cmdline);
    const char* vdevs[] = {"xvda", "xvdb", "xvdc"};
    for (std::size_t i = 0; i < disks.size(); ++i) {
      DiskConfig d;
      d.target = disks[i];
      d.vdev = vdevs[i];
      d.readonly = true;
      config.disks.push_back(d);
    }
    config.bootloader_args = std::move(args);
    std::map<std::string, ParamValue> values{{"tmpdir", ParamValue{scratch_parent.path().string(), {}}}};
    for (auto& [k, v] : params) values[k] = ParamValue{v, {}};
    stage = loader.create_stage("grub", StageSlot::bootloader, PluginParams("grub", values));
    ctx = std::make_unique<StageContext>(config, *platform, nullptr, log, io, workers, ConsoleSink{});
  }
  ~Run() {
    if (stage) stage->undo(*ctx);
    workers.join();
  }

  // Starts the stage; `before` runs right after async_run returns.
  void go(const std::function<void()>& before = {}) {
    bool finished = false;
    auto guard = boost::asio::make_work_guard(io);
    try {
      stage->async_run(*ctx, [&](std::exception_ptr e) {
        error = e;
        finished = true;
      });
    } catch (...) {
      error = std::current_exception();
      finished = true;
    }
    if (before) before();
    while (!finished && io.run_one_for(60s)) {
    }
    BOOST_REQUIRE(finished);
  }
  std::string message() const {
    if (!error) return "(no error)";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      return e.what();
    }
  }
  std::size_t leftovers() const { return files_in(scratch_parent.path()); }
};

}  // namespace hvmtool::grub_test
