#pragma once

#include <string>
#include <vector>

namespace hvmtool::cli {

// Exit statuses shared by every command (README: "Exit status").
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;  // bad arguments, config or plugin: nothing ran

int command_run(const std::vector<std::string>& args);
int command_validate(const std::vector<std::string>& args);
int command_convert(const std::vector<std::string>& args);
int command_plugins(const std::vector<std::string>& args);
int command_list(const std::vector<std::string>& args);
int command_destroy(const std::vector<std::string>& args);
int command_store(const std::vector<std::string>& args);

}  // namespace hvmtool::cli
