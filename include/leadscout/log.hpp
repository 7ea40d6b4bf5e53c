// leadscout::log — structured key-value logging on spdlog, routed into a dated log tree.
//
//   namespace ll = leadscout::log;
//   ll::init(ll::Config::from_env());
//   auto log = ll::get("classification");
//   log.info("Item processed", {{"item_id", 7}, {"result", "african"}});
#pragma once

#include "leadscout/error.hpp"
#include "leadscout/log/config.hpp"
#include "leadscout/log/init.hpp"
#include "leadscout/log/level.hpp"
#include "leadscout/log/logger.hpp"
#include "leadscout/log/macros.hpp"
#include "leadscout/log/value.hpp"
#include "leadscout/version.hpp"
