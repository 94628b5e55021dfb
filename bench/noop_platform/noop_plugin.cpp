// `noop`, the null platform: a platform whose domains do nothing and power off as soon as they
// are unpaused (or, with `hold: true`, stay live until destroyed), plus do-nothing bootloader and build stages, so that
// a run on it costs only what the framework and the core stages cost. Written against the public headers alone, as a
// vendor plugin would be.
#include <atomic>

#include "noop_domain.hpp"

namespace hvmtool::bench {

namespace {

class NoopTransaction final : public StoreTransaction {
 public:
  std::optional<std::string> read(std::string_view) override { return std::nullopt; }
  void write(std::string_view, std::string_view) override {}
  void mkdir(std::string_view) override {}
  void remove(std::string_view) override {}
  std::vector<std::string> list(std::string_view) override { return {}; }
  void set_permissions(std::string_view, const std::vector<StorePermission>&) override {}
};

// Accepts every write and keeps none of it.
class NoopStore final : public Store {
 public:
  void transact(const std::function<void(StoreTransaction&)>& body) override {
    NoopTransaction txn;
    body(txn);
  }
  std::optional<std::string> read(std::string_view) override { return std::nullopt; }
  std::vector<std::string> list(std::string_view) override { return {}; }
  void remove(std::string_view) override {}
  void introduce_domain(DomainId, std::uint64_t, std::uint32_t) override {}
};

class NoopPlatform final : public Platform {
 public:
  NoopPlatform(boost::asio::io_context& io, std::string console_text, bool hold)
      : io_(io), console_text_(std::move(console_text)), hold_(hold) {}
  std::string_view name() const override { return "noop"; }
  void check_available() override {}
  std::unique_ptr<Domain> create_domain(const DomainCreateInfo& info) override {
    return std::make_unique<NoopDomain>(io_, next_id_++, info, console_text_, hold_);
  }
  Store& store() override { return store_; }
  std::vector<DomainSummary> list_domains() override { return {}; }
  void destroy_domain(std::string_view name_or_id) override {
    throw PlatformError("noop: no domain '" + std::string(name_or_id) + "' (noop domains live only in their run)");
  }

 private:
  boost::asio::io_context& io_;
  std::string console_text_;
  bool hold_;
  std::atomic<DomainId> next_id_{1};
  NoopStore store_;
};

class NothingStage final : public Stage {
 public:
  explicit NothingStage(std::string_view name) : name_(name) {}
  std::string_view name() const override { return name_; }
  void async_run(StageContext&, Completion done) override { done(nullptr); }

 private:
  std::string_view name_;
};

class NoopPlugin final : public Plugin {
 public:
  std::string_view name() const override { return "noop"; }
  std::string_view version() const override { return "1"; }
  std::string_view description() const override {
    return "bench: a platform whose domains power off at unpause, and do-nothing bootloader/build stages";
  }
  std::vector<StageSlot> stage_slots() const override { return {StageSlot::bootloader, StageSlot::build}; }
  std::unique_ptr<Stage> create_stage(StageSlot slot, const PluginParams& params) override {
    params.require_known({"console", "hold"});  // the platform's parameters: one `params.noop` serves both
    return std::make_unique<NothingStage>(slot == StageSlot::build ? "noop.build" : "noop.bootloader");
  }
  bool provides_platform() const override { return true; }
  std::unique_ptr<Platform> create_platform(const PlatformContext& ctx) override {
    ctx.params.require_known({"console", "hold"});
    // hold: the guests stay live until destroyed (a cancel), like idle guests.
    return std::make_unique<NoopPlatform>(ctx.io, ctx.params.get_string("console", ""),
                                          ctx.params.get_bool("hold", false));
  }
};

}  // namespace
}  // namespace hvmtool::bench

HVMTOOL_PLUGIN(hvmtool::bench::NoopPlugin)
