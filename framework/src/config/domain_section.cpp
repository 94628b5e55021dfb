#include <set>
#include <string>

#include "config/config_error.hpp"
#include "config/pipeline_config.hpp"
#include "config/sections.hpp"
#include "config/suggest.hpp"
#include "config/value_parse.hpp"
#include "hvmtool/stage_slot.hpp"

namespace hvmtool::config {
namespace {

constexpr std::uint64_t kMiB = 1ull << 20;
constexpr std::uint64_t kGiB = 1ull << 30;
constexpr std::uint64_t kTiB = 1ull << 40;
constexpr unsigned kMaxVcpus = 128;
constexpr std::size_t kMaxNameLength = 64;

const std::vector<std::string> kDomainKeys = {
    "name",        "type",      "memory",   "maxmem",    "vcpus",         "maxvcpus",        "firmware",
    "bios",        "kernel",    "ramdisk",  "cmdline",   "disks",         "bootloader_args", "logfile",
    "on_poweroff", "on_reboot", "on_crash", "mmio_hole", "restart_limit", "restart_window",  "timeouts"};

// Words people bring from xl.cfg or other tools, too far from hvmtool's
// key for the edit-distance hint to find.
const std::map<std::string, std::string> kDomainAliases = {{"extra", "cmdline"},
                                                           {"append", "cmdline"},
                                                           {"root", "cmdline"},
                                                           {"builder", "type"},
                                                           {"initrd", "ramdisk"},
                                                           {"console", "logfile"},
                                                           {"bootloader", "stages.bootloader"},
                                                           {"disk", "disks"},
                                                           {"memory_max", "maxmem"}};

std::vector<std::string> stage_names() {
  std::vector<std::string> out;
  for (StageSlot s : kStageOrder) out.emplace_back(to_string(s));
  return out;
}

bool valid_name(std::string_view n) {
  if (n.empty() || n.size() > kMaxNameLength || n == "." || n == "..") return false;
  bool all_digits = true;
  for (char c : n) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
    if (c < '0' || c > '9') all_digits = false;
  }
  // An all-digit name would be mistaken for a domain id by every tool that
  // accepts "name or id".
  return !all_digits;
}

// A firmware plugin's name for an image, or a path (a '/' in it says so),
// resolved against the file's folder. Which names exist is the firmware
// plugin's business: it checks them when the file is loaded.
std::string firmware_choice(const Field& f) {
  constexpr std::string_view what = "a firmware name or a path (containing '/')";
  std::string text = f.scalar(what);
  if (text.empty()) f.fail_expected(what);
  if (text.find('/') != std::string::npos) return resolve_path(f.context(), text).string();
  return text;
}

ShutdownAction shutdown_action(const Field& f) {
  std::string a = f.as_choice({"destroy", "restart", "preserve"});
  if (a == "restart") return ShutdownAction::restart;
  if (a == "preserve") return ShutdownAction::preserve;
  return ShutdownAction::destroy;
}

void hvm_only(const Field& f, DomainType type) {
  if (type != DomainType::hvm)
    f.fail("only allowed when type is hvm (this domain is " + std::string(to_string(type)) + ")");
}

}  // namespace

