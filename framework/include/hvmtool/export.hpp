#pragma once

// libhvmtool is built with hidden visibility: only what is marked HVMTOOL_API
// is exported (the plugin API, and the framework classes the command-line
// tool, the tests and the benchmarks use). Fewer exported symbols make
// every process start faster (fewer dynamic relocations to look up) and
// keep the library's internals its own.
#define HVMTOOL_API __attribute__((visibility("default")))
