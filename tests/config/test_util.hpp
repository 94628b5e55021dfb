#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "config/pipeline_config.hpp"
#include "hvmtool/error.hpp"

namespace hvmtool {

// So that BOOST_TEST can print the enums when a comparison fails.
inline std::ostream& operator<<(std::ostream& os, DomainType t) { return os << to_string(t); }
inline std::ostream& operator<<(std::ostream& os, ShutdownAction a) { return os << to_string(a); }

}  // namespace hvmtool

namespace hvmtool::test {

// The ConfigError message loading `yaml` produces, or "(no error)".
inline std::string load_error(std::string_view yaml, const std::string& file = "t.yaml") {
  try {
    load_pipeline_text(yaml, file);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

inline std::string file_error(const std::string& path) {
  try {
    load_pipeline_file(path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace hvmtool::test