DomainConfig parse_domain(const Section& s, unsigned count) {
  s.check_keys(kDomainKeys, kDomainAliases);
  DomainConfig d;
  d.where = s.where();

  Field name = s.require("name");
  d.name = name.scalar("a domain name");
  constexpr std::string_view name_what = "a domain name (1 to 64 of A-Z a-z 0-9 _ . -, not all digits)";
  if (!valid_name(d.name)) name.fail_expected(name_what);
  if (count > 1) {
    std::string last = d.name + "-" + std::to_string(count - 1);
    if (last.size() > kMaxNameLength)
      name.fail(quote(last) + " would be longer than 64 characters (count is " + std::to_string(count) + ")");
  }

  if (auto f = s.get("type")) {
    std::string t = f->as_choice({"hvm", "pv", "pvh"});
    d.type = t == "pv" ? DomainType::pv : t == "pvh" ? DomainType::pvh : DomainType::hvm;
  }

  // xl.cfg reads a bare number as MiB; so does hvmtool, for files copied over.
  if (auto f = s.get("memory")) d.memory = f->as_size(2 * kMiB, kTiB, 20);
  if (auto f = s.get("maxmem")) {
    d.maxmem = f->as_size(2 * kMiB, kTiB, 20);
    if (d.maxmem < d.memory) f->fail_expected("a size of at least memory (" + format_size(d.memory) + ")");
  }
  if (auto f = s.get("vcpus")) d.vcpus = static_cast<unsigned>(f->as_uint(1, kMaxVcpus));
  if (auto f = s.get("maxvcpus")) {
    d.maxvcpus = static_cast<unsigned>(f->as_uint(1, kMaxVcpus));
    if (d.maxvcpus < d.vcpus)
      f->fail_expected("a whole number from vcpus (" + std::to_string(d.vcpus) + ") to " + std::to_string(kMaxVcpus));
  }

  if (auto f = s.get("firmware")) {
    hvm_only(*f, d.type);
    d.firmware = firmware_choice(*f);
    d.firmware_where = f->where();
  }
  if (auto f = s.get("bios")) {
    hvm_only(*f, d.type);
    d.bios = firmware_choice(*f);
    d.bios_where = f->where();
  }

  if (auto f = s.get("kernel")) d.kernel = f->as_path();
  if (auto f = s.get("ramdisk")) d.ramdisk = f->as_path();
  if (auto f = s.get("cmdline")) d.cmdline = f->as_string();
  if (auto f = s.get("logfile")) d.logfile = f->as_path();

  if (auto f = s.get("disks")) {
    std::vector<Field> entries = f->as_list("a list of disk specs");
    std::map<std::string, std::string> vdev_owner;
    for (const Field& e : entries) {
      DiskConfig disk = parse_disk(e);
      if (!disk.vdev.empty()) {
        auto [owner, fresh] = vdev_owner.emplace(disk.vdev, e.path());
        if (!fresh)
          throw_field_error(e.where(), e.path() + ".vdev", quote(disk.vdev) + " is already used by " + owner->second);
      }
      // N copies of one domain writing to one image would corrupt it.
      if (count > 1 && !disk.readonly)
        e.fail("a writable disk cannot be shared by the " + std::to_string(count) +
               " domains that count creates (add access=ro)");
      d.disks.push_back(std::move(disk));
    }
    // xl insists on a vdev; hvmtool gives unnamed disks the first free
    // xvda, xvdb, ... so that a bare path is enough.
    std::size_t next = 0;
    for (DiskConfig& disk : d.disks) {
      while (disk.vdev.empty()) {
        std::string vdev = "xvd";
        if (next >= 26) vdev += static_cast<char>('a' + next / 26 - 1);
        vdev += static_cast<char>('a' + next % 26);
        ++next;
        if (!vdev_owner.count(vdev)) disk.vdev = vdev;
      }
    }
  }
  if (auto f = s.get("bootloader_args")) d.bootloader_args = f->as_string_list();

  if (auto f = s.get("on_poweroff")) d.on_poweroff = shutdown_action(*f);
  if (auto f = s.get("on_reboot")) d.on_reboot = shutdown_action(*f);
  if (auto f = s.get("on_crash")) d.on_crash = shutdown_action(*f);

  if (auto f = s.get("mmio_hole")) {
    hvm_only(*f, d.type);
    d.mmio_hole = f->as_size(256 * kMiB, 3 * kGiB, 20);
    if (d.mmio_hole % kMiB) f->fail_expected("a multiple of 1M");
  }
  if (auto f = s.get("restart_limit")) d.restart_limit = static_cast<unsigned>(f->as_uint(0, 1000));
  if (auto f = s.get("restart_window")) {
    std::chrono::milliseconds w = f->as_duration();
    if (w < std::chrono::seconds(1) || w > std::chrono::hours(24) || w.count() % 1000)
      f->fail_expected("a duration in whole seconds from 1s to 24h");
    d.restart_window = std::chrono::duration_cast<std::chrono::seconds>(w);
  }

  if (auto f = s.get("timeouts")) {
    Section t = f->as_section("a map of stage: duration");
    t.check_keys(stage_names());
    for (StageSlot slot : kStageOrder)
      if (auto v = t.get(to_string(slot))) d.timeouts[index_of(slot)] = v->as_duration();
  }
  return d;
}

}  // namespace hvmtool::config
