// The subcommands of leadscout-logs as functions, so tests can drive them in-process (internal).
#pragma once

#include "exit_codes.hpp"
#include "filter.hpp"
#include "perf.hpp"
#include "pipeline.hpp"
#include "pretty.hpp"
#include "summary.hpp"
#include "tail.hpp"
