// xl.cfg files as pipelines: libxlutil reads them (xl_library), the
// translation maps them to a `domain:` section (xl_translate), and the
// pipeline loader's own domain parser checks that section like any YAML.

#include <algorithm>
#include <cctype>

#include "config/config_error.hpp"
#include "config/pipeline_config.hpp"
#include "config/read_text.hpp"
#include "config/sections.hpp"
#include "config/xl_library.hpp"
#include "config/xl_translate.hpp"
#include "hvmtool/error.hpp"

namespace hvmtool {
namespace {

namespace fs = std::filesystem;

// The first statement of an xl.cfg file is `key = value`; YAML's is `key:`.
bool looks_like_xl(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i < text.size() && text[i] == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    break;
  }
  std::size_t j = i;
  while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_' || text[j] == '.'))
    ++j;
  if (j == i) return false;
  while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
  return j < text.size() && (text[j] == '=' || (text[j] == '+' && j + 1 < text.size() && text[j + 1] == '='));
}

struct XlPipeline {
  PipelineConfig config;
  config::XlTranslation translation;
};

XlPipeline load_xl(const fs::path& file, const std::string& text) {
  const std::string name = file.string();
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  XlPipeline out;
  out.translation = config::translate_xl(config::read_xl_file(name, text), name, cwd);
  const config::XlTranslation& tr = out.translation;

  config::FileContext ctx{name, cwd, tr.source_lines};
  YAML::Node root;
  try {
    root = YAML::Load(tr.domain_yaml);  // our own text, but the values are the file's bytes
  } catch (const YAML::Exception& e) {
    throw ConfigError(name + ": a value hvmtool cannot carry over (" + config::one_line(e.msg) + ")");
  }
  PipelineConfig& cfg = out.config;
  cfg.file = file;
  cfg.domain = config::parse_domain(config::Section(ctx, "", root, SourceLocation{name, 0, 0}), 1);
  if (cfg.domain.type != DomainType::hvm && cfg.domain.kernel.empty() && tr.bootloader.empty())
    throw ConfigError(name + ": neither kernel nor bootloader is set (a " + std::string(to_string(cfg.domain.type)) +
                      " guest needs one, as in xl)");
  for (StageSlot slot : kStageOrder) cfg.stages[index_of(slot)] = {default_stage_plugin(slot, cfg.domain.type), {}};
  if (!tr.bootloader.empty())
    cfg.stages[index_of(StageSlot::bootloader)] = {tr.bootloader,
                                                   SourceLocation{name, static_cast<int>(tr.bootloader_line), 0}};
  cfg.warnings = tr.warnings;
  return out;
}

std::string indent(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += "  " + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

}  // namespace

bool is_xl_cfg_file(const fs::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".yaml" || ext == ".yml") return false;
  if (ext == ".cfg" || ext == ".xl" || ext == ".conf") return true;
  try {
    return looks_like_xl(config::read_text_file(file));
  } catch (const ConfigError&) {
    return false;  // the YAML loader reports the unreadable file
  }
}

PipelineConfig load_xl_cfg_file(const fs::path& file) { return load_xl(file, config::read_text_file(file)).config; }

PipelineConfig load_config_file(const fs::path& file) {
  return is_xl_cfg_file(file) ? load_xl_cfg_file(file) : load_pipeline_file(file);
}

std::string convert_xl_cfg_to_yaml(const fs::path& file) {
  XlPipeline p = load_xl(file, config::read_text_file(file));
  std::string out =
      "# A pipeline for " + file.filename().string() + ", made by `hvmtool convert` from that xl.cfg file.\n";
  out += "# Paths are absolute: xl opens relative ones from its working directory.\n";
  for (const std::string& w : p.translation.warnings) out += "# not converted: " + config::one_line(w) + "\n";
  out += "\n";
  if (!p.translation.bootloader.empty()) out += "stages:\n  bootloader: " + p.translation.bootloader + "\n\n";
  out += "domain:\n" + indent(p.translation.domain_yaml);
  return out;
}

}  // namespace hvmtool
