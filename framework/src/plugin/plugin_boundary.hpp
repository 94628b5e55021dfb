#pragma once

// The one boundary between the framework and plugin code.
//
// Whatever a plugin throws has its code in the plugin's library: an
// exception type the plugin defines, and just as much hvmtool's own error
// types, whose inline vtables a plugin built with hidden visibility carries
// itself. Once that library is unloaded, the exception's what() and its
// destructor are unmapped. So every framework call into a plugin goes
// through call_plugin(), and every error a plugin hands back in a stage's
// completion through own_error(): both copy the message into an exception
// of the same hvmtool category that the framework's own code owns, while the
// plugin is certainly still loaded (the plugin is on the call stack, and its
// caller holds a reference to it).

#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include "hvmtool/export.hpp"

namespace hvmtool {

// The hvmtool category of an error, which the copy keeps: exit statuses and
// the runner's handling (cancellation) depend on it.
enum class ErrorCategory { config, plugin, platform, image, cancelled, timeout, general };

// A framework-owned description of an exception: its category and its
// message, reduced to one printable line.
struct CopiedError {
  ErrorCategory category = ErrorCategory::general;
  std::string message;
};

// Call only inside a catch block: copies the exception being handled. An
// exception that is not an hvmtool error becomes a plugin error; one that is
// not a std::exception is described by its type ("non-standard exception of
// type 'int'").
HVMTOOL_API CopiedError copy_current_exception();

// Throws / makes a framework-owned exception of `error`'s category.
[[noreturn]] HVMTOOL_API void throw_copied(const CopiedError& error);
HVMTOOL_API std::exception_ptr make_copied(const CopiedError& error);

// A framework-owned copy of `error` (same category and message); nullptr
// stays nullptr. For errors a plugin passes to a Completion.
HVMTOOL_API std::exception_ptr own_error(std::exception_ptr error);

// Call only inside a catch block: throws the copy of the exception being
// handled, its message prefixed "plugin 'PLUGIN': OPERATION: ". A
// ConfigError keeps its message as it is: it already starts with the file,
// line and field ("params.PLUGIN.KEY") that the user has to change.
[[noreturn]] HVMTOOL_API void rethrow_from_plugin(std::string_view plugin, std::string_view operation);

// Runs `call` (code of the plugin named `plugin`) and returns its result;
// whatever it throws leaves as a framework-owned error naming the plugin and
// `operation`. `plugin` must not point into the plugin's own memory.
template <typename Call>
decltype(auto) call_plugin(std::string_view plugin, std::string_view operation, Call&& call) {
  try {
    return std::forward<Call>(call)();
  } catch (...) {
    rethrow_from_plugin(plugin, operation);
  }
}

}  // namespace hvmtool
