// leadscout — structured logging and resumable batch processing for C++20.
// The one place the version is written; CMake parses it into project(VERSION).
#pragma once

#define LEADSCOUT_VERSION_MAJOR 0
#define LEADSCOUT_VERSION_MINOR 3
#define LEADSCOUT_VERSION_PATCH 0
#define LEADSCOUT_VERSION_STRING "0.3.0"

namespace leadscout {
/// The library's version as "MAJOR.MINOR.PATCH".
inline constexpr const char* version = LEADSCOUT_VERSION_STRING;
}  // namespace leadscout
