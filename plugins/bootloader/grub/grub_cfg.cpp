// grub.cfg: GRUB 2's script language, as much of it as finding the menu
// needs. Commands are read one at a time (words with '…', "…", \ escapes and
// $var / ${var} expansion, separated by newlines and ';'); `set NAME=VALUE`
// and `NAME=VALUE` update the variables later words expand; `menuentry` and
// `submenu` open a { } block. Control flow (if/then/else/fi, for, while) is
// read flat: every branch's `set` is seen in order, and an assignment whose
// value expands to nothing is ignored, so that Debian's
//   if [ "${next_entry}" ]; then set default="${next_entry}"; else set default="0"; fi
// leaves default = 0. `function NAME { … }` bodies are skipped. What cannot be
// reproduced this way (another file read by `source` or `configfile`, BLS
// entries, `eval`, loops) is kept as a warning naming its line.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "boot_menu.hpp"
#include "hvmtool_common/guest_text.hpp"
#include "menu_format.hpp"

namespace hvmtool::grub {

namespace {

constexpr std::string_view kName = "grub.cfg";
constexpr std::string_view kPaths[] = {"/boot/grub/grub.cfg", "/grub/grub.cfg"};

constexpr int kMaxDepth = 8;

struct Word {
  std::string text;
  bool brace = false;  // an unquoted '{' or '}'
};

struct Command {
  std::vector<Word> words;
  int line = 0;
};

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

class Lexer {
 public:
  Lexer(std::string_view text, const std::map<std::string, std::string>& vars) : s_(text), vars_(vars) {}

  // The next command, or nullopt at the end. An unquoted "{" or "}" is a
  // command of its own.
  std::optional<Command> next() {
    Command cmd;
    if (pending_brace_) {
      cmd.words.push_back(*pending_brace_);
      cmd.line = pending_line_;
      pending_brace_.reset();
      return cmd;
    }
    while (true) {
      skip_blanks();
      if (pos_ >= s_.size()) break;
      const char c = s_[pos_];
      if (c == '\n' || c == ';') {
        if (c == '\n') ++line_;
        ++pos_;
        if (!cmd.words.empty()) return cmd;
        continue;
      }
      if (c == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
        continue;
      }
      const int word_line = line_;
      auto w = word();
      if (!w) continue;  // an unquoted expansion to nothing
      if (w->brace) {
        if (cmd.words.empty()) {
          cmd.words.push_back(*w);
          cmd.line = word_line;
          return cmd;
        }
        pending_brace_ = *w;
        pending_line_ = word_line;
        return cmd;
      }
      if (cmd.words.empty()) cmd.line = word_line;
      cmd.words.push_back(std::move(*w));
    }
    if (!cmd.words.empty()) return cmd;
    return std::nullopt;
  }

  int line() const { return line_; }

 private:
  void skip_blanks() {
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '\\' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') {
        pos_ += 2;
        ++line_;
      } else {
        break;
      }
    }
  }

  std::string expand_var() {
    // At '$'.
    ++pos_;
    std::string name;
    if (pos_ < s_.size() && s_[pos_] == '{') {
      const auto close = s_.find('}', pos_);
      if (close == std::string_view::npos) throw MenuError(line_, "unterminated ${");
      name = std::string(s_.substr(pos_ + 1, close - pos_ - 1));
      pos_ = close + 1;
    } else if (pos_ < s_.size() && (s_[pos_] == '?' || s_[pos_] == '@' || s_[pos_] == '#')) {
      ++pos_;
      return {};
    } else {
      while (pos_ < s_.size() && name_char(s_[pos_])) name.push_back(s_[pos_++]);
      if (name.empty()) return "$";
    }
    auto it = vars_.find(name);
    return it == vars_.end() ? std::string() : it->second;
  }

