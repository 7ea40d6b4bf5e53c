// leadscout-status core: reads a progress directory, sums shards into one row per operation,
// evaluates the health check and renders the table, the JSON document and the check line.
// Everything that depends on the world (the clock, the host name, whether a pid is alive) is a
// parameter, so the tests need neither sleeps nor real processes.
#pragma once

#include "aggregate.hpp"
#include "check.hpp"
#include "process_probe.hpp"
#include "quota.hpp"
#include "render.hpp"
#include "scan.hpp"
#include "time_text.hpp"
