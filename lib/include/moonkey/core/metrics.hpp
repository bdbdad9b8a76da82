#pragma once
// Prometheus metrics. Each core's thread writes only its own `core_metrics` (relaxed atomics, fixed storage
// sized at construction: no lock and no allocation on the hot path); a scrape on any thread reads every core
// through `metrics_registry::render()`, which sums counters across cores and writes the text format 0.0.4.

#include "moonkey/core/error.hpp"
#include "moonkey/domain/channel.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moonkey {

// The Content-Type to serve `metrics_registry::render()` with.
inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

// The counters, histograms and gauges of one core. Written only by its core's thread; read by any thread.
class alignas(64) core_metrics {
public:
    // Delivery providers (label `provider`).
    enum class provider { console, webhook, twilio, smtp };
    // What became of one message handed to a provider (label `outcome`).
    enum class message_outcome { sent, retry, failed, expired };
    // The result of an OTP verification (label `result`).
    enum class otp_result {
        ok,
        invalid_otp,
        otp_expired,
        too_many_attempts,
        otp_not_found,
        device_fingerprint_mismatch,
        other
    };
    // The rate limits that can refuse a request (label `limit`).
    using limit = rate_limit_kind;

    static constexpr std::size_t provider_count = 4;
    static constexpr std::size_t message_outcome_count = 4;
    static constexpr std::size_t otp_result_count = 7;
    static constexpr std::size_t limit_count = 6;
    static constexpr std::size_t channel_count = 2;

    // The HTTP statuses counted by their own label value; any other status is counted as "other".
    static constexpr std::array<unsigned, 13> tracked_statuses = {200, 400, 401, 404, 405, 409, 413,
                                                                  415, 422, 429, 431, 500, 503};
    static constexpr std::size_t status_count = tracked_statuses.size() + 1;  // + "other"

    // Upper bounds of the request-duration buckets, in nanoseconds (then +Inf).
    static constexpr std::array<std::int64_t, 14> duration_bounds_ns = {
        500'000,     1'000'000,   2'500'000,   5'000'000,     10'000'000,    25'000'000,    50'000'000,
        100'000'000, 250'000'000, 500'000'000, 1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};
    static constexpr std::size_t duration_bucket_count = duration_bounds_ns.size() + 1;  // + +Inf

    // Upper bounds of the delivery batch-size buckets, in messages (then +Inf).
    static constexpr std::array<std::uint64_t, 10> batch_bounds = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};
    static constexpr std::size_t batch_bucket_count = batch_bounds.size() + 1;  // + +Inf

    // Sizes the storage for `route_count` (>= 1) routes; a route index >= route_count is counted on route
    // `fallback_route` (the registry's "unmatched"). Throws std::invalid_argument on bad sizes.
    core_metrics(std::size_t route_count, std::size_t fallback_route);
    core_metrics(core_metrics const&) = delete;
    core_metrics& operator=(core_metrics const&) = delete;

    // Records one HTTP request: its count and its duration in the histogram of (route, status). `route` is
    // an index into the registry's routes; a status outside `tracked_statuses` is recorded as "other".
    void observe_request(std::size_t route, unsigned status, std::chrono::nanoseconds duration) noexcept;

    // Records one OTP sent on `ch`.
    void otp_sent(channel ch) noexcept;

    // Records one OTP verification with result `r`.
    void otp_verified(otp_result r) noexcept;

    // Records the size of one batch handed to provider `p` in its batch-size histogram.
    void delivery_batch(provider p, std::size_t size) noexcept;

    // Records `count` messages of provider `p` that ended with `o`.
    void delivery_outcome(provider p, message_outcome o, std::uint64_t count = 1) noexcept;

    // Records one error of provider `p` (a transport error or a refusal of a whole batch).
    void provider_error(provider p) noexcept;

    // Records one request refused by the rate limit `l`.
    void rate_limited(limit l) noexcept;

    // Sets this core's delivery queue depth (messages waiting); the registry reports the sum over cores.
    void set_queue_depth(std::size_t n) noexcept;

    // Sets the age in seconds of this core's oldest unsent message (0 when none); the registry reports the
    // maximum over cores.
    void set_oldest_unsent_age(double seconds) noexcept;

    // Returns the number of routes this core counts.
    std::size_t route_count() const noexcept { return route_count_; }

    // Returns the index of `status` in `tracked_statuses`, or `tracked_statuses.size()` for "other".
    static std::size_t status_index(unsigned status) noexcept;

    // Returns the `result` label that an OTP verification failing with `code` is counted under.
    static otp_result otp_result_of(errc code) noexcept;

    // Returns the provider named `name` ("console", "webhook", "twilio", "smtp"), or nothing.
    static std::optional<provider> provider_from_name(std::string_view name) noexcept;

