#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/fd_limit.hpp"
#include "hvmtool/version.hpp"
#include "plugin/plugin_boundary.hpp"

namespace {

constexpr const char* kUsage = R"(usage: hvmtool COMMAND [ARGS...]

Commands:
  run FILE...        create and run the domains the pipeline files describe
                     [--timings] [--json] [-c|--console] [-F|--foreground] [-v]
                     [--log-dir DIR] [--max-parallel N]
  validate FILE...   load and check pipeline files and their plugins; run nothing
  convert FILE.cfg   print the pipeline YAML for an xl.cfg file   [-o OUT]
  plugins            list the plugins on the search path
  list               list live domains of every platform   [--platform NAME]
  destroy NAME|ID    end a live domain            [--platform NAME]
  store ls|read NAME|ID [PATH]
                     show a live domain's store entries

Options:
  -h, --help         this text (`hvmtool COMMAND --help` for a command's options)
  --version          print the version

Exit status: 0 success (guest powered off), 1 usage/config/plugin error,
2 a stage failed or timed out, 3 guest crashed, 4 guest rebooted or restart
loop stopped, 130 cancelled by SIGINT/SIGTERM.
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return hvmtool::cli::kExitUsage;
  }
  hvmtool::cli::raise_fd_limit();
  const std::string command = args.front();
  std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    if (command == "-h" || command == "--help" || command == "help") {
      std::cout << kUsage;
      return hvmtool::cli::kExitOk;
    }
    if (command == "--version" || command == "version") {
      std::cout << "hvmtool " << hvmtool::kVersionString << " (plugin API " << hvmtool::kApiVersion << ")\n";
      return hvmtool::cli::kExitOk;
    }
    if (command == "run") return hvmtool::cli::command_run(rest);
    if (command == "validate") return hvmtool::cli::command_validate(rest);
    if (command == "convert") return hvmtool::cli::command_convert(rest);
    if (command == "plugins") return hvmtool::cli::command_plugins(rest);
    if (command == "list") return hvmtool::cli::command_list(rest);
    if (command == "destroy") return hvmtool::cli::command_destroy(rest);
    if (command == "store") return hvmtool::cli::command_store(rest);
  } catch (...) {
    // Plugin errors arrive here framework-owned (plugin/plugin_boundary.hpp).
    std::cerr << "hvmtool: " << hvmtool::copy_current_exception().message << "\n";
    return hvmtool::cli::kExitUsage;
  }
  std::cerr << "hvmtool: unknown command '" << command << "' (try hvmtool --help)\n";
  return hvmtool::cli::kExitUsage;
}
