// The progress files of a directory, read and validated.
#include "scan.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <utility>

#include <nlohmann/json.hpp>

#include "text.hpp"

namespace leadscout::status {

namespace fs = std::filesystem;
using text::one_line;

namespace {

constexpr std::string_view json_suffix = ".json";
constexpr std::string_view shard_marker = ".shard-";

/// Parses all of `text` as an unsigned number.
template <class T>
std::optional<T> parse_number(std::string_view text) {
  T value{};
  if (text.empty()) return std::nullopt;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), value);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<ProgressName> parse_progress_name(std::string_view filename) {
  if (filename.empty() || filename.front() == '.') return std::nullopt;
  if (filename.size() <= json_suffix.size() || !filename.ends_with(json_suffix)) return std::nullopt;
  if (filename == "batch-status.json") return std::nullopt;
  const std::string_view stem = filename.substr(0, filename.size() - json_suffix.size());
  ProgressName name;
  name.operation = std::string(stem);
  if (const auto pos = stem.rfind(shard_marker); pos != std::string_view::npos && pos > 0) {
    const std::string_view spec = stem.substr(pos + shard_marker.size());
    if (const auto of = spec.find("-of-"); of != std::string_view::npos) {
      const auto index = parse_number<std::uint32_t>(spec.substr(0, of));
      const auto count = parse_number<std::uint32_t>(spec.substr(of + 4));
      if (index && count && *index < *count) {
        name.operation = std::string(stem.substr(0, pos));
        name.shard = lb::ShardSpec{*index, *count};
      }
    }
  }
  return name;
}

std::variant<ShardFile, FileError> read_progress_file(const fs::path& file, const ProgressName& name) {
  const auto fail = [&](std::string message) {
    return FileError{file, name.operation, one_line(std::move(message))};
  };
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return fail("cannot read");
  const std::string text = content.str();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return fail("empty file (half-written?)");

  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return fail(std::string("not valid JSON (truncated or corrupt): ") + e.what());
  }
  if (!j.is_object()) return fail("not a JSON object");
  if (const auto it = j.find("schema_version");
      it != j.end() && it->is_number_integer() && it->get<int>() != lb::ProgressSnapshot::current_schema_version) {
    return fail("unsupported schema_version " + it->dump() + " (this tool reads " +
                std::to_string(lb::ProgressSnapshot::current_schema_version) + ")");
  }
  ShardFile f;
  f.file = file;
  f.name = name;
  try {
    f.snapshot = j.get<lb::ProgressSnapshot>();
  } catch (const nlohmann::json::exception& e) {
    return fail(std::string("not a progress file: ") + e.what());
  }
  const auto heartbeat = parse_iso8601(f.snapshot.timestamp);
  if (!heartbeat) return fail("unreadable timestamp '" + f.snapshot.timestamp + "'");
  f.heartbeat = *heartbeat;
  return f;
}

ScanResult scan_directory(const fs::path& dir, std::string_view operation) {
  std::error_code ec;
  const auto st = fs::status(dir, ec);
  if (!fs::exists(st)) throw std::runtime_error("progress directory " + dir.string() + " does not exist");
  if (!fs::is_directory(st)) throw std::runtime_error("progress directory " + dir.string() + " is not a directory");
  fs::directory_iterator it(dir, ec);
  if (ec) throw std::runtime_error("cannot read progress directory " + dir.string() + ": " + ec.message());

  ScanResult result;
  for (const fs::directory_iterator end; it != end; it.increment(ec)) {
    if (ec) throw std::runtime_error("cannot read progress directory " + dir.string() + ": " + ec.message());
    const auto name = parse_progress_name(it->path().filename().string());
    if (!name || (!operation.empty() && name->operation != operation)) continue;
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    auto read = read_progress_file(it->path(), *name);
    if (auto* ok = std::get_if<ShardFile>(&read)) {
      result.files.push_back(std::move(*ok));
    } else {
      result.errors.push_back(std::get<FileError>(std::move(read)));
    }
  }
  std::sort(result.files.begin(), result.files.end(), [](const ShardFile& a, const ShardFile& b) {
    const auto key = [](const ShardFile& f) {
      return std::tuple<const std::string&, std::uint32_t, std::uint32_t>(
          f.name.operation, f.name.shard ? f.name.shard->count : 0U, f.name.shard ? f.name.shard->index : 0U);
    };
    return key(a) < key(b);
  });
  std::sort(result.errors.begin(), result.errors.end(),
            [](const FileError& a, const FileError& b) { return a.file < b.file; });
  return result;
}

}  // namespace leadscout::status
