#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "emu_domain.hpp"
#include "hvmtool/platform.hpp"

namespace hvmtool::emu {

struct EmuOptions {
  std::filesystem::path registry_dir;  // empty = Registry::default_dir("emu")
  std::chrono::milliseconds destroy_timeout{10000};
};

// Reads `params: {emu: {...}}` (registry_dir, destroy_timeout).
EmuOptions parse_options(const PluginParams& params);

class EmuPlatform : public Platform {
 public:
  EmuPlatform(boost::asio::io_context& io, Logger& log, EmuOptions options);

  std::string_view name() const override { return "emu"; }
  // Succeeds wherever Unicorn opens an x86 engine.
  void check_available() override;
  std::unique_ptr<Domain> create_domain(const DomainCreateInfo& info) override;
  Store& store() override { return *state_->store; }
  std::vector<DomainSummary> list_domains() override { return state_->registry->summaries(); }
  void destroy_domain(std::string_view name_or_id) override;

  // Beyond the interface: the concrete pieces, for tests and diagnostics.
  EmbeddedStore& embedded_store() { return *state_->store; }
  Registry& registry() { return *state_->registry; }
  const std::filesystem::path& registry_dir() const { return state_->registry->dir(); }

 private:
  EmuOptions options_;
  std::shared_ptr<PlatformState> state_;
  bool available_ = false;
};

}  // namespace hvmtool::emu
