#pragma once

#include <hvmtool/hvmtool.hpp>

namespace hvmtool::build_hvm {

enum class EntryMode { direct, legacy_jmp };

// libxl__build_hvm → xc_hvm_build → setup_guest, on the Platform/Domain
// interface only: load hvmloader, populate RAM, place modules, hvm_start_info,
// hvm_info, special pages and params, and set vCPU 0's entry.
class BuildHvmStage final : public Stage {
 public:
  explicit BuildHvmStage(EntryMode entry) : entry_(entry) {}
  std::string_view name() const override { return "build_hvm.build"; }
  void check_domain(const DomainConfig& domain, const PlatformFeatures& platform) const override;
  void async_run(StageContext& ctx, Completion done) override;
  void undo(StageContext& ctx) noexcept override;

 private:
  EntryMode entry_;
};

}  // namespace hvmtool::build_hvm
