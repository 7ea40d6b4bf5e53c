// leadscout::batch — concurrent, resumable batch runs with atomic JSON progress, timeouts,
// retries, rate limits and clean SIGINT/SIGTERM shutdown.
//
//   namespace lb = leadscout::batch;
//   lb::Options opt;
//   opt.operation = "logistics_demo";
//   lb::BackgroundProcessor<Lead, Classification> proc(opt);
//   lb::Summary summary = proc.run(leads, classify);
//   return lb::exit_code(summary);
#pragma once

#include "leadscout/batch/clock.hpp"
#include "leadscout/batch/context.hpp"
#include "leadscout/batch/options.hpp"
#include "leadscout/batch/outcome.hpp"
#include "leadscout/batch/processor.hpp"
#include "leadscout/batch/progress.hpp"
#include "leadscout/batch/results_export.hpp"
#include "leadscout/batch/shard.hpp"
#include "leadscout/batch/summary.hpp"
#include "leadscout/batch/telemetry.hpp"
#include "leadscout/error.hpp"
