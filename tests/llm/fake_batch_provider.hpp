// The batch APIs on loopback, as the tests need them: OpenAI's /files (upload, content) and
// /batches (create, retrieve, list), Anthropic's /messages/batches (create, retrieve, results),
// and both chat paths for the online fallback. A batch ends
// after a number of polls; rows answer with a fixed label, or expire, or fail with a 400.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "llm/fake_provider.hpp"

namespace leadscout::test::llm {

class FakeBatchProvider {
 public:
  struct Settings {
    std::string answer = R"({"label":"english","confidence":0.9})";
    int polls = 2;                 ///< retrieves before a batch ends
    bool hold = false;             ///< batches never end while set
    std::string hold_as = "in_progress";  ///< the status of a held batch
    int hold_from = 0;             ///< hold applies to the batches from the Nth (0-based) on
    int expire_batches = 0;        ///< the first N batches expire with their odd rows unanswered
    std::set<std::string> refuse{};///< custom_ids answered with a 400
  };

  explicit FakeBatchProvider(Settings settings) : settings_(std::move(settings)) {
    server_.Post("/v1/files", [this](const httplib::Request& req, httplib::Response& res) { upload(req, res); });
    server_.Get(R"(/v1/files/([^/]+)/content)", [this](const httplib::Request& req, httplib::Response& res) {
      const std::lock_guard lock(mutex_);
      res.set_content(files_[req.matches[1]], "application/jsonl");
    });
    server_.Post("/v1/batches", [this](const httplib::Request& req, httplib::Response& res) { create(req, res); });
    server_.Post(R"(/v1/batches/([^/]+)/cancel)", [this](const httplib::Request& req, httplib::Response& res) {
      const std::lock_guard lock(mutex_);
      cancelled_.push_back(req.matches[1]);
      for (Batch& b : batches_) {
        if (b.id == req.matches[1]) b.object["status"] = "cancelling";
        if (b.id == req.matches[1]) res.set_content(b.object.dump(), "application/json");
      }
    });
    server_.Get("/v1/batches", [this](const httplib::Request&, httplib::Response& res) { list(res); });
    server_.Get(R"(/v1/batches/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      retrieve(req.matches[1], res);
    });
    server_.Post("/v1/chat/completions", [this](const httplib::Request&, httplib::Response& res) {
      const std::lock_guard lock(mutex_);
      ++online_calls_;
      res.set_content(openai_answer(settings_.answer), "application/json");
    });
    server_.Post("/v1/messages", [this](const httplib::Request&, httplib::Response& res) {
      const std::lock_guard lock(mutex_);
      ++online_calls_;
      res.set_content(anthropic_tool_answer(nlohmann::json::parse(settings_.answer)), "application/json");
    });
    server_.Post("/v1/messages/batches", [this](const httplib::Request& req, httplib::Response& res) {
      create_anthropic(req, res);
    });
    server_.Get(R"(/v1/messages/batches/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      retrieve(req.matches[1], res);
    });
    server_.Get(R"(/v1/messages/batches/([^/]+)/results)", [this](const httplib::Request& req, httplib::Response& res) {
      const std::lock_guard lock(mutex_);
      res.set_content(files_["results-" + std::string(req.matches[1])], "application/jsonl");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeBatchProvider() {
    server_.stop();
    thread_.join();
  }
  FakeBatchProvider(const FakeBatchProvider&) = delete;
  FakeBatchProvider& operator=(const FakeBatchProvider&) = delete;

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  [[nodiscard]] std::vector<std::string> cancelled() const {
    const std::lock_guard lock(mutex_);
    return cancelled_;
  }
  void release() {
    const std::lock_guard lock(mutex_);
    settings_.hold = false;
  }
  [[nodiscard]] int batches_created() const {
    const std::lock_guard lock(mutex_);
    return static_cast<int>(batches_.size());
  }
  /// Rows whose custom_id was already in an earlier batch.
  [[nodiscard]] int duplicates() const {
    const std::lock_guard lock(mutex_);
    return duplicates_;
  }
  /// Requests submitted in all batches.
  [[nodiscard]] int batch_rows() const {
    const std::lock_guard lock(mutex_);
    std::size_t rows = 0;
    for (const Batch& b : batches_) rows += b.lines.size();
    return static_cast<int>(rows);
  }
  [[nodiscard]] int online_calls() const {
    const std::lock_guard lock(mutex_);
    return online_calls_;
  }
  [[nodiscard]] std::vector<nlohmann::json> created_bodies() const {
    const std::lock_guard lock(mutex_);
    std::vector<nlohmann::json> out;
    for (const Batch& b : batches_) out.push_back(b.request);
    return out;
  }

 private:
  struct Batch {
    std::string id;
    nlohmann::json request;
    std::vector<nlohmann::json> lines;
    int polls = 0;
    nlohmann::json object;
    bool anthropic = false;
  };

  void upload(const httplib::Request& req, httplib::Response& res) {
    const std::lock_guard lock(mutex_);
    const std::string id = "file-" + std::to_string(files_.size() + 1);
    files_[id] = req.get_file_value("file").content;
    if (req.get_file_value("purpose").content != "batch") res.status = 400;
    res.set_content(nlohmann::json{{"id", id}, {"object", "file"}, {"purpose", "batch"}}.dump(), "application/json");
  }

  void create(const httplib::Request& req, httplib::Response& res) {
    const std::lock_guard lock(mutex_);
    Batch b;
    b.request = nlohmann::json::parse(req.body);
    b.id = "batch_" + std::to_string(batches_.size() + 1);
    std::istringstream in(files_[b.request.at("input_file_id").get<std::string>()]);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      b.lines.push_back(nlohmann::json::parse(line));
      if (!seen_ids_.insert(b.lines.back().at("custom_id").get<std::string>()).second) ++duplicates_;
    }
    b.object = {{"id", b.id}, {"object", "batch"}, {"status", "validating"}, {"metadata", b.request.at("metadata")},
                {"request_counts", {{"total", b.lines.size()}, {"completed", 0}, {"failed", 0}}}};
    batches_.push_back(b);
    res.set_content(b.object.dump(), "application/json");
  }

  void create_anthropic(const httplib::Request& req, httplib::Response& res) {
    const std::lock_guard lock(mutex_);
    Batch b;
    b.anthropic = true;
    b.id = "msgbatch_" + std::to_string(batches_.size() + 1);
    const nlohmann::json body = nlohmann::json::parse(req.body);
    for (const nlohmann::json& r : body.at("requests")) {
      b.lines.push_back(r);
      if (!seen_ids_.insert(r.at("custom_id").get<std::string>()).second) ++duplicates_;
    }
    b.object = {{"id", b.id}, {"type", "message_batch"}, {"processing_status", "in_progress"},
                {"request_counts", {{"processing", b.lines.size()}, {"succeeded", 0}, {"errored", 0}, {"canceled", 0}, {"expired", 0}}}};
    batches_.push_back(b);
    res.set_content(b.object.dump(), "application/json");
  }

  void finish_anthropic(Batch& b, bool expire) {
    std::string results;
    int succeeded = 0, errored = 0, expired = 0;
    for (std::size_t i = 0; i < b.lines.size(); ++i) {
      const std::string custom_id = b.lines[i].at("custom_id");
      nlohmann::json result;
      if (expire && i % 2 == 1) {
        result = {{"type", "expired"}};
        ++expired;
      } else if (settings_.refuse.count(custom_id) > 0) {
        result = {{"type", "errored"}, {"error", {{"type", "error"}, {"error", {{"type", "invalid_request_error"}, {"message", "bad model"}}}}}};
        ++errored;
      } else {
        result = {{"type", "succeeded"}, {"message", nlohmann::json::parse(anthropic_tool_answer(nlohmann::json::parse(settings_.answer)))}};
        ++succeeded;
      }
      results += nlohmann::json{{"custom_id", custom_id}, {"result", result}}.dump() + "\n";
    }
    files_["results-" + b.id] = results;
    b.object["processing_status"] = "ended";
    b.object["request_counts"] = {{"processing", 0}, {"succeeded", succeeded}, {"errored", errored}, {"canceled", 0}, {"expired", expired}};
  }

  void list(httplib::Response& res) {
    const std::lock_guard lock(mutex_);
    nlohmann::json data = nlohmann::json::array();
    for (auto it = batches_.rbegin(); it != batches_.rend(); ++it) data.push_back(it->object);
    res.set_content(nlohmann::json{{"object", "list"}, {"data", data}, {"has_more", false}}.dump(), "application/json");
  }

  void retrieve(const std::string& id, httplib::Response& res) {
    const std::lock_guard lock(mutex_);
    for (std::size_t n = 0; n < batches_.size(); ++n) {
      Batch& b = batches_[n];
      if (b.id != id) continue;
      const bool over = b.object.value("status", "") == "completed" || b.object.value("status", "") == "expired" ||
                        b.object.value("processing_status", "") == "ended";
      const bool held = settings_.hold && static_cast<int>(n) >= settings_.hold_from;
      if (!held && ++b.polls >= settings_.polls && !over) {
        const bool expire = static_cast<int>(n) < settings_.expire_batches;
        if (b.anthropic) {
          finish_anthropic(b, expire);
        } else {
          finish(b, expire);
        }
      } else if (b.object.value("status", "") == "validating" || (held && !b.anthropic)) {
        b.object["status"] = held ? settings_.hold_as : "in_progress";
      }
      res.set_content(b.object.dump(), "application/json");
      return;
    }
    res.status = 404;
  }

  void finish(Batch& b, bool expire) {
    std::string output, errors;
    int done = 0, failed = 0;
    for (std::size_t i = 0; i < b.lines.size(); ++i) {
      const std::string custom_id = b.lines[i].at("custom_id");
      nlohmann::json row = {{"id", "batch_req_" + std::to_string(i)}, {"custom_id", custom_id}};
      if (expire && i % 2 == 1) {
        row["response"] = nullptr;
        row["error"] = {{"code", "batch_expired"}, {"message", "This request could not be executed before the completion window expired."}};
        errors += row.dump() + "\n";
        ++failed;
      } else if (settings_.refuse.count(custom_id) > 0) {
        row["response"] = {{"status_code", 400}, {"body", nlohmann::json::parse(error_answer("bad model"))}};
        row["error"] = nullptr;
        errors += row.dump() + "\n";
        ++failed;
      } else {
        row["response"] = {{"status_code", 200}, {"body", nlohmann::json::parse(openai_answer(settings_.answer))}};
        row["error"] = nullptr;
        output += row.dump() + "\n";
        ++done;
      }
    }
    const std::string out_id = "file-out-" + b.id, err_id = "file-err-" + b.id;
    files_[out_id] = output;
    files_[err_id] = errors;
    b.object["status"] = expire ? "expired" : "completed";
    b.object["output_file_id"] = out_id;
    b.object["error_file_id"] = errors.empty() ? nlohmann::json(nullptr) : nlohmann::json(err_id);
    b.object["request_counts"] = {{"total", b.lines.size()}, {"completed", done}, {"failed", failed}};
  }

  mutable std::mutex mutex_;
  Settings settings_;
  std::map<std::string, std::string> files_;
  std::vector<Batch> batches_;
  std::set<std::string> seen_ids_;
  std::vector<std::string> cancelled_;
  int duplicates_ = 0;
  int online_calls_ = 0;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace leadscout::test::llm
