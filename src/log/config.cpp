#include "leadscout/log/config.hpp"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "log_file_name.hpp"
#include "shard_env.hpp"
#include "strings.hpp"

namespace leadscout::log {

namespace {

constexpr std::string_view level_names = "trace, debug, info, warning, error, critical, off";

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

[[noreturn]] void bad_env(std::string_view name, std::string_view value, std::string_view expected) {
  throw leadscout::Error(fmt::format("{}=\"{}\" is not valid: expected {}", name, value, expected));
}

/// Picks the value of `name` out of `choices` ({"on", x}, ...), or throws naming them.
template <class T>
T parse_choice(const char* name, std::string_view value, std::initializer_list<std::pair<std::string_view, T>> choices) {
  std::string expected;
  for (const auto& [text, v] : choices) {
    if (value == text) return v;
    expected += expected.empty() ? "one of " : ", ";
    expected += text;
  }
  bad_env(name, value, expected);
}

std::uint64_t parse_uint(const char* name, std::string_view value, std::uint64_t min, std::uint64_t max) {
  std::uint64_t v = 0;
  const auto res = std::from_chars(value.data(), value.data() + value.size(), v);
  if (res.ec != std::errc() || res.ptr != value.data() + value.size() || v < min || v > max) {
    bad_env(name, value, fmt::format("a whole number from {} to {}", min, max));
  }
  return v;
}

Level parse_level_or_throw(const char* name, std::string_view value) {
  const auto level = parse_level(value);
  if (!level) bad_env(name, value, fmt::format("one of {}", level_names));
  return *level;
}

/// LEADSCOUT_LOG_INSTANCE, else the shard's name under a shard spec of two or more shards.
std::string instance_from_env() {
  if (const char* v = env("LEADSCOUT_LOG_INSTANCE")) {
    if (!common::valid_instance_name(v)) bad_env("LEADSCOUT_LOG_INSTANCE", v, "letters, digits, '-' and '_' only");
    return v;
  }
  std::string error;
  const auto shard = common::shard_spec_from_env(error);
  if (!error.empty()) throw leadscout::Error(error);
  return shard && shard->count > 1 ? common::shard_name(*shard) : std::string();
}

// ---- routes file ---------------------------------------------------------------------

/// Line number of byte offset `at` in text (1-based).
std::size_t line_at(std::string_view text, std::size_t at) {
  std::size_t line = 1;
  for (std::size_t i = 0; i < at && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

/// Best-effort line of `"key"` inside the index-th element of the "routes" array, found by a
/// small scanner (nlohmann does not keep positions), so errors can name the line.
std::size_t line_of_route_key(std::string_view text, std::size_t index, std::string_view key) {
  const std::size_t routes = text.find("\"routes\"");
  if (routes == std::string_view::npos) return 0;
  std::size_t i = text.find('[', routes);
  if (i == std::string_view::npos) return 0;
  int depth = 0;
  std::size_t element = 0, element_start = i + 1;
  for (++i; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      const std::size_t start = i;
      for (++i; i < text.size() && text[i] != '"'; ++i) i += text[i] == '\\';
      if (depth == 1 && element == index && !key.empty() &&
          text.substr(start + 1, i - start - 1) == key) {
        return line_at(text, start);
      }
    } else if (c == '{' || c == '[') {
      if (depth++ == 0 && element == index) element_start = i;
    } else if (c == '}' || c == ']') {
      if (--depth < 0) break;
    } else if (c == ',' && depth == 0) {
      if (element++ == index) break;
    }
  }
  return element >= index ? line_at(text, element_start) : 0;
}

Route parse_route(const nlohmann::json& j, std::size_t index, std::string_view text, const std::string& file) {
  auto fail = [&](std::string_view key, const std::string& why) -> leadscout::Error {
    const std::size_t line = line_of_route_key(text, index, key);
    return leadscout::Error(fmt::format("{}:{}: routes[{}]{}{}: {}", file, line, index, key.empty() ? "" : ".", key, why));
  };
  if (!j.is_object()) throw fail("", "a route must be an object");
  Route r;
  bool has_file = false;
  for (const auto& [key, value] : j.items()) {
    if (key == "file") {
      if (!value.is_string() || value.get<std::string>().empty()) throw fail(key, "expected a non-empty string");
      r.file = value.get<std::string>();
      has_file = true;
    } else if (key == "loggers") {
      if (!value.is_array()) throw fail(key, "expected an array of logger globs");
      for (const auto& g : value) {
        if (!g.is_string()) throw fail(key, "expected an array of logger globs");
        r.loggers.push_back(g.get<std::string>());
      }
    } else if (key == "min_level" || key == "max_level") {
      const auto level = value.is_string() ? parse_level(value.get<std::string>()) : std::nullopt;
      if (!level) throw fail(key, fmt::format("got {}, expected one of {}", value.dump(), level_names));
      (key == "min_level" ? r.min_level : r.max_level) = *level;
    } else if (key == "format") {
      if (value == "json") {
        r.format = Format::json;
      } else if (value == "console") {
        r.format = Format::console;
      } else {
        throw fail(key, fmt::format("got {}, expected \"json\" or \"console\"", value.dump()));
      }
    } else {
      throw fail(key, "unknown key; expected file, loggers, min_level, max_level, format");
    }
  }
  if (!has_file) throw fail("", "missing \"file\"");
  if (r.min_level > r.max_level) throw fail("min_level", "min_level is above max_level");
  return r;
}

}  // namespace

void parse_level_spec(std::string_view spec, Config& cfg, std::string_view what) {
  std::vector<std::pair<std::string, Level>> per_logger;
  Level global = cfg.level;
  std::string_view rest = spec;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = common::trim_blanks(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    const std::string_view name = eq == std::string_view::npos ? std::string_view() : common::trim_blanks(item.substr(0, eq));
    const std::string_view level_text = eq == std::string_view::npos ? item : common::trim_blanks(item.substr(eq + 1));
    const auto level = parse_level(level_text);
    if (!level || (eq != std::string_view::npos && name.empty())) {
      throw leadscout::Error(fmt::format("{}=\"{}\" is not valid: \"{}\" {}; expected LEVEL or LOGGER=LEVEL, "
                                    "comma-separated, with LEVEL one of {}",
                                    what, spec, item, level ? "has no logger name" : "has an unknown level",
                                    level_names));
    }
    if (name.empty()) {
      global = *level;
    } else {
      per_logger.emplace_back(std::string(name), *level);
    }
  }
  cfg.level = global;
  cfg.logger_levels = std::move(per_logger);
}

namespace {

/// One row of the standard log tree (docs/log-schema.md lists the same rows).
struct StandardRoute {
  std::string_view file;
  std::string_view loggers;  ///< comma-separated globs, as Route::loggers
  Level min_level;
  bool console_format;  ///< always human lines, whatever the tree's file format
};

constexpr StandardRoute standard_tree[] = {
    {"debug/classification-{date}.log", "classification", Level::debug, false},
    {"debug/api-calls-{date}.log", "api", Level::debug, false},
    {"debug/performance-{date}.log", "performance", Level::debug, false},
    {"production/operations-{date}.log", "*,!progress", Level::info, false},
    {"production/errors-{date}.log", "*", Level::error, false},
    {"production/metrics-{date}.log", "metrics", Level::info, false},
    {"progress/current-operation.log", "progress", Level::trace, true},
};

std::vector<std::string> split_globs(std::string_view globs) {
  std::vector<std::string> out;
  while (!globs.empty()) {
    const std::size_t comma = globs.find(',');
    out.emplace_back(globs.substr(0, comma));
    globs = comma == std::string_view::npos ? std::string_view() : globs.substr(comma + 1);
  }
  return out;
}

}  // namespace

std::vector<Route> Config::default_routes(Format file_format) {
  std::vector<Route> routes;
  for (const StandardRoute& row : standard_tree) {
    routes.push_back(Route{std::string(row.file), split_globs(row.loggers), row.min_level, Level::critical,
                           row.console_format ? Format::console : file_format});
  }
  return routes;
}

std::vector<std::string> Config::default_console_loggers() { return {"*", "!progress"}; }

void Config::load_routes_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw leadscout::Error(fmt::format("cannot read log routes file {}", file.string()));
  std::stringstream buffer;
  buffer << in.rdbuf();
  load_routes(buffer.str(), file.string());
}

void Config::load_routes(std::string_view text, const std::string& source) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw leadscout::Error(fmt::format("{}:{}: invalid JSON: {}", source, line_at(text, e.byte == 0 ? 0 : e.byte - 1),
                                  e.what()));
  } catch (const nlohmann::json::exception& e) {  // e.g. a number too large for a double (found by fuzzing)
    throw leadscout::Error(fmt::format("{}: invalid JSON: {}", source, e.what()));
  }
  if (!doc.is_object()) throw leadscout::Error(fmt::format("{}:1: expected an object with \"routes\"", source));
  bool replace = false;
  std::vector<Route> loaded;
  for (const auto& [key, value] : doc.items()) {
    if (key == "replace_default_routes") {
      if (!value.is_boolean()) {
        throw leadscout::Error(fmt::format("{}: replace_default_routes: expected true or false", source));
      }
      replace = value.get<bool>();
    } else if (key == "routes") {
      if (!value.is_array()) throw leadscout::Error(fmt::format("{}: routes: expected an array", source));
      for (std::size_t i = 0; i < value.size(); ++i) loaded.push_back(parse_route(value[i], i, text, source));
    } else {
      throw leadscout::Error(fmt::format("{}: unknown key \"{}\"; expected routes, replace_default_routes", source,
                                    key));
    }
  }
  if (replace) routes.clear();
  routes.insert(routes.end(), loaded.begin(), loaded.end());
}

