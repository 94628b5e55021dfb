#pragma once

// Guest lines in the hypervisor's console ring (xc_readconsolering): what an
// HVM guest writes to port 0xE9 (and a PV guest through console_io) Xen
// prints as "(dN) text"; Xen's own lines about the guest name it "dN" or
// "dNvM". A ConsoleRouter turns ring text into per-domain console lines.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "hvmtool/domain.hpp"

namespace hvmtool::xen {

struct RingLine {
  DomainId domid = 0;
  ConsoleChannel channel = ConsoleChannel::debug;
  std::string text;  // without the "(dN) " prefix, with a final '\n'
};

// One complete line of ring text (without its '\n'): a guest's own output
// "(dN) text" (after an optional "[timestamp] "), or a "(XEN)" line naming
// "dN"/"dNvM" (kept whole, channel hypervisor); nullopt for anything else.
std::optional<RingLine> parse_ring_line(std::string_view line);

class ConsoleRouter {
 public:
  using Out = std::function<void(const RingLine&)>;
  // Feeds ring text (lines may be split across calls) and calls `out` for each complete line that parses.
  void feed(std::string_view text, const Out& out);

 private:
  std::string partial_;
};

}  // namespace hvmtool::xen
