#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "config/config_error.hpp"
#include "config/sections.hpp"
#include "config/suggest.hpp"

namespace hvmtool::config {
namespace {

constexpr std::string_view kDiskExpectation =
    "a disk spec like \"format=raw, vdev=xvda, access=rw, target=disk.img\" or a path";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool valid_vdev(std::string_view v) {
  if (v.empty() || v.size() > 16 || v.front() < 'a' || v.front() > 'z') return false;
  for (char c : v)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

bool valid_format_name(std::string_view f) {
  if (f.empty() || f.size() > 16) return false;
  for (char c : f)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

}  // namespace

std::filesystem::path resolve_path(const FileContext& ctx, const std::filesystem::path& p) {
  return (p.is_relative() ? ctx.base_dir / p : p).lexically_normal();
}

DiskConfig parse_disk(const Field& entry) {
  std::string text = entry.scalar(kDiskExpectation);
  if (trim(text).empty()) entry.fail_expected(kDiskExpectation);
  DiskConfig disk;
  disk.where = entry.where();
  auto fail = [&](std::string_view key, const std::string& reason) {
    throw_field_error(entry.where(), entry.path() + "." + std::string(key), reason);
  };

  if (text.find('=') == std::string::npos) {
    disk.target = resolve_path(entry.context(), std::string(trim(text)));
    return disk;
  }

  // xl's rule: target= comes last and takes the rest of the string, so a
  // path may contain commas and '='.
  static const std::vector<std::string> kKeys = {"format", "vdev", "access", "target"};
  std::map<std::string, std::string> seen;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      if (item.empty()) {
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        continue;
      }
      entry.fail("expected KEY=VALUE items (format, vdev, access, target), got " + quote(item));
    }
    std::string key(trim(item.substr(0, eq)));
    if (key == "target") {
      std::size_t start = rest.find('=') + 1;
      seen[key] = std::string(trim(rest.substr(start)));
      break;
    }
    std::string value(trim(item.substr(eq + 1)));
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) fail(key, unknown_key_reason(key, kKeys));
    if (!seen.emplace(key, value).second) fail(key, "given twice");
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }

  auto target = seen.find("target");
  if (target == seen.end()) fail("target", "required in '" + entry.path() + "' but missing");
  if (target->second.empty()) fail("target", "expected a path, got \"\"");
  disk.target = resolve_path(entry.context(), target->second);

  if (auto f = seen.find("format"); f != seen.end()) {
    // Which formats exist is for the stages that read the disk to say
    // (Stage::check_domain, when the file is loaded); here only its shape.
    if (!valid_format_name(f->second))
      fail("format", "expected a disk format name (lower-case letters and digits, like raw), got " + quote(f->second));
    disk.format = f->second;
  }
  if (auto v = seen.find("vdev"); v != seen.end()) {
    if (!valid_vdev(v->second)) fail("vdev", "expected a device name like xvda, hda or sda, got " + quote(v->second));
    disk.vdev = v->second;
  }
  if (auto a = seen.find("access"); a != seen.end()) {
    if (a->second == "ro" || a->second == "r")
      disk.readonly = true;
    else if (a->second == "rw" || a->second == "w")
      disk.readonly = false;
    else
      fail("access", "expected ro, r, rw or w, got " + quote(a->second));
  }
  return disk;
}

}  // namespace hvmtool::config
