// Hung calls end when the server stops: the service's stop() wakes them before the listener
// is shut down.
#include "simulated_provider.hpp"

#include <httplib.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "server.hpp"
#include "service.hpp"

namespace demo {

struct SimulatedProvider::Impl {
  explicit Impl(const leadscout::llm_stub::StubOptions& options) : service(options) {}
  leadscout::llm_stub::StubService service;
  httplib::Server server;
  int port = 0;
  std::thread thread;
};

SimulatedProvider::SimulatedProvider(const leadscout::llm_stub::StubOptions& options)
    : impl_(std::make_unique<Impl>(options)) {
  leadscout::llm_stub::configure_server(impl_->server, impl_->service);
  impl_->port = impl_->server.bind_to_any_port("127.0.0.1");
  if (impl_->port <= 0) throw std::runtime_error("the simulated provider cannot bind a loopback port");
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  while (!impl_->server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

SimulatedProvider::~SimulatedProvider() {
  impl_->service.stop();
  impl_->server.stop();
  impl_->thread.join();
}

std::string SimulatedProvider::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port) + "/v1"; }

}  // namespace demo
