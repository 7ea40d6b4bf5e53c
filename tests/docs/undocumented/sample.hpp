// A header the reference check must reject: one public function has no comment.
#pragma once

/// A namespace whose members must all be documented.
namespace sample {

/// Documented: adds one.
inline int next(int x) { return x + 1; }

inline int previous(int x) { return x - 1; }

}  // namespace sample
