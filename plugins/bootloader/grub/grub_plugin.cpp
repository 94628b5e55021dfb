// `grub`: the bootloader stage that boots what a guest's disk says it
// boots, the way Xen's pygrub does: raw image -> MBR/GPT -> ext2/3/4
// (libext2fs) -> grub.cfg / extlinux.conf / menu.lst -> kernel, initrd and
// command line extracted into a private scratch folder, which undo() removes.
#include <mutex>

#include <hvmtool/hvmtool.hpp>

#include <hvmtool_common/disk_format.hpp>

#include "boot_extract.hpp"

namespace hvmtool::grub {

namespace {

// One run's work, shared by the stage, the worker job and the completion,
// so that none of them outlives what it touches. The scratch folder belongs
// to whoever sees it last: undo() (abandon) or the failing job.
class Job {
 public:
  Job(const DomainConfig& config, Settings settings, std::shared_ptr<std::atomic<bool>> cancelled)
      : disks_(config.disks),
        args_(config.bootloader_args),
        extra_cmdline_(config.cmdline),
        domain_(config.name),
        settings_(std::move(settings)),
        cancelled_(std::move(cancelled)) {}
  ~Job() { remove_scratch(scratch_); }

  void run(Logger& log) {
    const auto began = std::chrono::steady_clock::now();
    try {
      result_ = extract_boot_files(
          disks_, args_, extra_cmdline_, settings_, [this] { return stop_.load() || cancelled_->load(); },
          [this, &log] { return make_scratch(log); });
    } catch (...) {
      std::lock_guard l(mu_);
      remove_scratch(made_);
      scratch_.clear();
      // After undo() the folder vanished under the copy: that is a cancellation.
      if (abandoned_) throw CancelledError("grub bootloader cancelled");
      throw;
    }
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began).count();
    std::lock_guard l(mu_);
    if (abandoned_) {
      // undo() ran while files were still being written: remove what it
      // could not see; deliver() reports the cancellation.
      remove_scratch(made_);
      return;
    }
    for (const std::string& w : result_.warnings) log.warn("grub: " + w);
    log.info("grub: " + result_.summary + " -> " + scratch_.string() + " (" + std::to_string(ms) + " ms)");
  }

  // On the io_context, after run(): hand the files over unless undo() came first.
  bool deliver(BootPayload& boot) {
    std::lock_guard l(mu_);
    if (abandoned_) return false;
    boot.kernel = result_.kernel;
    boot.ramdisk = result_.ramdisk;
    boot.cmdline = result_.cmdline;
    boot.scratch_dir = scratch_;
    return true;
  }

  void abandon() noexcept {
    stop_.store(true);
    std::lock_guard l(mu_);
    abandoned_ = true;
    remove_scratch(std::exchange(scratch_, {}));
  }

 private:
  std::filesystem::path make_scratch(Logger& log) {
    std::lock_guard l(mu_);
    if (abandoned_) throw CancelledError("grub bootloader cancelled");
    const std::filesystem::path parent = scratch_parent(settings_);
    // What a killed run (SIGKILL: no undo) left behind goes first.
    if (const std::size_t swept = sweep_stale_scratch(parent))
      log.info("grub: removed " + std::to_string(swept) + " scratch folder(s) of processes that no longer run from " +
               parent.string());
    scratch_ = made_ = make_scratch_dir(parent, domain_);
    return scratch_;
  }

  const std::vector<DiskConfig> disks_;
  const std::vector<std::string> args_;
  const std::string extra_cmdline_;
  const std::string domain_;
  const Settings settings_;
  const std::shared_ptr<std::atomic<bool>> cancelled_;
  std::atomic<bool> stop_{false};  // set by abandon(): the copy stops at the next chunk
  std::mutex mu_;
  bool abandoned_ = false;
  std::filesystem::path scratch_;  // the folder while it is ours to remove
  std::filesystem::path made_;     // the folder this job made (for the final sweep)
  Extracted result_;
};

class GrubStage final : public Stage {
 public:
  explicit GrubStage(Settings settings) : settings_(std::move(settings)) {}

  // The disk it will read must be in a format it reads (which disk, and
  // whether there is one, is checked when it runs: params.grub.disk).
  void check_domain(const DomainConfig& domain, const PlatformFeatures& /*platform*/) const override {
    for (std::size_t i = 0; i < domain.disks.size(); ++i)
      if (settings_.disk.empty() ? i == 0 : domain.disks[i].vdev == settings_.disk)
        common::check_disk_format(domain, i);
  }
  ~GrubStage() override {
    if (job_) job_->abandon();
  }

  std::string_view name() const override { return "grub.bootloader"; }

  void async_run(StageContext& ctx, Completion done) override {
    if (job_) job_->abandon();  // a restart without undo: never two scratch folders
    auto job = std::make_shared<Job>(ctx.config, settings_, ctx.cancelled);
    job_ = job;
    run_blocking(
        ctx, [job, &log = ctx.log] { job->run(log); },
        [job, &ctx, done = std::move(done)](std::exception_ptr error) mutable {
          // undo() may have run already (timeout + grace): then ctx.boot is
          // not ours to touch, and the folder is gone.
          if (!error && !job->deliver(ctx.boot))
            error = std::make_exception_ptr(CancelledError("grub bootloader cancelled"));
          done(error);
        });
  }

  void cancel(StageContext& ctx) override { ctx.cancelled->store(true); }

  void undo(StageContext& ctx) noexcept override {
    if (!job_) return;
    job_->abandon();
    job_.reset();
    if (!ctx.boot.scratch_dir.empty()) {
      ctx.boot.kernel = ctx.config.kernel;
      ctx.boot.ramdisk = ctx.config.ramdisk;
      ctx.boot.cmdline = ctx.config.cmdline;
      ctx.boot.scratch_dir.clear();
    }
  }

 private:
  Settings settings_;
  std::shared_ptr<Job> job_;
};

class GrubPlugin final : public Plugin {
 public:
  std::string_view name() const override { return "grub"; }
  std::string_view version() const override { return kVersionString; }
  std::string_view description() const override {
    return "boot the kernel a guest disk's grub.cfg/extlinux.conf/menu.lst names (pygrub's job)";
  }
  std::vector<StageSlot> stage_slots() const override { return {StageSlot::bootloader}; }
  std::unique_ptr<Stage> create_stage(StageSlot slot, const PluginParams& params) override {
    // Parameters only: the disk is opened when the stage runs.
    params.require_known({"disk", "partition", "max_kernel_size", "max_initrd_size", "tmpdir"});
    if (slot != StageSlot::bootloader) return Plugin::create_stage(slot, params);
    Settings s;
    s.disk = params.get_string("disk", "");
    if (params.has("partition")) s.partition = static_cast<unsigned>(params.get_uint("partition", 1, 1, 128));
    s.max_kernel_size = params.get_size("max_kernel_size", s.max_kernel_size);
    s.max_initrd_size = params.get_size("max_initrd_size", s.max_initrd_size);
    if (s.max_kernel_size == 0) params.fail("max_kernel_size", "must be more than 0");
    if (s.max_initrd_size == 0) params.fail("max_initrd_size", "must be more than 0");
    s.tmpdir = params.get_string("tmpdir", "");
    return std::make_unique<GrubStage>(std::move(s));
  }
};

}  // namespace

}  // namespace hvmtool::grub

HVMTOOL_PLUGIN(hvmtool::grub::GrubPlugin)
