#include "cli/load_files.hpp"

#include <iostream>

#include "config/pipeline_config.hpp"

namespace hvmtool::cli {

bool load_pipeline_files(Session& session, const std::vector<std::string>& files, bool report_ok) {
  bool ok = true;
  for (const auto& file : files) {
    try {
      PipelineConfig config = load_config_file(file);
      for (const std::string& w : config.warnings) std::cerr << "hvmtool: warning: " << w << "\n";
      const std::size_t before = session.domain_count();
      const bool automatic = config.platform.plugin == kAutoPlatform;
      std::string stages;
      for (StageSlot slot : kStageOrder)
        stages += ", " + std::string(to_string(slot)) + "=" + config.stage(slot).plugin;
      const std::string platform = session.prepare(std::move(config));
      const std::string summary = "platform " + platform + (automatic ? " (auto)" : "") + stages;
      if (report_ok)
        std::cout << file << ": ok (" << (session.domain_count() - before) << " domain(s); " << summary << ")\n";
    } catch (const std::exception& e) {
      std::cerr << "hvmtool: " << e.what() << "\n";
      ok = false;
    }
  }
  return ok;
}

}  // namespace hvmtool::cli
