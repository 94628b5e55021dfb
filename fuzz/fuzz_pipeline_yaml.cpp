// The YAML pipeline loader (framework/src/config) on arbitrary text: a
// PipelineConfig or one ConfigError line, nothing else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/pipeline_config.hpp"
#include "fuzz_check.hpp"
#include "hvmtool/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  try {
    const hvmtool::PipelineConfig cfg = hvmtool::load_pipeline_text(yaml, "/fuzz/pipeline.yaml");
    (void)cfg.domains();
  } catch (const hvmtool::Error& e) {
    hvmtool::fuzz::check_message(e, hvmtool::fuzz::Text::config);
  }
  return 0;
}
