#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "config/config_error.hpp"
#include "config/pipeline_config.hpp"
#include "config/read_text.hpp"
#include "config/sections.hpp"
#include "config/suggest.hpp"
#include "hvmtool/error.hpp"

#include <yaml-cpp/eventhandler.h>

namespace hvmtool {
namespace {

using config::Field;
using config::FileContext;
using config::Section;

const std::vector<std::string> kTopKeys = {"platform", "count", "plugins", "stages", "params", "domain"};
const std::map<std::string, std::string> kTopAliases = {
    {"parameters", "params"}, {"pipeline", "stages"}, {"name", "domain.name"}, {"memory", "domain.memory"}};

std::vector<std::string> stage_names() {
  std::vector<std::string> out;
  for (StageSlot s : kStageOrder) out.emplace_back(to_string(s));
  return out;
}

PluginChoice plugin_choice(const Field& f) { return {f.as_plugin_name(), f.where()}; }

void parse_plugins(const Section& s, PipelineConfig& cfg) {
  s.check_keys({"search_path", "firmware"});
  if (auto f = s.get("search_path"))
    for (const Field& dir : f->as_list("a list of folders")) cfg.search_path.push_back(dir.as_path());
  if (auto f = s.get("firmware")) cfg.firmware = plugin_choice(*f);
}

void parse_stages(const Section& s, PipelineConfig& cfg) {
  s.check_keys(stage_names());
  for (StageSlot slot : kStageOrder)
    if (auto f = s.get(to_string(slot))) cfg.stages[index_of(slot)] = plugin_choice(*f);
}

bool is_plugin_name(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

void parse_params(const Section& s, PipelineConfig& cfg) {
  // Parameters for a plugin nothing uses are almost always a misspelt
  // plugin name, and would otherwise be ignored without a word.
  std::vector<std::string> used = {cfg.firmware.plugin};
  // With `platform: auto` any candidate may serve the file, so each may be configured.
  if (cfg.platform.plugin == kAutoPlatform)
    used.insert(used.end(), kAutoPlatformCandidates.begin(), kAutoPlatformCandidates.end());
  else
    used.push_back(cfg.platform.plugin);
  for (const PluginChoice& c : cfg.stages) used.push_back(c.plugin);
  std::set<std::string> used_set(used.begin(), used.end());
  std::vector<std::string> used_unique(used_set.begin(), used_set.end());

  for (const Section::Entry& e : s.entries()) {
    if (!is_plugin_name(e.key))
      config::throw_field_error(
          e.key_where, e.value.path(),
          "expected a plugin name (lower-case letters, digits, '_' and '-'), got " + config::quote(e.key));
    if (!used_set.count(e.key)) {
      std::string hint = closest_match(e.key, used_unique);
      config::throw_field_error(e.key_where, e.value.path(),
                                "no stage, platform or firmware uses plugin '" + e.key + "'" +
                                    (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
    Section values = e.value.as_section("a map of parameter: value");
    std::map<std::string, ParamValue> params;
    for (const Section::Entry& v : values.entries()) {
      std::string text = v.value.scalar("a single value (string, number or true/false)");
      params.emplace(v.key, ParamValue{std::move(text), v.value.where()});
    }
    cfg.params.emplace(e.key, PluginParams(e.key, std::move(params), values.where()));
  }
}

PipelineConfig parse_top(const Section& top) {
  PipelineConfig cfg;
  top.check_keys(kTopKeys, kTopAliases);
  if (auto f = top.get("platform")) cfg.platform = plugin_choice(*f);
  if (auto f = top.get("count")) cfg.count = static_cast<unsigned>(f->as_uint(1, kMaxDomainCount));
  if (auto f = top.get("plugins")) parse_plugins(f->as_section(), cfg);
  if (auto f = top.get("stages")) parse_stages(f->as_section("a map of stage: plugin"), cfg);
  const Section domain = top.require("domain").as_section();
  if (auto xl = domain.get("xl_cfg")) {
    // The domain comes from an xl.cfg file; this file chooses the stages.
    domain.check_keys({"xl_cfg"});
    if (cfg.count > 1) xl->fail("count is not supported with an xl.cfg domain (its disks and name are one guest's)");
    PipelineConfig from_xl = load_xl_cfg_file(xl->as_path());
    cfg.domain = std::move(from_xl.domain);
    cfg.warnings = std::move(from_xl.warnings);
    if (cfg.stages[index_of(StageSlot::bootloader)].plugin.empty())
      cfg.stages[index_of(StageSlot::bootloader)] = from_xl.stage(StageSlot::bootloader);
  } else {
    cfg.domain = config::parse_domain(domain, cfg.count);
  }
  for (StageSlot slot : kStageOrder)
    if (cfg.stages[index_of(slot)].plugin.empty())
      cfg.stages[index_of(slot)] = {default_stage_plugin(slot, cfg.domain.type), {}};
  if (auto f = top.get("params")) parse_params(f->as_section("a map of plugin: parameters"), cfg);
  return cfg;
}

std::filesystem::path base_dir_of(const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::path abs = file.empty() ? std::filesystem::current_path(ec) : std::filesystem::absolute(file, ec);
  if (ec) return file.parent_path();
  return file.empty() ? abs : abs.parent_path();
}

// Where the second document's first node is, if the text has a second
// document. Not YAML::LoadAll: on some inputs (yaml-cpp 0.7, a stray ',' at
// the top level) it builds empty documents forever; this reads at most two
// and builds nothing.
class SecondDocument final : public YAML::EventHandler {
 public:
  static std::optional<YAML::Mark> find(const std::string& text) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    SecondDocument h;
    while (h.docs_ < 2 && parser.HandleNextDocument(h)) {
    }
    return h.mark_;
  }

 private:
  void OnDocumentStart(const YAML::Mark&) override { ++docs_; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override { node(m); }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnMapEnd() override {}
  void node(const YAML::Mark& m) {
    if (docs_ == 2 && !mark_) mark_ = m;
  }

  int docs_ = 0;
  std::optional<YAML::Mark> mark_;
};

}  // namespace

PipelineConfig load_pipeline_text(std::string_view yaml, const std::filesystem::path& file_name) {
  FileContext ctx{file_name.string(), base_dir_of(file_name), {}};
  SourceLocation start{ctx.file, 1, 1};

  YAML::Node root;
  std::optional<YAML::Mark> second;
  try {
    const std::string text(yaml);
    second = SecondDocument::find(text);
    if (!second) root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    config::throw_file_error(config::location_of(ctx, e.mark), "invalid YAML: " + config::one_line(e.msg));
  }
  if (second)
    config::throw_file_error(config::location_of(ctx, *second), "a second YAML document; a pipeline file holds one");
  if (root.IsNull()) config::throw_file_error(start, "the file is empty; expected a map with a 'domain' section");
  if (!root.IsMap())
    config::throw_file_error(
        config::location_of(ctx, root.Mark()),
        "expected a map at the top level, got " + std::string(root.IsSequence() ? "a list" : "a single value"));

  PipelineConfig cfg = parse_top(Section(ctx, "", root, config::location_of(ctx, root.Mark())));
  cfg.file = file_name;
  return cfg;
}

PipelineConfig load_pipeline_file(const std::filesystem::path& file) {
  return load_pipeline_text(config::read_text_file(file), file);
}

}  // namespace hvmtool
