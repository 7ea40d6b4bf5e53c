#include "leadscout/error.hpp"

namespace leadscout {

// Out of line, so that the vtable and type_info live in (and are exported from) the library:
// a catch in another shared object matches the same type.
Error::~Error() = default;

}  // namespace leadscout
