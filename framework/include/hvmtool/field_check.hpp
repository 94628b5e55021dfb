#pragma once

// For plugins that check, when a pipeline file is loaded, the domain fields
// whose words they own (a firmware name, a disk format: Stage::check_domain,
// FirmwareProvider::resolve). The errors are worded as the loader's own, so a
// user cannot tell, and need not know, which of them refused a value:
//   FILE:LINE:COL: field 'domain.bios': expected seabios, ovmf or a path (containing '/'), got "seabio" (did you mean
//   'seabios'?)

#include <string>
#include <string_view>
#include <vector>

#include "hvmtool/params.hpp"

#include "hvmtool/export.hpp"

namespace hvmtool {

// Throws ConfigError "FILE:LINE:COL: field 'FIELD': REASON".
[[noreturn]] HVMTOOL_API void fail_field(const SourceLocation& where, std::string_view field, std::string_view reason);

// `expected WHAT, got "VALUE"`, followed by ` (did you mean 'NAME'?)` when
// one of `names` is a slip of the fingers away from `value`.
HVMTOOL_API std::string expected_one_of(std::string_view what, std::string_view value,
                                        const std::vector<std::string>& names);

}  // namespace hvmtool
