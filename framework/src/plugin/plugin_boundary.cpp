#include "plugin/plugin_boundary.hpp"

#include <cxxabi.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <typeinfo>

#include "hvmtool/error.hpp"
#include "hvmtool/exception_message.hpp"

namespace hvmtool {

namespace {

// Errors are printed as one line each: a plugin's message must not break
// that (a newline) or reach the terminal as a control sequence.
std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (byte < 0x20 || byte == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", byte);
      out += buf;
    } else {
      out += c;
    }
  }
  if (out.empty()) out = "(an exception with an empty message)";
  return out;
}

// The type of the exception being handled, demangled; its name string may
// live in the plugin, so it is copied here.
std::string current_exception_type() {
  const std::type_info* type = abi::__cxa_current_exception_type();
  if (!type) return "unknown";
  int status = -1;
  std::unique_ptr<char, decltype(&std::free)> demangled(abi::__cxa_demangle(type->name(), nullptr, nullptr, &status),
                                                        &std::free);
  return status == 0 && demangled ? std::string(demangled.get()) : std::string(type->name());
}

CopiedError copy(ErrorCategory category, const std::exception& e) { return {category, one_line(e.what())}; }

}  // namespace

CopiedError copy_current_exception() {
  // Most derived categories first: they all derive from Error.
  try {
    throw;
  } catch (const ConfigError& e) {
    return copy(ErrorCategory::config, e);
  } catch (const PluginError& e) {
    return copy(ErrorCategory::plugin, e);
  } catch (const PlatformError& e) {
    return copy(ErrorCategory::platform, e);
  } catch (const ImageError& e) {
    return copy(ErrorCategory::image, e);
  } catch (const CancelledError& e) {
    return copy(ErrorCategory::cancelled, e);
  } catch (const TimeoutError& e) {
    return copy(ErrorCategory::timeout, e);
  } catch (const Error& e) {
    return copy(ErrorCategory::general, e);
  } catch (const std::exception& e) {
    return copy(ErrorCategory::plugin, e);
  } catch (...) {
    return {ErrorCategory::plugin, "non-standard exception of type '" + one_line(current_exception_type()) + "'"};
  }
}

std::string current_exception_message() { return copy_current_exception().message; }

void throw_copied(const CopiedError& error) {
  switch (error.category) {
    case ErrorCategory::config:
      throw ConfigError(error.message);
    case ErrorCategory::plugin:
      throw PluginError(error.message);
    case ErrorCategory::platform:
      throw PlatformError(error.message);
    case ErrorCategory::image:
      throw ImageError(error.message);
    case ErrorCategory::cancelled:
      throw CancelledError(error.message);
    case ErrorCategory::timeout:
      throw TimeoutError(error.message);
    case ErrorCategory::general:
      break;
  }
  throw Error(error.message);
}

std::exception_ptr make_copied(const CopiedError& error) {
  try {
    throw_copied(error);
  } catch (...) {
    return std::current_exception();
  }
}

std::exception_ptr own_error(std::exception_ptr error) {
  if (!error) return nullptr;
  try {
    std::rethrow_exception(error);
  } catch (...) {
    return make_copied(copy_current_exception());
  }
}

void rethrow_from_plugin(std::string_view plugin, std::string_view operation) {
  CopiedError error = copy_current_exception();
  if (error.category != ErrorCategory::config)
    error.message = "plugin '" + std::string(plugin) + "': " + std::string(operation) + ": " + error.message;
  throw_copied(error);
}

}  // namespace hvmtool
