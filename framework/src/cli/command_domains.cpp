#include <boost/asio/io_context.hpp>
#include <boost/program_options.hpp>
#include <iomanip>
#include <iostream>

#include "cli/commands.hpp"
#include "hvmtool/error.hpp"
#include "log/stream_logger.hpp"
#include "plugin/plugin_loader.hpp"

namespace po = boost::program_options;

namespace hvmtool::cli {

namespace {

struct PlatformHandle {
  boost::asio::io_context io;
  StreamLogger log{std::cerr, LogLevel::warn};
  PluginParams params;
  PluginLoader loader{PluginLoader::default_search_path()};
  std::shared_ptr<Platform> platform;

  explicit PlatformHandle(const std::string& name) {
    PlatformContext ctx{io, log, params};
    platform = loader.create_platform(name, ctx);
  }
};

po::variables_map parse(const std::vector<std::string>& args, po::options_description& options,
                        const char* positional_name) {
  options.add_options()("help,h", "this text")("platform", po::value<std::string>()->default_value("kvm"),
                                               "platform plugin");
  po::positional_options_description positional;
  if (positional_name) positional.add(positional_name, 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
  po::notify(vm);
  return vm;
}

}  // namespace

int command_list(const std::vector<std::string>& args) {
  po::options_description options("hvmtool list [--platform NAME]");
  auto vm = parse(args, options, nullptr);
  if (vm.count("help")) {
    std::cout << options;
    return kExitOk;
  }
  PlatformHandle handle(vm["platform"].as<std::string>());
  std::cout << std::left << std::setw(24) << "Name" << std::right << std::setw(6) << "ID" << std::setw(10) << "Mem(MiB)"
            << std::setw(6) << "VCPUs"
            << "  " << std::left << std::setw(10) << "State"
            << "PID\n";
  for (const auto& d : handle.platform->list_domains())
    std::cout << std::left << std::setw(24) << d.name << std::right << std::setw(6) << d.id << std::setw(10)
              << (d.memory >> 20) << std::setw(6) << d.vcpus << "  " << std::left << std::setw(10) << d.state
              << d.owner_pid << "\n";
  return kExitOk;
}

int command_destroy(const std::vector<std::string>& args) {
  po::options_description options("hvmtool destroy NAME|ID [--platform NAME]");
  options.add_options()("domain", po::value<std::string>(), "domain name or id");
  auto vm = parse(args, options, "domain");
  if (vm.count("help")) {
    std::cout << options;
    return kExitOk;
  }
  if (!vm.count("domain")) {
    std::cerr << "hvmtool: destroy needs a domain name or id\n";
    return kExitUsage;
  }
  PlatformHandle handle(vm["platform"].as<std::string>());
  handle.platform->destroy_domain(vm["domain"].as<std::string>());
  return kExitOk;
}

namespace {

DomainSummary find_domain(Platform& platform, const std::string& name_or_id) {
  for (const auto& d : platform.list_domains())
    if (d.name == name_or_id || std::to_string(d.id) == name_or_id) return d;
  throw Error("no live domain named '" + name_or_id + "' (hvmtool list shows them)");
}

// Like xenstore-ls: `name = "value"`, children indented by one space.
void print_tree(Store& store, const std::string& path, int depth) {
  for (const auto& child : store.list(path)) {
    const std::string child_path = path == "/" ? "/" + child : path + "/" + child;
    std::cout << std::string(static_cast<std::size_t>(depth), ' ') << child << " = \""
              << store.read(child_path).value_or("") << "\"\n";
    print_tree(store, child_path, depth + 1);
  }
}

}  // namespace

int command_store(const std::vector<std::string>& args) {
  po::options_description options("hvmtool store ls|read NAME|ID [PATH] [--platform NAME]");
  options.add_options()("action", po::value<std::string>(), "ls or read")(
      "domain", po::value<std::string>(), "domain name or id")("path", po::value<std::string>(),
                                                               "path, relative to /local/domain/ID unless absolute");
  options.add_options()("help,h", "this text")("platform", po::value<std::string>()->default_value("kvm"),
                                               "platform plugin");
  po::positional_options_description positional;
  positional.add("action", 1).add("domain", 1).add("path", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << options;
    return kExitOk;
  }
  const std::string action = vm.count("action") ? vm["action"].as<std::string>() : "";
  if ((action != "ls" && action != "read") || !vm.count("domain")) {
    std::cerr << "hvmtool: usage: hvmtool store ls|read NAME|ID [PATH]\n";
    return kExitUsage;
  }
  PlatformHandle handle(vm["platform"].as<std::string>());
  handle.platform->check_available();
  const DomainSummary domain = find_domain(*handle.platform, vm["domain"].as<std::string>());
  std::string path = "/local/domain/" + std::to_string(domain.id);
  if (vm.count("path")) {
    const std::string given = vm["path"].as<std::string>();
    path = given.starts_with("/") ? given : path + "/" + given;
  }
  Store& store = handle.platform->store();
  if (action == "read") {
    auto value = store.read(path);
    if (!value) throw Error(path + ": no such store path");
    std::cout << *value << "\n";
    return kExitOk;
  }
  print_tree(store, path, 0);
  return kExitOk;
}

}  // namespace hvmtool::cli
