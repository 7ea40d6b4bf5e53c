// The one exception type of leadscout's setup failures.
#pragma once

#include <stdexcept>
#include <string>

#include "leadscout/log/export.hpp"

namespace leadscout {

/// A usage or setup error: a bad configuration or environment value, an invalid option, a
/// journal of another input, a port that cannot be bound. The message names the culprit.
/// Every part of the library throws this one type (log::ConfigError, batch::Error and
/// monitor::Error are other names of it), so one `catch (const leadscout::Error&)` covers
/// every setup failure.
class LEADSCOUT_LOG_EXPORT Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  ///@{
  /// Copyable, as exceptions are.
  Error(const Error&) = default;
  Error& operator=(const Error&) = default;
  ///@}
  ~Error() override;
};

}  // namespace leadscout
