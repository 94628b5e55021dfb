// libxl__domain_firmware: turns `domain.firmware` / `domain.bios` into checked
// files and tells the HVM builder how to place each of them. The names those
// fields accept are this plugin's (firmware_kinds()); the framework's loader
// only resolves paths.
#include <hvmtool/hvmtool.hpp>

#include "firmware_kind.hpp"
#include "image_checks.hpp"

namespace hvmtool::firmware {
namespace {

namespace fs = std::filesystem;

// What a first look at a file needs (a firmware volume header's signature
// is at 0x28).
constexpr std::size_t kHeadBytes = 0x40;

struct FieldValue {
  FirmwareField field;
  std::string_view yaml_name;  // "domain.bios"
  const std::string& value;
  const SourceLocation& where;
};

std::vector<const FirmwareKind*> kinds_of(FirmwareField field) {
  std::vector<const FirmwareKind*> out;
  for (const FirmwareKind* k : firmware_kinds())
    if (k->field == field) out.push_back(k);
  return out;
}

// A name: the kind of that name, from where it is installed. A path (the
// loader resolved it; it has a '/'): the first kind that recognises the
// file, else the one that takes what no other claims.
FirmwareImage image_for(const FieldValue& f) {
  const std::vector<const FirmwareKind*> kinds = kinds_of(f.field);
  if (f.value.find('/') == std::string::npos) {
    std::vector<std::string> names;
    for (const FirmwareKind* k : kinds) {
      if (k->name == f.value) return k->image_from(k->installed_path());
      names.emplace_back(k->name);
    }
    std::string what;
    for (const std::string& n : names) what += n + ", ";
    what.replace(what.size() - 2, 2, " or a path (containing '/')");
    fail_field(f.where, f.yaml_name, expected_one_of(what, f.value, names));
  }
  const fs::path file = f.value;
  const std::vector<std::byte> head = read_head(file, kHeadBytes);
  const FirmwareKind* fallback = nullptr;
  for (const FirmwareKind* k : kinds) {
    if (!k->recognises)
      fallback = fallback ? fallback : k;
    else if (k->recognises(head))
      return k->image_from(file);
  }
  if (!fallback) throw ImageError(file.string() + ": not a " + std::string(f.yaml_name) + " image this plugin knows");
  return fallback->image_from(file);
}

class Provider final : public FirmwareProvider {
 public:
  FirmwareSet resolve(const DomainConfig& d) const override {
    static const std::string kDefaultLoader = "hvmloader";
    FirmwareSet set;
    set.loader =
        image_for({FirmwareField::firmware, "domain.firmware", d.firmware.empty() ? kDefaultLoader : d.firmware,
                   d.firmware_where.line ? d.firmware_where : d.where});
    if (!d.bios.empty()) set.modules.push_back(image_for({FirmwareField::bios, "domain.bios", d.bios, d.bios_where}));
    return set;
  }
};

class FirmwarePlugin final : public Plugin {
 public:
  std::string_view name() const override { return "firmware"; }
  std::string_view version() const override { return kVersionString; }
  std::string_view description() const override {
    return "resolves domain.firmware (hvmloader) and domain.bios (seabios, ovmf, path)";
  }
  bool provides_firmware() const override { return true; }
  std::unique_ptr<FirmwareProvider> create_firmware(const PluginParams& params) override {
    params.require_known({});
    return std::make_unique<Provider>();
  }
};

}  // namespace
}  // namespace hvmtool::firmware

HVMTOOL_PLUGIN(hvmtool::firmware::FirmwarePlugin)
