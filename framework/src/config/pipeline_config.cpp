#include "config/pipeline_config.hpp"

#include <mutex>

namespace hvmtool {

// to_string(DomainType/ShutdownAction) live with the other public names in api/names.cpp.

std::string default_stage_plugin(StageSlot slot, DomainType type) {
  switch (slot) {
    case StageSlot::bootloader:
      return "none";
    case StageSlot::build:
      // A classic PV guest exists only on Xen, built by libxenguest (as
      // libxl__build_pv does); build_pv boots kernels directly into PVH
      // (and hvm) domains on any platform.
      switch (type) {
        case DomainType::hvm:
          return "build_hvm";
        case DomainType::pv:
          return "build_xen_pv";
        case DomainType::pvh:
          return "build_pv";
      }
      return "build_pv";
    default:
      return "core";
  }
}

const PluginParams& PipelineConfig::params_for(const std::string& plugin) const {
  if (auto it = params.find(plugin); it != params.end()) return it->second;
  // Callers keep the reference while the plugin builds its objects; an
  // empty set that names its plugin must therefore outlive this call, and
  // std::map never moves its nodes.
  static std::mutex mutex;
  static std::map<std::string, PluginParams> empty;
  std::lock_guard lock(mutex);
  return empty.try_emplace(plugin, plugin, std::map<std::string, ParamValue>{}).first->second;
}

std::vector<DomainConfig> PipelineConfig::domains() const {
  if (count <= 1) return {domain};
  std::vector<DomainConfig> out;
  for (unsigned i = 0; i < count; ++i) {
    DomainConfig d = domain;
    std::string suffix = "-" + std::to_string(i);
    d.name += suffix;
    // Each copy gets its own console log: hello.log → hello-0.log, ...
    if (!d.logfile.empty()) {
      std::filesystem::path name = d.logfile.stem();
      name += suffix;
      name += d.logfile.extension();
      d.logfile.replace_filename(name);
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace hvmtool
