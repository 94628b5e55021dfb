#pragma once

// The whole public plugin API. A vendor plugin includes this and nothing else.
#include "hvmtool/build_state.hpp"
#include "hvmtool/config.hpp"
#include "hvmtool/domain.hpp"
#include "hvmtool/error.hpp"
#include "hvmtool/export.hpp"
#include "hvmtool/firmware.hpp"
#include "hvmtool/log.hpp"
#include "hvmtool/params.hpp"
#include "hvmtool/platform.hpp"
#include "hvmtool/plugin.hpp"
#include "hvmtool/stage.hpp"
#include "hvmtool/stage_context.hpp"
#include "hvmtool/stage_slot.hpp"
#include "hvmtool/store.hpp"
#include "hvmtool/vcpu.hpp"
#include "hvmtool/version.hpp"
