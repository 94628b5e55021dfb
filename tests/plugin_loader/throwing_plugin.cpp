// hvmtool-thrower.so: a plugin that throws from the entry point it is told
// to, either an exception type defined here (its vtable, typeinfo, what()
// and destructor live in this library and vanish when it is unloaded) or an
// int (not a std::exception at all). Everything else works: its stages
// succeed, its platform is the recording test platform, its firmware
// provider resolves to nothing in particular.
//
// params: thrower: {at: ENTRY, what: own|int|std, slot: SLOT, calls_file: PATH}
// `at` and `what` fall back to $HVMTOOL_THROWER_AT / $HVMTOOL_THROWER_WHAT,
// which is also how the factory and stage_slots (which see no params) and the
// CLI commands without a pipeline file (list, destroy) are reached.

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include <boost/asio/post.hpp>
#include <hvmtool/hvmtool.hpp>

#include "support/recording_platform.hpp"

namespace {

using namespace hvmtool;

class ThrowerFault final : public std::exception {
 public:
  explicit ThrowerFault(std::string message) : message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

std::string from_env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

struct Fault {
  std::string at;            // the entry point that throws; empty = none
  std::string what = "own";  // own | int | std
  StageSlot slot = StageSlot::build;

  static Fault from(const PluginParams& p) {
    Fault f;
    f.at = p.get_string("at", from_env("HVMTOOL_THROWER_AT"));
    const std::string env_what = from_env("HVMTOOL_THROWER_WHAT");
    f.what = p.get_choice("what", env_what.empty() ? "own" : env_what, {"own", "int", "std"});
    f.slot = *stage_slot_from_string(
        p.get_choice("slot", "build", {"make", "bootloader", "build_pre", "build", "build_post", "unpause", "wait"}));
    return f;
  }
  static Fault from_env_only() { return from(PluginParams{}); }

  [[noreturn]] void raise() const {
    if (what == "int") throw 42;
    if (what == "std") throw std::out_of_range("thrower: " + at + " failed on purpose");
    throw ThrowerFault("thrower: " + at + " failed on purpose");
  }
  void maybe_throw(std::string_view entry) const {
    if (at == entry) raise();
  }
  std::exception_ptr error() const {
    try {
      raise();
    } catch (...) {
      return std::current_exception();
    }
  }
};

class ThrowingStage final : public Stage {
 public:
  ThrowingStage(StageSlot slot, Fault fault) : slot_(slot), fault_(std::move(fault)) {}
  std::string_view name() const override { return "thrower"; }
  void async_run(StageContext& ctx, Completion done) override {
    if (slot_ == StageSlot::make) {
      DomainCreateInfo info;
      info.name = ctx.config.name;
      ctx.domain = ctx.platform.create_domain(info);
    }
    if (slot_ != fault_.slot) return done(nullptr);
    if (fault_.at == "async_run") fault_.raise();
    if (fault_.at == "completion") return done(fault_.error());
    if (fault_.at == "worker")
      return run_blocking(
          ctx, [fault = fault_] { fault.raise(); }, std::move(done));
    if (fault_.at == "handler") {  // a handler compiled into this library, run by the io_context
      boost::asio::post(ctx.io, [fault = fault_] { fault.raise(); });
      return done(nullptr);
    }
    // Each hangs until cancelled; on "cancel", cancel() then answers and throws.
    if (fault_.at == "cancel" || fault_.at == "hang" || fault_.at == "sigterm") {
      pending_ = std::move(done);
      if (fault_.at == "sigterm") ::kill(::getpid(), SIGTERM);
      return;
    }
    done(nullptr);
  }
  void cancel(StageContext&) override {
    if (pending_) std::exchange(pending_, nullptr)(std::make_exception_ptr(CancelledError("thrower: cancelled")));
    fault_.maybe_throw("cancel");
  }

 private:
  StageSlot slot_;
  Fault fault_;
  Completion pending_;
};

class ThrowingPlatform final : public Platform {
 public:
  ThrowingPlatform(boost::asio::io_context& io, Fault fault, std::string calls_file)
      : fault_(std::move(fault)),
        calls_(std::make_shared<test::CallLog>()),
        inner_(io, calls_),
        calls_file_(std::move(calls_file)) {}
  ~ThrowingPlatform() override {
    if (calls_file_.empty()) return;
    std::ofstream out(calls_file_);
    for (const auto& e : calls_->entries()) out << e << "\n";
  }
  std::string_view name() const override { return "thrower"; }
  void check_available() override {
    fault_.maybe_throw("check_available");
    inner_.check_available();
  }
  std::unique_ptr<Domain> create_domain(const DomainCreateInfo& info) override {
    fault_.maybe_throw("create_domain");
    return inner_.create_domain(info);
  }
  Store& store() override { return inner_.store(); }
  std::vector<DomainSummary> list_domains() override {
    fault_.maybe_throw("list_domains");
    return inner_.list_domains();
  }
  void destroy_domain(std::string_view name_or_id) override {
    fault_.maybe_throw("destroy_domain");
    inner_.destroy_domain(name_or_id);
  }

 private:
  Fault fault_;
  std::shared_ptr<test::CallLog> calls_;
  test::RecordingPlatform inner_;
  std::string calls_file_;
};

class ThrowingFirmware final : public FirmwareProvider {
 public:
  explicit ThrowingFirmware(Fault fault) : fault_(std::move(fault)) {}
  FirmwareSet resolve(const DomainConfig&) const override {
    fault_.maybe_throw("resolve");
    FirmwareSet set;
    set.loader.name = "hvmloader";
    set.loader.path = "/dev/null";
    return set;
  }

 private:
  Fault fault_;
};

class ThrowingPlugin final : public Plugin {
 public:
  ThrowingPlugin() { Fault::from_env_only().maybe_throw("factory"); }
  std::string_view name() const override { return "thrower"; }
  std::string_view version() const override { return "test"; }
  std::vector<StageSlot> stage_slots() const override {
    Fault::from_env_only().maybe_throw("stage_slots");
    return {kStageOrder.begin(), kStageOrder.end()};
  }
  std::unique_ptr<Stage> create_stage(StageSlot slot, const PluginParams& p) override {
    p.require_known({"at", "what", "slot", "calls_file"});
    Fault fault = Fault::from(p);
    fault.maybe_throw("create_stage");
    return std::make_unique<ThrowingStage>(slot, std::move(fault));
  }
  bool provides_platform() const override { return true; }
  std::unique_ptr<Platform> create_platform(const PlatformContext& ctx) override {
    Fault fault = Fault::from(ctx.params);
    fault.maybe_throw("create_platform");
    return std::make_unique<ThrowingPlatform>(ctx.io, std::move(fault), ctx.params.get_string("calls_file", ""));
  }
  bool provides_firmware() const override { return true; }
  std::unique_ptr<FirmwareProvider> create_firmware(const PluginParams& p) override {
    Fault fault = Fault::from(p);
    fault.maybe_throw("create_firmware");
    return std::make_unique<ThrowingFirmware>(std::move(fault));
  }
};

}  // namespace

HVMTOOL_PLUGIN(ThrowingPlugin)
