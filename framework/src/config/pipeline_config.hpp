#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hvmtool/config.hpp"
#include "hvmtool/params.hpp"
#include "hvmtool/stage_slot.hpp"

#include "hvmtool/export.hpp"

namespace hvmtool {

struct PluginChoice {
  std::string plugin;
  SourceLocation where;  // line 0 when the default was used
};

// `platform: auto` (and a file without `platform:`): the first of these
// platform plugins that can run on this host serves the file, in this order:
// hardware virtualisation, then a Xen dom0, then the software CPU.
inline constexpr std::string_view kAutoPlatform = "auto";
inline constexpr std::array<std::string_view, 3> kAutoPlatformCandidates = {"kvm", "xen", "emu"};

// The most domains one file's `count` may ask for. Far above what one
// process is measured to run at flat cost (10,000 on the noop platform,
// bench/scale.py); what bounds a run in practice is memory and
// --max-parallel, not this number.
inline constexpr unsigned kMaxDomainCount = 1'000'000;

// One pipeline file, parsed and validated: which plugin serves each stage,
// the platform, plugin parameters, and the domain.
struct HVMTOOL_API PipelineConfig {
  std::filesystem::path file;
  PluginChoice platform{std::string(kAutoPlatform), {}};  // or a plugin name
  PluginChoice firmware{"firmware", {}};                  // plugin providing the FirmwareProvider
  std::vector<std::filesystem::path> search_path;         // plugins.search_path, relative to the file
  std::array<PluginChoice, kStageOrder.size()> stages;
  std::map<std::string, PluginParams> params;  // by plugin name
  unsigned count = 1;
  DomainConfig domain;
  // What the file asks for that hvmtool does not do (an xl.cfg key it
  // ignores), one line each, "FILE:LINE: ...": printed, not fatal.
  std::vector<std::string> warnings;

  const PluginChoice& stage(StageSlot s) const { return stages[index_of(s)]; }
  // Params for a plugin; an empty set if the file gave none.
  const PluginParams& params_for(const std::string& plugin) const;
  // The domains this file creates: one, or `count` named NAME-0..NAME-(N-1).
  std::vector<DomainConfig> domains() const;
};

// The stage plugin used when the file names none (depends on domain type).
HVMTOOL_API std::string default_stage_plugin(StageSlot slot, DomainType type);

// Throws ConfigError "FILE:LINE:COL: field 'F': reason" for every problem.
HVMTOOL_API PipelineConfig load_pipeline_file(const std::filesystem::path& file);
HVMTOOL_API PipelineConfig load_pipeline_text(std::string_view yaml, const std::filesystem::path& file_name);

// xl.cfg files (`hvmtool run guest.cfg`), read by libxlutil as xl reads them
// and checked by the same domain rules; the stages are the defaults for the
// domain's type (the grub plugin for `bootloader = "pygrub"`). Errors name
// FILE:LINE and the key.
HVMTOOL_API PipelineConfig load_xl_cfg_file(const std::filesystem::path& file);
// .cfg/.xl/.conf, or a first statement `key = value`: an xl.cfg file.
HVMTOOL_API bool is_xl_cfg_file(const std::filesystem::path& file);
// Either format, by is_xl_cfg_file().
HVMTOOL_API PipelineConfig load_config_file(const std::filesystem::path& file);
// The pipeline YAML that runs the same guest as an xl.cfg file (`hvmtool convert`).
HVMTOOL_API std::string convert_xl_cfg_to_yaml(const std::filesystem::path& file);

// "128M", "2G", "4096K", "1048576" → bytes (binary units). Throws std::invalid_argument with a reason.
HVMTOOL_API std::uint64_t parse_size(std::string_view text);
// "30s", "500ms", "2m", "0" → milliseconds. Throws std::invalid_argument.
HVMTOOL_API std::chrono::milliseconds parse_duration(std::string_view text);
// The closest of `candidates` to `word` if it is close enough to be a likely typo.
HVMTOOL_API std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace hvmtool
