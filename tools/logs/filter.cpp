// `leadscout-logs filter`: the selected events as JSON lines or console lines.
#include "filter.hpp"

#include <string>

#include "exit_codes.hpp"
#include "pretty.hpp"

namespace leadscout::logs_tool {

int run_filter(const FilterOptions& opt, std::ostream& out, std::ostream& err) {
  std::string buf;
  buf.reserve(std::size_t{1} << 16);
  (void)for_each_event(opt.in, err, [&](const InputFile&, const Event& e) {
    if (opt.pretty) {
      render_pretty(e, buf);
    } else {
      buf.append(e.line);
      while (!buf.empty() && (buf.back() == '\r' || buf.back() == ' ')) buf.pop_back();
    }
    buf.push_back('\n');
    if (buf.size() >= (std::size_t{1} << 16)) {
      out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
      buf.clear();
    }
  });
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
  out.flush();
  return exit_ok;
}

}  // namespace leadscout::logs_tool
