#include <chrono>
#include <fstream>
#include <thread>

#include <hvmtool/hvmtool.hpp>

namespace {

// A stage for every slot whose behaviour the pipeline file picks:
// ok, fail (completion with an error), throw (from async_run), hang (never
// completes until cancelled), block (a worker-pool job that sleeps `block_ms`
// and ignores cancellation, like a large read). `marker` names a file it
// appends "SLOT\n" to.
class ScriptedStage final : public hvmtool::Stage {
 public:
  ScriptedStage(hvmtool::StageSlot slot, std::string behaviour, std::string marker, std::chrono::milliseconds block)
      : slot_(slot), behaviour_(std::move(behaviour)), marker_(std::move(marker)), block_(block) {}
  std::string_view name() const override { return "teststage"; }
  void async_run(hvmtool::StageContext& ctx, hvmtool::Completion done) override {
    if (!marker_.empty()) {
      std::ofstream m(marker_, std::ios::app);
      m << to_string(slot_);
      // Which firmware the builder was handed, resolved when the file loaded.
      if (slot_ == hvmtool::StageSlot::build && ctx.firmware_images)
        m << " firmware " << ctx.firmware_images->loader.path.string();
      m << "\n";
    }
    if (behaviour_ == "throw") throw hvmtool::Error("teststage: thrown on purpose");
    if (behaviour_ == "fail") {
      done(std::make_exception_ptr(hvmtool::Error("teststage: failed on purpose")));
      return;
    }
    if (behaviour_ == "hang") {
      pending_ = std::move(done);
      return;
    }
    if (behaviour_ == "block") {
      // The job and the completion handler it posts are compiled into this
      // library: the handler may still be queued when the run is over.
      hvmtool::run_blocking(
          ctx, [block = block_] { std::this_thread::sleep_for(block); }, std::move(done));
      return;
    }
    done(nullptr);
  }
  void cancel(hvmtool::StageContext&) override {
    if (pending_) std::exchange(pending_, nullptr)(std::make_exception_ptr(hvmtool::CancelledError("cancelled")));
  }
  void undo(hvmtool::StageContext&) noexcept override {
    if (!marker_.empty()) std::ofstream(marker_, std::ios::app) << "undo " << to_string(slot_) << "\n";
  }

 private:
  hvmtool::StageSlot slot_;
  std::string behaviour_;
  std::string marker_;
  std::chrono::milliseconds block_;
  hvmtool::Completion pending_;
};

// A firmware provider that says when it resolves (a "resolve" line in the
// marker file) and resolves to a loader path no builder reads.
class CountingFirmware final : public hvmtool::FirmwareProvider {
 public:
  explicit CountingFirmware(std::string marker) : marker_(std::move(marker)) {}
  hvmtool::FirmwareSet resolve(const hvmtool::DomainConfig& domain) const override {
    if (!marker_.empty()) std::ofstream(marker_, std::ios::app) << "resolve " << domain.name << "\n";
    hvmtool::FirmwareSet set;
    set.loader.name = "loader";
    set.loader.path = "/teststage/" + (domain.firmware.empty() ? std::string("default") : domain.firmware);
    return set;
  }

 private:
  std::string marker_;
};

class TestStagePlugin final : public hvmtool::Plugin {
 public:
  std::string_view name() const override { return "teststage"; }
  std::string_view version() const override { return "test"; }
  std::vector<hvmtool::StageSlot> stage_slots() const override {
    return {hvmtool::kStageOrder.begin(), hvmtool::kStageOrder.end()};
  }
  std::unique_ptr<hvmtool::Stage> create_stage(hvmtool::StageSlot slot, const hvmtool::PluginParams& p) override {
    p.require_known({"behaviour", "marker", "fail_slot", "block_ms"});
    std::string behaviour = p.get_choice("behaviour", "ok", {"ok", "fail", "throw", "hang", "block"});
    // `fail_slot` applies the behaviour to that slot only.
    if (p.has("fail_slot") && p.get_string("fail_slot", "") != to_string(slot)) behaviour = "ok";
    const std::chrono::milliseconds block(p.get_uint("block_ms", 0, 0, 600000));
    return std::make_unique<ScriptedStage>(slot, behaviour, p.get_string("marker", ""), block);
  }
  bool provides_firmware() const override { return true; }
  std::unique_ptr<hvmtool::FirmwareProvider> create_firmware(const hvmtool::PluginParams& p) override {
    p.require_known({"behaviour", "marker", "fail_slot", "block_ms"});
    return std::make_unique<CountingFirmware>(p.get_string("marker", ""));
  }
};

}  // namespace

HVMTOOL_PLUGIN(TestStagePlugin)
