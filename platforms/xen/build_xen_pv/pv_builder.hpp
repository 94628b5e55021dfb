#pragma once

#include <functional>
#include <memory>
#include <string>

#include <hvmtool/hvmtool.hpp>

#include "xen_api.hpp"

namespace hvmtool::xen {

// What libxl__build_pv hands libxenguest's xc_dom_* builder.
struct PvBuildInput {
  DomainId domid = 0;
  std::string kernel, ramdisk, cmdline, features;
  unsigned memory_mb = 0;
  PvImageSetup setup;
};

// The xc_dom_* sequence of libxl__build_pv / libxl__build_dom on `api`:
// allocate, kernel_file, module_file (ramdisk), the image fields,
// boot_xen_init, parse_image, mem_init, boot_mem_init, build_image,
// boot_image, gnttab_init; then the store/console frames; release.
// Throws Error naming the step that failed.
PvImageResult build_pv(XenApi& api, const PvBuildInput& in);

// The build stage for `type: pv` on the xen platform. Its XenApi comes from
// `make_api` (the plugin passes the real libraries), opened at run time.
class BuildXenPvStage final : public Stage {
 public:
  using ApiFactory = std::function<std::shared_ptr<XenApi>()>;
  BuildXenPvStage(ApiFactory make_api, std::string features)
      : make_api_(std::move(make_api)), features_(std::move(features)) {}

  std::string_view name() const override { return "build_xen_pv"; }
  void async_run(StageContext& ctx, Completion done) override;

 private:
  ApiFactory make_api_;
  std::string features_;
};

}  // namespace hvmtool::xen
