#include "xen_test_util.hpp"

#include <chrono>

#include "plugin/plugin_loader.hpp"
#include "support/test_env.hpp"

namespace hvmtool::xen::test {

void QuietLogger::log(LogLevel, std::string_view message) {
  std::lock_guard l(mu_);
  lines_.emplace_back(message);
}

std::vector<std::string> QuietLogger::lines() const {
  std::lock_guard l(mu_);
  return lines_;
}

XenFixture::XenFixture() = default;

XenFixture::~XenFixture() { workers.join(); }

ResolvedPipeline XenFixture::pipeline(std::shared_ptr<Stage> build, std::shared_ptr<FirmwareProvider> firmware) {
  static PluginLoader loader{{hvmtool::test::build_dir() / "plugins"}};
  PluginParams none;
  ResolvedPipeline p;
  p.platform = platform;
  p.firmware = std::move(firmware);
  for (StageSlot slot : kStageOrder) {
    const std::size_t i = index_of(slot);
    if (slot == StageSlot::build) {
      p.stages[i] = build;
      p.plugin_names[i] = "test";
    } else {
      std::string plugin = slot == StageSlot::bootloader ? "none" : "core";
      p.stages[i] = loader.create_stage(plugin, slot, none);
      p.plugin_names[i] = plugin;
    }
  }
  return p;
}

RunResult XenFixture::run(const DomainConfig& config, std::shared_ptr<Stage> build, const std::function<void()>& during,
                          std::shared_ptr<FirmwareProvider> firmware) {
  std::optional<RunResult> result;
  auto r = std::make_shared<DomainRun>(io, workers, config, pipeline(std::move(build), std::move(firmware)), log,
                                       ConsoleSink{});
  r->start([&](const RunResult& rr) { result = rr; });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!result && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_one_for(std::chrono::milliseconds(50));
    if (during) during();
  }
  if (!result) throw std::runtime_error("the run did not finish in 60 s");
  return *result;
}

bool XenFixture::run_until(const std::function<bool()>& pred, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!pred() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_one_for(std::chrono::milliseconds(20));
  }
  return pred();
}

DomainCreateInfo create_info(const std::string& name, DomainType type, unsigned vcpus, std::uint64_t max_memory) {
  DomainCreateInfo info;
  info.name = name;
  info.type = type;
  info.max_vcpus = vcpus;
  info.max_memory = max_memory;
  for (std::size_t i = 0; i < 16; ++i) info.uuid[i] = static_cast<std::uint8_t>(0x10 + i);
  return info;
}

}  // namespace hvmtool::xen::test