  std::optional<Word> word() {
    Word w;
    bool quoted = false;
    const std::size_t start = pos_;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';') break;
      if (c == '\'') {
        quoted = true;
        const auto close = s_.find('\'', pos_ + 1);
        if (close == std::string_view::npos) throw MenuError(line_, "unterminated single quote");
        for (std::size_t i = pos_ + 1; i < close; ++i)
          if (s_[i] == '\n') ++line_;
        w.text.append(s_.substr(pos_ + 1, close - pos_ - 1));
        pos_ = close + 1;
      } else if (c == '"') {
        quoted = true;
        const int opened = line_;
        ++pos_;
        while (true) {
          if (pos_ >= s_.size()) throw MenuError(opened, "unterminated double quote");
          const char d = s_[pos_];
          if (d == '"') {
            ++pos_;
            break;
          }
          if (d == '\\' && pos_ + 1 < s_.size()) {
            const char e = s_[pos_ + 1];
            if (e == '\n') {
              ++line_;
            } else if (e == '"' || e == '\\' || e == '$') {
              w.text.push_back(e);
            } else {
              w.text.push_back('\\');
              w.text.push_back(e);
            }
            pos_ += 2;
          } else if (d == '$') {
            w.text += expand_var();
          } else {
            if (d == '\n') ++line_;
            w.text.push_back(d);
            ++pos_;
          }
        }
      } else if (c == '\\') {
        if (pos_ + 1 < s_.size()) {
          if (s_[pos_ + 1] == '\n')
            ++line_;
          else
            w.text.push_back(s_[pos_ + 1]);
          pos_ += 2;
        } else {
          ++pos_;
        }
        quoted = true;
      } else if (c == '$') {
        w.text += expand_var();
      } else {
        w.text.push_back(c);
        ++pos_;
      }
    }
    const std::string_view raw = s_.substr(start, pos_ - start);
    if (raw == "{" || raw == "}") {
      w.brace = true;
      return w;
    }
    if (w.text.empty() && !quoted) return std::nullopt;
    return w;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  int line_ = 1;
  const std::map<std::string, std::string>& vars_;
  std::optional<Word> pending_brace_;
  int pending_line_ = 0;
};

// How GRUB's loader writes one argument into the kernel's command line
// (grub_create_loader_cmdline): \ ' " escaped with a backslash, and the
// whole argument in double quotes if it holds a space.
std::string kernel_arg(const std::string& word) {
  std::string out;
  const bool space = word.find(' ') != std::string::npos;
  if (space) out.push_back('"');
  for (char c : word) {
    if (c == '\\' || c == '\'' || c == '"') out.push_back('\\');
    out.push_back(c);
  }
  if (space) out.push_back('"');
  return out;
}

bool is_open(const Command& c) { return c.words.size() == 1 && c.words[0].brace && c.words[0].text == "{"; }
bool is_close(const Command& c) { return c.words.size() == 1 && c.words[0].brace && c.words[0].text == "}"; }

class Parser {
 public:
  Parser(std::string_view text, const std::map<std::string, std::string>& env) : vars_(env), lex_(text, vars_) {}

  BootMenu parse() {
    BootMenu menu;
    menu.format = kName;
    block(menu.entries, menu, 0, 0);
    menu.warnings = std::move(warnings_);
    return menu;
  }

 private:
  // Script features whose effect on the menu this reading cannot reproduce.
  void note_unsupported(const Command& cmd) {
    static const std::set<std::string> kReadsAnotherFile = {"source",
                                                            ".",
                                                            "configfile",
                                                            "legacy_source",
                                                            "legacy_configfile",
                                                            "extract_entries_source",
                                                            "extract_entries_configfile",
                                                            "extract_legacy_entries_source",
                                                            "extract_legacy_entries_configfile"};
    const std::string& verb = cmd.words[0].text;
    std::string text;
    if (kReadsAnotherFile.count(verb)) {
      text = "'" + verb + "' is not followed: the entries and settings of " +
             (cmd.words.size() > 1 ? common::guest_quote(cmd.words[1].text) : std::string("the file it names")) +
             " are not read";
    } else if (verb == "blscfg") {
      text = "'blscfg' is not followed: Boot Loader Specification entries (/boot/loader/entries) are not read";
    } else if (verb == "eval") {
      text = "'eval' is not run: what it would define is not seen";
    } else if (verb == "for" || verb == "while" || verb == "until") {
      text = "'" + verb + "' loops are read once, as if their body ran one time";
    } else {
      return;
    }
    std::string file;
    if (kReadsAnotherFile.count(verb) && cmd.words.size() > 1) file = cmd.words[1].text;
    warnings_.push_back({cmd.line, std::move(text), std::move(file)});
  }

