#include <boost/asio/io_context.hpp>
#include <boost/program_options.hpp>
#include <iomanip>
#include <iostream>
#include <optional>

#include "cli/commands.hpp"
#include "hvmtool/error.hpp"
#include "log/stream_logger.hpp"
#include "plugin/plugin_boundary.hpp"
#include "plugin/plugin_loader.hpp"

namespace po = boost::program_options;

namespace hvmtool::cli {

namespace {

// The platform plugin of a command that has no pipeline file. Every call
// into it goes through the plugin boundary, and the loader, which holds the
// library, is declared first so that it goes last: after the io_context and
// anything the platform left queued in it.
class PlatformHandle {
 public:
  explicit PlatformHandle(std::string name) : name_(std::move(name)) {
    PlatformContext ctx{io_, log_, params_};
    platform_ = loader_.create_platform(name_, ctx);
  }

  void check_available() {
    call_plugin(name_, "check_available", [&] { platform_->check_available(); });
  }
  std::vector<DomainSummary> list_domains() {
    return call_plugin(name_, "list_domains", [&] { return platform_->list_domains(); });
  }
  void destroy_domain(const std::string& name_or_id) {
    call_plugin(name_, "destroy_domain", [&] { platform_->destroy_domain(name_or_id); });
  }
  std::optional<std::string> store_read(const std::string& path) {
    return call_plugin(name_, "store read", [&] { return platform_->store().read(path); });
  }
  std::vector<std::string> store_list(const std::string& path) {
    return call_plugin(name_, "store list", [&] { return platform_->store().list(path); });
  }

 private:
  std::string name_;
  PluginLoader loader_{PluginLoader::default_search_path()};
  StreamLogger log_{std::cerr, LogLevel::warn};
  PluginParams params_;
  boost::asio::io_context io_;
  std::shared_ptr<Platform> platform_;
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
  const auto domains = handle.list_domains();
  std::cout << std::left << std::setw(24) << "Name" << std::right << std::setw(6) << "ID" << std::setw(10) << "Mem(MiB)"
            << std::setw(6) << "VCPUs"
            << "  " << std::left << std::setw(10) << "State"
            << "PID\n";
  for (const auto& d : domains)
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
  handle.destroy_domain(vm["domain"].as<std::string>());
  return kExitOk;
}

namespace {

DomainSummary find_domain(PlatformHandle& platform, const std::string& name_or_id) {
  for (const auto& d : platform.list_domains())
    if (d.name == name_or_id || std::to_string(d.id) == name_or_id) return d;
  throw Error("no live domain named '" + name_or_id + "' (hvmtool list shows them)");
}

// Like xenstore-ls: `name = "value"`, children indented by one space.
void print_tree(PlatformHandle& platform, const std::string& path, int depth) {
  for (const auto& child : platform.store_list(path)) {
    const std::string child_path = path == "/" ? "/" + child : path + "/" + child;
    std::cout << std::string(static_cast<std::size_t>(depth), ' ') << child << " = \""
              << platform.store_read(child_path).value_or("") << "\"\n";
    print_tree(platform, child_path, depth + 1);
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
  handle.check_available();
  const DomainSummary domain = find_domain(handle, vm["domain"].as<std::string>());
  std::string path = "/local/domain/" + std::to_string(domain.id);
  if (vm.count("path")) {
    const std::string given = vm["path"].as<std::string>();
    path = given.starts_with("/") ? given : path + "/" + given;
  }
  if (action == "read") {
    auto value = handle.store_read(path);
    if (!value) throw Error(path + ": no such store path");
    std::cout << *value << "\n";
    return kExitOk;
  }
  print_tree(handle, path, 0);
  return kExitOk;
}

}  // namespace hvmtool::cli
