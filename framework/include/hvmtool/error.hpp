#pragma once

#include <stdexcept>
#include <string>

namespace hvmtool {

// Base of every error hvmtool reports. what() is one line meant for a user.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A configuration value is wrong. what() reads "FILE:LINE:COL: field 'NAME': reason".
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A plugin could not be found, loaded, or cannot do what was asked of it.
class PluginError : public Error {
 public:
  using Error::Error;
};

// The hypervisor refused or failed an operation.
class PlatformError : public Error {
 public:
  using Error::Error;
};

// A guest image (ELF, bzImage, disk) is malformed. what() names the offset and reason.
class ImageError : public Error {
 public:
  using Error::Error;
};

// The run was cancelled (signal, or a sibling stage timed out).
class CancelledError : public Error {
 public:
  using Error::Error;
};

class TimeoutError : public Error {
 public:
  using Error::Error;
};

}  // namespace hvmtool