  // Reads commands until the matching '}' (depth > 0) or the end.
  void block(std::vector<BootEntry>& entries, BootMenu& menu, int depth, int opened_line) {
    while (auto cmd = lex_.next()) {
      if (is_close(*cmd)) {
        if (depth == 0) throw MenuError(cmd->line, "'}' without a matching '{'");
        return;
      }
      if (is_open(*cmd)) {
        skip_block(cmd->line);
        continue;
      }
      const std::string& verb = cmd->words[0].text;
      if (verb == "menuentry" || verb == "submenu") {
        if (depth + 1 > kMaxDepth) throw MenuError(cmd->line, "submenus nested more than 8 deep");
        BootEntry e = header(*cmd);
        e.submenu = verb == "submenu";
        expect_open(cmd->line, verb);
        if (e.submenu) {
          block(e.children, menu, depth + 1, cmd->line);
        } else {
          body(e, cmd->line);
        }
        entries.push_back(std::move(e));
      } else if (verb == "function") {
        expect_open(cmd->line, "function");
        skip_block(cmd->line);
      } else if (assign(*cmd) && depth == 0) {
        auto it = vars_.find("default");
        if (it != vars_.end() && it->second != menu.default_entry) {
          menu.default_entry = it->second;
          menu.default_line = cmd->line;
        }
      } else {
        note_unsupported(*cmd);
      }
    }
    if (depth > 0) throw MenuError(opened_line, "'{' is never closed");
  }

  // menuentry TITLE [--class C] [--users U] [--hotkey K] [--id ID] [--unrestricted] ...
  BootEntry header(const Command& cmd) {
    BootEntry e;
    e.line = cmd.line;
    bool have_title = false;
    for (std::size_t i = 1; i < cmd.words.size(); ++i) {
      const std::string& w = cmd.words[i].text;
      if (w == "--class" || w == "--users" || w == "--hotkey" || w == "--source") {
        ++i;
      } else if (w == "--id") {
        if (i + 1 < cmd.words.size()) e.id = cmd.words[++i].text;
      } else if (w.starts_with("--")) {
      } else if (!have_title) {
        e.title = w;
        have_title = true;
      }
    }
    if (!have_title) throw MenuError(cmd.line, cmd.words[0].text + " without a title");
    return e;
  }

  void expect_open(int line, const std::string& what) {
    auto open = lex_.next();
    if (!open || !is_open(*open)) throw MenuError(line, what + " without a '{' block");
  }

