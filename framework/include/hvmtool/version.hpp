#pragma once

// The plugin ABI version. A plugin built against a different value is refused by
// the loader before any of its C++ symbols are touched, because every interface
// in this folder crosses the library boundary by vtable layout, and every
// struct in it by its layout (tests/framework/test_api_layout.cpp pins them).
#define HVMTOOL_API_VERSION 4u

namespace hvmtool {
inline constexpr unsigned kApiVersion = HVMTOOL_API_VERSION;
inline constexpr const char* kVersionString = "0.1.0";

// What each API version changed, oldest first: the loader quotes the entries
// between a plugin's version and this one when it refuses the plugin. A
// version bump adds its entry here.
struct ApiChange {
  unsigned version;
  const char* what;
};
inline constexpr ApiChange kApiChanges[] = {
    {1, "the first plugin API"},
    {2, "StageContext::notes replaced by the typed BuildState (StageContext::state); Platform::features()"},
    {3, "PlatformFeatures::lapic and lapic_id_step; BuildState::acpi_rsdp; StageContext::firmware_images"},
    {4,
     "Stage::check_domain (a stage checks its own words in the domain section at load); "
     "DomainConfig::firmware_where and bios_where; firmware names are the firmware plugin's"},
};
}  // namespace hvmtool
