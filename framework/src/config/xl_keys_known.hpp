#pragma once

// What hvmtool does with each key xl 4.17 reads (tools/xl/xl_parse.c):
// honour it, or report it as not honoured with the reason.

#include <string>
#include <string_view>
#include <vector>

namespace hvmtool::config {

// The keys the translation maps onto the pipeline.
bool xl_key_honoured(std::string_view key);
// Why an xl key is not honoured; empty if `key` is not one of xl's.
std::string_view xl_key_ignored_because(std::string_view key);
// Every key xl reads, for "did you mean" hints.
const std::vector<std::string>& xl_all_keys();

}  // namespace hvmtool::config