private:
    friend class metrics_registry;
    using counter = std::atomic<std::uint64_t>;

    static void add(counter& c, std::uint64_t n = 1) noexcept { c.fetch_add(n, std::memory_order_relaxed); }
    std::size_t request_slot(std::size_t route, std::size_t status) const noexcept {
        return route * status_count + status;
    }

    std::size_t route_count_;
    std::size_t fallback_route_;
    // Per (route, status) slot: non-cumulative bucket counts (their total is the request count) ...
    std::unique_ptr<counter[]> request_buckets_;  // slot * duration_bucket_count + bucket
    // ... and the summed duration in nanoseconds.
    std::unique_ptr<counter[]> request_duration_sum_ns_;  // slot

    std::array<counter, channel_count> otp_sent_{};
    std::array<counter, otp_result_count> otp_verified_{};
    std::array<counter, provider_count * batch_bucket_count> batch_buckets_{};
    std::array<counter, provider_count> batch_size_sum_{};
    std::array<counter, provider_count * message_outcome_count> delivery_outcomes_{};
    std::array<counter, provider_count> provider_errors_{};
    std::array<counter, limit_count> rate_limited_{};
    counter queue_depth_{0};
    counter oldest_unsent_bits_{0};  // a double's bits; 0 is 0.0
};

// The process's metrics: the route names, one `core_metrics` per core, and process-wide gauges read through
// callbacks. Construct and register gauges before the server starts; afterwards `core()` and `render()` may
// be used from any thread.
class metrics_registry {
public:
    // Creates `cores` (at least one) `core_metrics` counting the routes `routes`. The route "unmatched" is
    // appended unless `routes` already names it; requests with no route are counted under it.
    metrics_registry(std::vector<std::string> routes, unsigned cores);

    // Returns the metrics of core `i` (i < core_count()), to be written by that core's thread only.
    core_metrics& core(unsigned i);

    // Returns the number of cores.
    unsigned core_count() const noexcept { return static_cast<unsigned>(cores_.size()); }

    // Returns the route names, in index order ("unmatched" included). Routes with the same name (one pattern,
    // several methods) are reported as one series.
    std::vector<std::string> const& routes() const noexcept { return routes_; }

    // Returns the index of the route named `name`, or unmatched_route() when there is none.
    std::size_t route_index(std::string_view name) const noexcept;

    // Returns the index of the "unmatched" route.
    std::size_t unmatched_route() const noexcept { return unmatched_; }

    // Registers a gauge `name` with `help`, whose value `read` returns at scrape time, on the scraping thread
    // (so it must be thread-safe). Not thread-safe against render(): register before the server starts.
    // Throws std::invalid_argument if `name` is not a valid metric name or is already taken.
    void add_gauge(std::string name, std::string help, std::function<double()> read);

    // Returns every metric in the Prometheus text exposition format 0.0.4 (serve with metrics_content_type).
    // Counters and histograms are summed across cores; request series appear once they count a request,
    // the OTP, delivery and rate-limit series always appear, zeros included.
    std::string render() const;

private:
    struct gauge {
        std::string name;
        std::string help;
        std::function<double()> read;
    };

    std::vector<std::string> routes_;
    std::size_t unmatched_;
    std::vector<std::unique_ptr<core_metrics>> cores_;
    std::vector<gauge> gauges_;
};

}  // namespace moonkey
