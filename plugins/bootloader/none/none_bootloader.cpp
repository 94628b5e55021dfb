#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <hvmtool/hvmtool.hpp>

namespace hvmtool::bootloader_none {

namespace {

void require_readable(const std::filesystem::path& file, const char* field) {
  if (file.empty()) return;
  if (::access(file.c_str(), R_OK) != 0)
    throw Error(std::string("domain.") + field + ": " + file.string() + ": " + std::strerror(errno));
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw Error(std::string("domain.") + field + ": " + file.string() + ": not a regular file");
}

}  // namespace

// `bootloader: none`: no bootloader runs; the configured kernel, ramdisk and
// cmdline go to the builder as they are (xl without bootloader=). Checking
// that the files can be read here fails the run before any memory is built.
class PassThroughStage final : public Stage {
 public:
  std::string_view name() const override { return "none.bootloader"; }
  void async_run(StageContext& ctx, Completion done) override {
    require_readable(ctx.boot.kernel, "kernel");
    require_readable(ctx.boot.ramdisk, "ramdisk");
    if ((ctx.config.type == DomainType::pv || ctx.config.type == DomainType::pvh) && ctx.boot.kernel.empty())
      throw Error("domain.kernel: a " + std::string(to_string(ctx.config.type)) +
                  " domain without a bootloader needs a kernel");
    done(nullptr);
  }
};

class NonePlugin final : public Plugin {
 public:
  std::string_view name() const override { return "none"; }
  std::string_view version() const override { return kVersionString; }
  std::string_view description() const override { return "pass the configured kernel through (no bootloader)"; }
  std::vector<StageSlot> stage_slots() const override { return {StageSlot::bootloader}; }
  std::unique_ptr<Stage> create_stage(StageSlot slot, const PluginParams& params) override {
    params.require_known({});
    if (slot != StageSlot::bootloader) return Plugin::create_stage(slot, params);
    return std::make_unique<PassThroughStage>();
  }
};

}  // namespace hvmtool::bootloader_none

HVMTOOL_PLUGIN(hvmtool::bootloader_none::NonePlugin)
