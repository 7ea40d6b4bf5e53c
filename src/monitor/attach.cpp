#include "leadscout/monitor/attach.hpp"

#include <memory>
#include <mutex>
#include <utility>

namespace leadscout::monitor {

void attach(batch::Options& opt, std::string address, Options base) {
  struct Shared {
    std::mutex mutex;
    std::unique_ptr<Server> server;
  };
  auto shared = std::make_shared<Shared>();
  opt.on_phase = [shared, address = std::move(address), base = std::move(base), previous = std::move(opt.on_phase)](
                     batch::RunPhase phase, const std::filesystem::path& progress_dir) {
    if (previous) previous(phase, progress_dir);
    std::lock_guard lock(shared->mutex);
    switch (phase) {
      case batch::RunPhase::starting: {
        if (shared->server) break;  // a second run() of the same processor keeps its server
        Options o = base;
        o.progress_dir = progress_dir;
        o.initial_readiness = Readiness::starting;
        shared->server = address.empty() ? serve_from_env(o) : serve(address, o);
        break;
      }
      case batch::RunPhase::running:
        if (shared->server) shared->server->set_readiness(Readiness::ready);
        break;
      case batch::RunPhase::stopping:
      case batch::RunPhase::finished:
        if (shared->server) {
          shared->server->set_readiness(Readiness::stopping);
          shared->server->refresh();  // the final state is served at once
        }
        break;
    }
  };
}

}  // namespace leadscout::monitor
