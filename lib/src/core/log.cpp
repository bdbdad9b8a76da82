#include "moonkey/core/log.hpp"

#include <boost/json/serialize.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <unistd.h>

namespace moonkey::log {
namespace {

std::atomic<level> threshold{level::info};
std::function<void(std::string_view)> line_sink;

std::string_view name_of(level lvl) {
    switch (lvl) {
        case level::debug: return "debug";
        case level::info: return "info";
        case level::warn: return "warn";
        case level::error: return "error";
    }
    return "info";
}

}  // namespace

std::string timestamp() {
    using namespace std::chrono;
    auto now = system_clock::now();
    auto seconds = system_clock::to_time_t(now);
    auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    auto n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(millis));
    return text;
}

bool set_level(std::string_view name) {
    for (auto lvl : {level::debug, level::info, level::warn, level::error}) {
        if (name_of(lvl) == name) {
            threshold = lvl;
            return true;
        }
    }
    return false;
}

bool enabled(level lvl) { return lvl >= threshold.load(std::memory_order_relaxed); }

void write(level lvl, std::string_view message, boost::json::object fields) {
    if (!enabled(lvl)) return;
    boost::json::object line;
    line["time"] = timestamp();
    line["level"] = name_of(lvl);
    line["msg"] = message;
    for (auto& field : fields) line[field.key()] = std::move(field.value());
    write_line(boost::json::serialize(line));
}

void set_sink(std::function<void(std::string_view)> sink) { line_sink = std::move(sink); }

void write_line(std::string_view json_line) {
    if (line_sink) {
        line_sink(json_line);
        return;
    }
    std::string out;
    out.reserve(json_line.size() + 1);
    out.append(json_line).push_back('\n');
    // One write(2) per line: whole lines even with many threads (pipes and journald keep them whole).
    std::size_t done = 0;
    while (done < out.size()) {
        auto n = ::write(STDOUT_FILENO, out.data() + done, out.size() - done);
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace moonkey::log
