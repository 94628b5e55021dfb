#pragma once

// The loader's parts, one per section of the file.

#include "config/yaml_fields.hpp"
#include "hvmtool/config.hpp"

namespace hvmtool::config {

// `domain:`; `count` is known by then because names and shared disks depend on it.
DomainConfig parse_domain(const Section& domain, unsigned count);

// One `domain.disks[i]` entry: an xl disk spec or a bare path.
DiskConfig parse_disk(const Field& entry);

// Relative paths in a file start at the file's folder, not the caller's cwd.
std::filesystem::path resolve_path(const FileContext& ctx, const std::filesystem::path& p);

}  // namespace hvmtool::config
