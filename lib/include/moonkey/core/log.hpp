#pragma once
// Structured logs: one JSON object per line on stdout, written whole so threads never interleave.
// Never pass a code, key or token here.

#include <boost/json/object.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace moonkey::log {

enum class level { debug, info, warn, error };

// Sets the lowest level written; returns false for an unknown name.
bool set_level(std::string_view name);

bool enabled(level lvl);

// Writes {"time":…, "level":…, "msg": message, …fields} as one line.
void write(level lvl, std::string_view message, boost::json::object fields = {});

inline void debug(std::string_view m, boost::json::object f = {}) { write(level::debug, m, std::move(f)); }
inline void info(std::string_view m, boost::json::object f = {}) { write(level::info, m, std::move(f)); }
inline void warn(std::string_view m, boost::json::object f = {}) { write(level::warn, m, std::move(f)); }
inline void error(std::string_view m, boost::json::object f = {}) { write(level::error, m, std::move(f)); }

// Returns the current UTC time as "2026-11-23T17:26:24.123Z".
std::string timestamp();

// Writes a raw, already serialized JSON line (the console delivery provider).
void write_line(std::string_view json_line);

// Sends every line to `sink` instead of stdout (tests read the console delivery this way); an
// empty function restores stdout. Set it before the server starts.
void set_sink(std::function<void(std::string_view)> sink);

}  // namespace moonkey::log
