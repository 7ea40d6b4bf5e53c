// leadscout::monitor — the opt-in HTTP endpoint (health, readiness, metrics, progress, recent
// events) and the live dashboard.
#pragma once

#include "leadscout/error.hpp"
#include "leadscout/monitor/attach.hpp"
#include "leadscout/monitor/server.hpp"