  void body(BootEntry& e, int opened_line) {
    // Assignments inside the entry are undone at its end (an undo log, not a
    // copy of every variable per entry: a hostile file has many of both).
    std::vector<std::pair<std::string, std::optional<std::string>>> undo;
    while (auto cmd = lex_.next()) {
      if (is_close(*cmd)) {
        for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
          if (it->second)
            vars_[it->first] = *it->second;
          else
            vars_.erase(it->first);
        }
        return;
      }
      if (is_open(*cmd)) {
        skip_block(cmd->line);
        continue;
      }
      const std::string& verb = cmd->words[0].text;
      if (verb == "linux" || verb == "linux16" || verb == "linuxefi") {
        std::size_t i = 1;
        while (i < cmd->words.size() && cmd->words[i].text.starts_with("--")) ++i;  // e.g. --no-mem-option
        if (i >= cmd->words.size()) throw MenuError(cmd->line, verb + " without a kernel path");
        e.kernel = strip_device(cmd->words[i].text, cmd->line);
        e.cmdline.clear();
        for (++i; i < cmd->words.size(); ++i)
          e.cmdline += (e.cmdline.empty() ? "" : " ") + kernel_arg(cmd->words[i].text);
      } else if (verb == "initrd" || verb == "initrd16" || verb == "initrdefi") {
        e.initrds.clear();
        for (std::size_t i = 1; i < cmd->words.size(); ++i) {
          if (cmd->words[i].text.starts_with("--")) continue;
          e.initrds.push_back(strip_device(cmd->words[i].text, cmd->line));
        }
        if (e.initrds.empty()) throw MenuError(cmd->line, verb + " without a file");
      } else if (verb == "menuentry" || verb == "submenu") {
        throw MenuError(cmd->line, verb + " inside a menuentry");
      } else if (verb == "function") {
        expect_open(cmd->line, "function");
        skip_block(cmd->line);
      } else if (!assign(*cmd, &undo)) {
        note_unsupported(*cmd);
      }
    }
    throw MenuError(opened_line, "menuentry " + common::guest_quote(e.title) + ": '{' is never closed");
  }

  void skip_block(int opened_line) {
    int depth = 1;
    while (auto cmd = lex_.next()) {
      if (is_open(*cmd)) ++depth;
      if (is_close(*cmd) && --depth == 0) return;
      if (depth > kMaxDepth * 4) throw MenuError(cmd->line, "blocks nested too deep");
    }
    throw MenuError(opened_line, "'{' is never closed");
  }

  // `set NAME=VALUE` or `NAME=VALUE`; an empty value is ignored (see the top).
  bool assign(const Command& cmd, std::vector<std::pair<std::string, std::optional<std::string>>>* undo = nullptr) {
    const Word* w = nullptr;
    if (cmd.words[0].text == "set" && cmd.words.size() >= 2)
      w = &cmd.words[1];
    else if (cmd.words.size() == 1)
      w = &cmd.words[0];
    if (!w) return false;
    const auto eq = w->text.find('=');
    if (eq == std::string::npos || eq == 0) return false;
    const std::string name = w->text.substr(0, eq);
    for (char c : name)
      if (!name_char(c)) return false;
    std::string value = w->text.substr(eq + 1);
    if (value.empty()) return false;
    if (undo) {
      auto old = vars_.find(name);
      undo->emplace_back(name, old == vars_.end() ? std::nullopt : std::optional<std::string>(old->second));
    }
    vars_[name] = value;
    return true;
  }

  std::map<std::string, std::string> vars_;
  Lexer lex_;
  std::vector<MenuWarning> warnings_;
};

}  // namespace

BootMenu parse_grub_cfg(std::string_view text, const std::map<std::string, std::string>& env) {
  return Parser(text, env).parse();
}

std::map<std::string, std::string> parse_grubenv(std::string_view text) {
  std::map<std::string, std::string> env;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto nl = text.find('\n', pos);
    const std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (line.empty() || line.front() == '#') continue;
    const auto eq = line.find('=');
    if (eq == 0 || eq == std::string_view::npos) continue;
    const std::string name(line.substr(0, eq));
    if (!std::all_of(name.begin(), name.end(), name_char)) continue;
    env[name] = std::string(line.substr(eq + 1));
  }
  return env;
}

namespace {

constexpr std::uint64_t kMaxGrubenvSize = 64 * 1024;  // grub writes 1024 bytes

// What GRUB has read and set before it runs grub.cfg: grubenv beside it
// (saved_entry for GRUB_DEFAULT=saved, as `load_env` reads it; a missing or
// odd one is ignored, as grub does), and the folder it came from.
BootMenu read_grub_cfg(const MenuSource& source) {
  const std::string dir = std::filesystem::path(source.path).parent_path().string();
  std::map<std::string, std::string> env;
  if (const auto grubenv = source.read_optional(dir + "/grubenv", kMaxGrubenvSize)) env = parse_grubenv(*grubenv);
  env.emplace("prefix", dir);
  env.emplace("config_directory", dir);
  return parse_grub_cfg(source.text, env);
}

}  // namespace

// Listed in menu_formats.cpp (extern: a namespace-scope const is otherwise private to its file).
extern const MenuFormat grub_cfg_format;
const MenuFormat grub_cfg_format{kName, kPaths, read_grub_cfg};

}  // namespace hvmtool::grub
