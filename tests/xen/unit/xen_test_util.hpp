#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "hvmtool/hvmtool.hpp"
#include "recording_xen_api.hpp"
#include "runner/domain_run.hpp"
#include "xen_platform.hpp"

namespace hvmtool::xen::test {

class QuietLogger final : public Logger {
 public:
  void log(LogLevel level, std::string_view message) override;
  bool enabled(LogLevel) const override { return true; }
  std::vector<std::string> lines() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

// A build stage from a function (run on the io_context).
class FunctionStage final : public Stage {
 public:
  explicit FunctionStage(std::function<void(StageContext&)> f) : f_(std::move(f)) {}
  std::string_view name() const override { return "test.build"; }
  void async_run(StageContext& ctx, Completion done) override {
    f_(ctx);
    done(nullptr);
  }

 private:
  std::function<void(StageContext&)> f_;
};

// The xen platform on a RecordingXenApi, the core stages from the build tree.
struct XenFixture {
  boost::asio::io_context io;
  boost::asio::thread_pool workers{1};
  QuietLogger log;
  std::shared_ptr<RecordingXenApi> api = std::make_shared<RecordingXenApi>();
  std::shared_ptr<XenPlatform> platform = std::make_shared<XenPlatform>(io, log, api);

  XenFixture();
  ~XenFixture();

  // make/build_pre/build_post/unpause/wait from the core plugin, bootloader none, `build` as given.
  ResolvedPipeline pipeline(std::shared_ptr<Stage> build, std::shared_ptr<FirmwareProvider> firmware = nullptr);
  // Runs one domain to its end on the io_context; `during` is called after each handler.
  RunResult run(const DomainConfig& config, std::shared_ptr<Stage> build, const std::function<void()>& during = {},
                std::shared_ptr<FirmwareProvider> firmware = nullptr);
  // Runs the io_context until `pred` or `seconds` elapsed.
  bool run_until(const std::function<bool()>& pred, double seconds = 5);
};

DomainCreateInfo create_info(const std::string& name, DomainType type, unsigned vcpus = 1,
                             std::uint64_t max_memory = 128ull << 20);

}  // namespace hvmtool::xen::test