Config Config::from_env() { return from_env(Config()); }

Config Config::from_env(Config base) {
  Config cfg = std::move(base);
  if (const char* v = env("LEADSCOUT_LOG_LEVEL")) parse_level_spec(v, cfg);
  if (const char* v = env("LEADSCOUT_LOG_DIR")) cfg.dir = v;
  if (const char* v = env("LEADSCOUT_LOG_FORMAT")) {
    const Format format = parse_choice<Format>("LEADSCOUT_LOG_FORMAT", v, {{"json", Format::json},
                                                                            {"console", Format::console}});
    // The tree's JSON files take the format; its human files (progress lines) stay human.
    for (Route& r : cfg.routes) {
      if (!r.sink && r.format == Format::json) r.format = format;
    }
  }
  if (const char* v = env("LEADSCOUT_LOG_CONSOLE")) {
    cfg.console = parse_choice<ConsoleMode>(
        "LEADSCOUT_LOG_CONSOLE", v, {{"auto", ConsoleMode::automatic}, {"on", ConsoleMode::on}, {"off", ConsoleMode::off}});
  }
  if (const char* v = env("LEADSCOUT_LOG_CONSOLE_LEVEL")) cfg.console_level = parse_level_or_throw("LEADSCOUT_LOG_CONSOLE_LEVEL", v);
  if (const char* v = env("LEADSCOUT_LOG_ASYNC")) {
    cfg.async = parse_choice<bool>("LEADSCOUT_LOG_ASYNC", v, {{"on", true}, {"off", false}});
  }
  if (const char* v = env("LEADSCOUT_LOG_QUEUE")) cfg.queue_size = parse_uint("LEADSCOUT_LOG_QUEUE", v, 16, 1u << 24);
  if (const char* v = env("LEADSCOUT_LOG_OVERFLOW")) {
    cfg.overflow = parse_choice<Overflow>("LEADSCOUT_LOG_OVERFLOW", v, {{"block", Overflow::block}, {"drop", Overflow::drop}});
  }
  if (const char* v = env("LEADSCOUT_LOG_RETENTION_DAYS")) {
    cfg.retention_days = static_cast<int>(parse_uint("LEADSCOUT_LOG_RETENTION_DAYS", v, 0, 36500));
  }
  if (const char* v = env("LEADSCOUT_LOG_TZ")) {
    cfg.time_zone = parse_choice<TimeZone>("LEADSCOUT_LOG_TZ", v, {{"utc", TimeZone::utc}, {"local", TimeZone::local}});
  }
  if (const char* v = env("LEADSCOUT_LOG_CONFIG")) {
    try {
      cfg.load_routes_file(v);
    } catch (const leadscout::Error& e) {
      throw leadscout::Error(fmt::format("LEADSCOUT_LOG_CONFIG=\"{}\": {}", v, e.what()));
    }
  }
  if (const char* v = env("LEADSCOUT_LOG_REDACT")) {
    std::string_view rest = v;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view name = common::trim_blanks(rest.substr(0, comma));
      if (!name.empty()) cfg.redact_keys.emplace_back(name);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  if (const char* v = env("LEADSCOUT_ALERT_COMMAND")) cfg.alerts.command = v;
  if (const char* v = env("LEADSCOUT_ALERT_LEVEL")) {
    cfg.alerts.level = parse_choice<Level>("LEADSCOUT_ALERT_LEVEL", v, {{"warning", Level::warning},
                                                                         {"error", Level::error},
                                                                         {"critical", Level::critical}});
  }
  if (const char* v = env("LEADSCOUT_ALERT_WINDOW")) {
    cfg.alerts.window = std::chrono::seconds(parse_uint("LEADSCOUT_ALERT_WINDOW", v, 0, 7 * 86400));
  }
  if (const char* v = env("LEADSCOUT_ALERT_TIMEOUT")) {
    cfg.alerts.command_timeout = std::chrono::seconds(parse_uint("LEADSCOUT_ALERT_TIMEOUT", v, 1, 3600));
  }
  if (const char* v = env("LEADSCOUT_LOG_SOURCE")) {
    cfg.source_location = parse_choice<SourceMode>(
        "LEADSCOUT_LOG_SOURCE", v, {{"off", SourceMode::off}, {"debug", SourceMode::debug}, {"all", SourceMode::all}});
  }
  if (const char* v = env("LEADSCOUT_LOG_MAX_LINE")) cfg.max_line = parse_uint("LEADSCOUT_LOG_MAX_LINE", v, 1024, 16u << 20);
  cfg.instance = instance_from_env();
  return cfg;
}

}  // namespace leadscout::log
