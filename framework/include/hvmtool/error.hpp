#pragma once

#include <stdexcept>
#include <string>

#include "hvmtool/export.hpp"

namespace hvmtool {

// Base of every error hvmtool reports. what() is one line meant for a user.
class HVMTOOL_API Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A configuration value is wrong. what() reads "FILE:LINE:COL: field 'NAME': reason".
class HVMTOOL_API ConfigError : public Error {
 public:
  using Error::Error;
};

// A plugin could not be found, loaded, or cannot do what was asked of it.
class HVMTOOL_API PluginError : public Error {
 public:
  using Error::Error;
};

// The hypervisor refused or failed an operation.
class HVMTOOL_API PlatformError : public Error {
 public:
  using Error::Error;
};

// A guest image (ELF, bzImage, disk) is malformed. what() names the offset and reason.
class HVMTOOL_API ImageError : public Error {
 public:
  using Error::Error;
};

// The run was cancelled (signal, or a sibling stage timed out).
class HVMTOOL_API CancelledError : public Error {
 public:
  using Error::Error;
};

class HVMTOOL_API TimeoutError : public Error {
 public:
  using Error::Error;
};

}  // namespace hvmtool
