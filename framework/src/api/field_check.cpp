// The plugin-facing half of the loader's error wording (field_check.hpp):
// the same helpers the loader uses, so messages match to the character.

#include "hvmtool/field_check.hpp"

#include "config/config_error.hpp"
#include "config/pipeline_config.hpp"

namespace hvmtool {

void fail_field(const SourceLocation& where, std::string_view field, std::string_view reason) {
  config::throw_field_error(where, field, reason);
}

std::string expected_one_of(std::string_view what, std::string_view value, const std::vector<std::string>& names) {
  std::string message = "expected " + std::string(what) + ", got " + config::quote(value);
  std::string hint = closest_match(value, names);
  if (!hint.empty()) message += " (did you mean '" + hint + "'?)";
  return message;
}

}  // namespace hvmtool
