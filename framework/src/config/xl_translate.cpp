#include "config/xl_translate.hpp"

#include <cstdio>
#include <map>
#include <optional>
#include <sstream>

#include "config/config_error.hpp"
#include "config/pipeline_config.hpp"
#include "config/xl_keys_known.hpp"
#include "hvmtool/error.hpp"

namespace hvmtool::config {
namespace {

namespace fs = std::filesystem;

// A YAML double-quoted scalar: the user's text exactly, on one line.
std::string yaml_quoted(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

class Translator {
 public:
  Translator(const xl::File& file, std::string name, fs::path cwd)
      : file_(file), name_(std::move(name)), cwd_(std::move(cwd)) {
    for (const xl::Setting& s : file_.settings) settings_.emplace(s.key, &s);
  }

  XlTranslation run() {
    check_keys();
    const std::string type = domain_type();
    emit("name", require_string("name"), line_of("name"));
    emit("type", type, line_of(settings_.count("type") ? "type" : "builder"));
    for (const char* key : {"memory", "maxmem", "vcpus", "maxvcpus", "mmio_hole"})
      if (auto v = string_of(key)) emit(key, *v, line_of(key));
    firmware(type);
    if (auto v = string_of("ramdisk")) emit("ramdisk", path(*v), line_of("ramdisk"));
    cmdline();
    disks();
    bootloader();
    for (const char* key : {"on_poweroff", "on_reboot", "on_crash"})
      if (auto v = string_of(key)) emit(key, *v, line_of(key));
    serial();
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(std::string_view key, std::string_view reason) const {
    throw ConfigError(name_ + ":" + std::to_string(line_of(key)) + ": key '" + std::string(key) +
                      "': " + std::string(reason));
  }
  void warn(std::string_view key, std::string_view reason) {
    out_.warnings.push_back(name_ + ":" + std::to_string(line_of(key)) + ": key '" + std::string(key) +
                            "': " + std::string(reason));
  }

  unsigned line_of(std::string_view key) const {
    auto it = settings_.find(std::string(key));
    return it == settings_.end() ? 0 : it->second->line;
  }
  const xl::Setting* find(std::string_view key) const {
    auto it = settings_.find(std::string(key));
    return it == settings_.end() ? nullptr : it->second;
  }
  std::optional<std::string> string_of(std::string_view key) const {
    const xl::Setting* s = find(key);
    if (!s) return std::nullopt;
    if (s->is_list) fail(key, "expected a single value, got a list");
    return s->value;
  }
  std::string require_string(std::string_view key) const {
    auto v = string_of(key);
    if (!v) throw ConfigError(name_ + ": key '" + std::string(key) + "' is missing (xl requires it)");
    return *v;
  }
  std::vector<std::string> list_of(std::string_view key) const {
    const xl::Setting* s = find(key);
    if (!s) return {};
    if (s->is_list) return s->items;
    // xl accepts a string where a list of words is meant (bootloader_args).
    std::vector<std::string> words;
    std::istringstream in(s->value);
    for (std::string w; in >> w;) words.push_back(w);
    return words;
  }
  // xl opens relative paths from its working directory.
  std::string path(const std::string& p) const {
    fs::path v(p);
    return (v.is_relative() ? cwd_ / v : v).lexically_normal().string();
  }

  void emit(std::string_view key, std::string_view value, unsigned line) {
    out_.domain_yaml += std::string(key) + ": " + yaml_quoted(value) + "\n";
    out_.source_lines.push_back(line);
  }
  void emit_list(std::string_view key, const std::vector<std::string>& values, unsigned line) {
    std::string text = std::string(key) + ": [";
    for (std::size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + yaml_quoted(values[i]);
    out_.domain_yaml += text + "]\n";
    out_.source_lines.push_back(line);
  }

  void check_keys() {
    for (const xl::Setting& s : file_.settings) {
      if (xl_key_honoured(s.key)) continue;
      std::string_view why = xl_key_ignored_because(s.key);
      if (!why.empty()) {
        warn(s.key, why);
        continue;
      }
      std::string hint = hvmtool::closest_match(s.key, xl_all_keys());
      fail(s.key, "not an xl.cfg key" + (hint.empty() ? std::string() : " (did you mean '" + hint + "'?)"));
    }
  }

  // xl: `type`, else the deprecated `builder` (hvm / generic), else pv.
  std::string domain_type() const {
    std::optional<std::string> type = string_of("type");
    if (type && *type != "pv" && *type != "pvh" && *type != "hvm")
      fail("type", "expected pv, pvh or hvm, got " + quote(*type));
    if (auto b = string_of("builder")) {
      if (*b != "hvm" && *b != "generic") fail("builder", "expected hvm or generic, got " + quote(*b));
      const std::string from_builder = *b == "hvm" ? "hvm" : "pv";
      if (type && *type != from_builder)
        fail("builder", "contradicts type = " + quote(*type) + " (builder is deprecated: remove it)");
      return from_builder;
    }
    return type.value_or("pv");
  }

  // xl's firmware rules: for HVM `firmware` is bios/seabios (SeaBIOS),
  // uefi/ovmf (OVMF), rombios, or a path to a replacement for hvmloader;
  // `bios` names the BIOS; `firmware_override` replaces hvmloader. PV and PVH
  // take only pvgrub there.
  void firmware(const std::string& type) {
    std::optional<std::string> kernel = string_of("kernel");
    if (type != "hvm") {
      if (string_of("firmware")) fail("firmware", "pvgrub is not supported; give kernel (or bootloader = \"pygrub\")");
      for (const char* key : {"bios", "firmware_override"})
        if (find(key)) fail(key, "applies to HVM guests only (type is " + type + ")");
      if (kernel) emit("kernel", path(*kernel), line_of("kernel"));
      return;
    }
    std::optional<std::string> bios, firmware_path;
    unsigned bios_line = 0;
    if (auto f = string_of("firmware")) {
      if (*f == "bios" || *f == "seabios")
        bios = "seabios";
      else if (*f == "uefi" || *f == "ovmf")
        bios = "ovmf";
      else if (*f == "rombios")
        fail("firmware", "ROMBIOS is not supported (use seabios or ovmf)");
      else {
        firmware_path = *f;
        emit("firmware", path(*f), line_of("firmware"));
      }
      bios_line = line_of("firmware");
    }
    if (auto b = string_of("bios")) {
      if (*b == "rombios") fail("bios", "ROMBIOS is not supported (use seabios or ovmf)");
      if (*b != "seabios" && *b != "ovmf") fail("bios", "expected seabios or ovmf, got " + quote(*b));
      bios = *b;
      bios_line = line_of("bios");
    }
    if (auto o = string_of("firmware_override")) {
      if (firmware_path) fail("firmware_override", "conflicts with firmware = " + quote(*firmware_path));
      emit("firmware", path(*o), line_of("firmware_override"));
    }
    // Old files name hvmloader as the kernel; xl ignores it (it is the default).
    if (kernel && fs::path(*kernel).filename() == "hvmloader") {
      warn("kernel", "hvmloader is the default firmware; use firmware_override for another one; ignored");
      kernel.reset();
    }
    if (kernel) {
      // hvmloader boots the kernel itself (xl would hand it to QEMU).
      emit("kernel", path(*kernel), line_of("kernel"));
      if (bios) emit("bios", *bios, bios_line);
    } else {
      emit("bios", bios.value_or("seabios"), bios_line);  // xl's default
    }
  }

  // xl: cmdline, else "root=ROOT EXTRA" from root and extra.
  void cmdline() {
    std::optional<std::string> cmd = string_of("cmdline"), root = string_of("root"), extra = string_of("extra");
    if (cmd) {
      if (root) warn("root", "ignored in favour of cmdline (as xl does)");
      if (extra) warn("extra", "ignored in favour of cmdline (as xl does)");
      emit("cmdline", *cmd, line_of("cmdline"));
    } else if (root || extra) {
      std::string text = root ? "root=" + *root : "";
      if (extra) text += (text.empty() ? "" : " ") + *extra;
      emit("cmdline", text, line_of(root ? "root" : "extra"));
    }
  }

  void disks() {
    if (file_.disks.empty()) return;
    std::vector<std::string> specs;
    for (const xl::Disk& d : file_.disks) {
      if (d.cdrom) fail("disk", "CD-ROM drives are not supported yet: " + quote(d.spec));
      if (d.target.empty()) fail("disk", "no target in " + quote(d.spec));
      std::string format = d.format == "unknown" ? "raw" : d.format;
      specs.push_back("format=" + format + ", vdev=" + d.vdev + ", access=" + (d.readwrite ? "rw" : "ro") +
                      ", target=" + path(d.target));
    }
    emit_list("disks", specs, line_of("disk"));
  }

  void bootloader() {
    std::optional<std::string> b = string_of("bootloader");
    if (!b) {
      if (find("bootloader_args")) warn("bootloader_args", "no bootloader is set; ignored");
      return;
    }
    if (fs::path(*b).filename() != "pygrub")
      fail("bootloader", "only pygrub is supported (hvmtool's grub plugin does its job), got " + quote(*b));
    out_.bootloader = "grub";
    out_.bootloader_line = line_of("bootloader");
    if (find("bootloader_args")) emit_list("bootloader_args", list_of("bootloader_args"), line_of("bootloader_args"));
  }

  // The domain's COM1 always goes to its console log (`hvmtool console`),
  // which is what `serial = "pty"` asks xl for.
  void serial() {
    const xl::Setting* s = find("serial");
    if (!s) return;
    std::vector<std::string> v = s->is_list ? s->items : std::vector<std::string>{s->value};
    if (v.size() != 1 || v[0] != "pty")
      warn("serial", "the guest's COM1 goes to its console log (as \"pty\"); other serial settings are ignored");
  }

  const xl::File& file_;
  std::string name_;
  fs::path cwd_;
  std::map<std::string, const xl::Setting*> settings_;
  XlTranslation out_;
};

}  // namespace

XlTranslation translate_xl(const xl::File& file, const std::string& display_name, const fs::path& cwd) {
  return Translator(file, display_name, cwd).run();
}

}  // namespace hvmtool::config
