#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace hvmtool::cli {

// A command's arguments parsed against `options` (which gets --help/-h), or
// nullopt once --help has printed them: the command then returns kExitOk.
std::optional<boost::program_options::variables_map> parse_options(
    const std::vector<std::string>& args, boost::program_options::options_description& options,
    const boost::program_options::positional_options_description& positional);

}  // namespace hvmtool::cli
