// The in-process transport.
#include "loopback_transport.hpp"

#include "service.hpp"

namespace demo {

namespace stub = leadscout::llm_stub;

HttpReply LoopbackTransport::post(LlmApi api, const std::string& body, std::stop_token stop) const {
  stub::Incoming in;
  in.api = api == LlmApi::openai ? stub::Api::openai : stub::Api::anthropic;
  in.x_api_key = "in-process";  // one key: one set of provider limits for the whole run
  in.body = body;
  in.stop = stop;
  stub::Reply r = service_.handle(in);
  HttpReply reply;
  if (stop.stop_requested()) {
    reply.cancelled = true;
    return reply;
  }
  reply.status = r.status;
  reply.headers = std::move(r.headers);
  reply.body = std::move(r.body);
  return reply;
}

}  // namespace demo
