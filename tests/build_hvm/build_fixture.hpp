#pragma once

// Runs the build_hvm stage alone on a recording domain (tests/support) and
// keeps the domain for inspecting guest memory afterwards.

#include <boost/test/unit_test.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "plugin/plugin_loader.hpp"
#include "runner/domain_run.hpp"
#include "support/recording_platform.hpp"
#include "support/stage_harness.hpp"
#include "support/test_env.hpp"

namespace hvmtool::test::build_hvm {

using namespace std::chrono_literals;

inline std::string hex(std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

inline constexpr std::uint64_t k4G = 1ull << 32;

// Runs only the build stage on a fresh recording domain and keeps the domain
// for inspection.
struct Build {
  boost::asio::io_context io;
  boost::asio::thread_pool workers{1};
  std::shared_ptr<test::CallLog> calls = std::make_shared<test::CallLog>();
  std::shared_ptr<test::RecordingPlatform> platform;
  PluginLoader loader{{test::build_dir() / "plugins"}};
  test::NullLogger log;
  DomainConfig config;
  std::shared_ptr<FirmwareProvider> firmware;
  std::unique_ptr<StageContext> ctx;
  std::exception_ptr error;

  Build(DomainConfig c, test::RecordingOptions o = {}, std::string entry = "direct", bool cancel_first = false)
      : config(std::move(c)) {
    platform = std::make_shared<test::RecordingPlatform>(io, calls, o);
    firmware = loader.create_firmware("firmware", PluginParams{});
    std::map<std::string, ParamValue> values{{"entry", ParamValue{entry, {}}}};
    auto stage = loader.create_stage("build_hvm", StageSlot::build, PluginParams("build_hvm", values));
    ctx = std::make_unique<StageContext>(config, *platform, firmware.get(), log, io, workers, ConsoleSink{});
    error = test::run_stage_alone(*stage, *ctx, io, cancel_first);
  }
  ~Build() { workers.join(); }

  test::RecordingDomain& dom() { return dynamic_cast<test::RecordingDomain&>(*ctx->domain); }
  std::string mem(std::uint64_t gpa, std::size_t len) { return test::guest_bytes(dom(), gpa, len); }
  template <typename T>
  T read(std::uint64_t gpa) {
    return test::guest_read<T>(dom(), gpa);
  }
  std::string cstr(std::uint64_t gpa) { return test::guest_cstr(dom(), gpa, 64); }
  void rethrow() {
    if (error) std::rethrow_exception(error);
  }
};

inline DomainConfig domain(std::uint64_t memory) {
  DomainConfig c;
  c.name = "t";
  c.memory = memory;
  c.firmware = "hvmloader";
  return c;
}

}  // namespace hvmtool::test::build_hvm
