#include "hvmtool/stage_context.hpp"

#include "hvmtool/error.hpp"

namespace hvmtool {

Domain& StageContext::require_domain() const {
  if (!domain) throw Error("no domain yet: the 'make' stage has not created one");
  return *domain;
}

}  // namespace hvmtool
