#include <boost/asio/io_context.hpp>
#include <boost/program_options.hpp>
#include <iomanip>
#include <iostream>
#include <optional>

#include "cli/commands.hpp"
#include "cli/parse_options.hpp"
#include "config/pipeline_config.hpp"
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

  static bool installed(const std::string& name) {
    return !PluginLoader(PluginLoader::default_search_path()).find(name).empty();
  }
  const std::string& name() const { return name_; }

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

void add_platform_option(po::options_description& options) {
  options.add_options()("platform", po::value<std::string>(), "platform plugin (default: every installed platform)");
}

std::optional<po::variables_map> parse(const std::vector<std::string>& args, po::options_description& options,
                                       const char* positional_name) {
  add_platform_option(options);
  po::positional_options_description positional;
  if (positional_name) positional.add(positional_name, 1);
  return parse_options(args, options, positional);
}

// The platform --platform names, or every installed candidate of the
// automatic choice: a domain `hvmtool run` started on whichever platform the
// host has is found without the user knowing which that was.
struct Platforms {
  std::vector<std::unique_ptr<PlatformHandle>> handles;
  bool explicit_choice = false;
};

Platforms open_platforms(const po::variables_map& vm) {
  Platforms p;
  if (vm.count("platform")) {
    p.explicit_choice = true;
    p.handles.push_back(std::make_unique<PlatformHandle>(vm["platform"].as<std::string>()));
    return p;
  }
  for (std::string_view name : kAutoPlatformCandidates) {
    if (!PlatformHandle::installed(std::string(name))) continue;
    try {
      p.handles.push_back(std::make_unique<PlatformHandle>(std::string(name)));
    } catch (const Error&) {
      // A platform that cannot even start here has no domains here either.
    }
  }
  return p;
}

struct Listed {
  PlatformHandle* platform;
  DomainSummary domain;
};

// Every domain of every platform in `p`. A platform chosen by default that
// cannot list here (xen outside a dom0) has no domains here; one named by
// --platform reports why.
std::vector<Listed> list_all(Platforms& p) {
  std::vector<Listed> out;
  for (auto& h : p.handles) {
    std::vector<DomainSummary> domains;
    try {
      domains = h->list_domains();
    } catch (const Error&) {
      if (p.explicit_choice) throw;
      continue;
    }
    for (auto& d : domains) out.push_back({h.get(), std::move(d)});
  }
  return out;
}

Listed find_domain(Platforms& p, const std::string& name_or_id) {
  std::vector<Listed> found;
  for (auto& l : list_all(p))
    if (l.domain.name == name_or_id || std::to_string(l.domain.id) == name_or_id) found.push_back(std::move(l));
  if (found.empty()) throw Error("no live domain named '" + name_or_id + "' (hvmtool list shows them)");
  if (found.size() > 1) {
    std::string where;
    for (const auto& l : found) where += (where.empty() ? "" : " and ") + l.platform->name();
    throw Error("'" + name_or_id + "' names a domain on " + where + ": give --platform");
  }
  return found.front();
}

}  // namespace

int command_list(const std::vector<std::string>& args) {
  po::options_description options("hvmtool list [--platform NAME]");
  const auto parsed = parse(args, options, nullptr);
  if (!parsed) return kExitOk;
  const po::variables_map& vm = *parsed;
  Platforms platforms = open_platforms(vm);
  const auto listed = list_all(platforms);
  std::cout << std::left << std::setw(24) << "Name" << std::right << std::setw(6) << "ID" << std::setw(10) << "Mem(MiB)"
            << std::setw(6) << "VCPUs"
            << "  " << std::left << std::setw(10) << "State" << std::setw(10) << "Platform"
            << "PID\n";
  for (const auto& [platform, d] : listed)
    std::cout << std::left << std::setw(24) << d.name << std::right << std::setw(6) << d.id << std::setw(10)
              << (d.memory >> 20) << std::setw(6) << d.vcpus << "  " << std::left << std::setw(10) << d.state
              << std::setw(10) << platform->name() << d.owner_pid << "\n";
  return kExitOk;
}

int command_destroy(const std::vector<std::string>& args) {
  po::options_description options("hvmtool destroy NAME|ID [--platform NAME]");
  options.add_options()("domain", po::value<std::string>(), "domain name or id");
  const auto parsed = parse(args, options, "domain");
  if (!parsed) return kExitOk;
  const po::variables_map& vm = *parsed;
  if (!vm.count("domain")) {
    std::cerr << "hvmtool: destroy needs a domain name or id\n";
    return kExitUsage;
  }
  Platforms platforms = open_platforms(vm);
  const std::string name_or_id = vm["domain"].as<std::string>();
  if (platforms.explicit_choice)
    platforms.handles.front()->destroy_domain(name_or_id);
  else
    find_domain(platforms, name_or_id).platform->destroy_domain(name_or_id);
  return kExitOk;
}

namespace {

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
  add_platform_option(options);
  po::positional_options_description positional;
  positional.add("action", 1).add("domain", 1).add("path", 1);
  const auto parsed = parse_options(args, options, positional);
  if (!parsed) return kExitOk;
  const po::variables_map& vm = *parsed;
  const std::string action = vm.count("action") ? vm["action"].as<std::string>() : "";
  if ((action != "ls" && action != "read") || !vm.count("domain")) {
    std::cerr << "hvmtool: usage: hvmtool store ls|read NAME|ID [PATH]\n";
    return kExitUsage;
  }
  Platforms platforms = open_platforms(vm);
  const auto [found_on, domain] = find_domain(platforms, vm["domain"].as<std::string>());
  PlatformHandle& handle = *found_on;
  handle.check_available();
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
