#include "moonkey/core/metrics.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <unordered_map>

namespace moonkey {

namespace {

constexpr std::array<std::string_view, core_metrics::provider_count> provider_names = {"console", "webhook",
                                                                                       "twilio", "smtp"};
constexpr std::array<std::string_view, core_metrics::message_outcome_count> outcome_names = {
    "sent", "retry", "failed", "expired"};
constexpr std::array<std::string_view, core_metrics::otp_result_count> otp_result_names = {
    "ok",   "invalid_otp", "otp_expired", "too_many_attempts", "otp_not_found", "device_fingerprint_mismatch",
    "other"};
constexpr std::array<std::string_view, core_metrics::limit_count> limit_names = {
    "destination", "ip_send", "ip_verify", "prefix", "daily_sms", "public_token"};
constexpr std::array<std::string_view, core_metrics::channel_count> channel_names = {"sms", "email"};

// The `le` label values, matching core_metrics::duration_bounds_ns and core_metrics::batch_bounds.
constexpr std::array<std::string_view, core_metrics::duration_bucket_count> duration_le = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
    "0.25",   "0.5",   "1",      "2.5",   "5",    "10",    "+Inf"};
constexpr std::array<std::string_view, core_metrics::batch_bucket_count> batch_le = {
    "1", "2", "5", "10", "20", "50", "100", "200", "500", "1000", "+Inf"};

constexpr std::string_view requests_total = "moonkey_http_requests_total";
constexpr std::string_view request_duration = "moonkey_http_request_duration_seconds";
constexpr std::string_view otp_sent_total = "moonkey_otp_sent_total";
constexpr std::string_view otp_verified_total = "moonkey_otp_verified_total";
constexpr std::string_view batch_size = "moonkey_delivery_batch_size";
constexpr std::string_view messages_total = "moonkey_delivery_messages_total";
constexpr std::string_view provider_errors_total = "moonkey_delivery_provider_errors_total";
constexpr std::string_view rate_limited_total = "moonkey_rate_limited_total";
constexpr std::string_view queue_depth = "moonkey_delivery_queue_depth";
constexpr std::string_view oldest_unsent = "moonkey_delivery_oldest_unsent_seconds";

constexpr std::array<std::string_view, 10> builtin_families = {
    requests_total, request_duration,      otp_sent_total,     otp_verified_total, batch_size,
    messages_total, provider_errors_total, rate_limited_total, queue_depth,        oldest_unsent};

std::uint64_t load(std::atomic<std::uint64_t> const& c) noexcept {
    return c.load(std::memory_order_relaxed);
}

// Returns `e` as an index if it is one of the `count` enumerators, or `count` if it is not.
template <class Enum>
std::size_t index_of(Enum e, std::size_t count) noexcept {
    auto const i = static_cast<std::size_t>(e);
    return i < count ? i : count;
}

bool valid_metric_name(std::string_view name) {
    if (name.empty()) return false;
    auto const first = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    };
    auto const rest = [&](char c) { return first(c) || (c >= '0' && c <= '9'); };
    return first(name.front()) && std::all_of(name.begin() + 1, name.end(), rest);
}

void append_uint(std::string& out, std::uint64_t v) {
    char buf[24];
    auto const r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

// Writes `v` as Prometheus reads it: shortest round-trip decimal, NaN, +Inf or -Inf.
void append_double(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
    } else if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
    } else {
        char buf[32];
        auto const r = std::to_chars(buf, buf + sizeof buf, v);
        out.append(buf, r.ptr);
    }
}

// Escapes backslash and newline, and the double quote too in a label value (HELP text keeps it).
void append_escaped(std::string& out, std::string_view v, bool escape_quote) {
    for (char c : v) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '"' && escape_quote) {
            out += "\\\"";
        } else {
            out += c;
        }
    }
}

void append_label_value(std::string& out, std::string_view v) { append_escaped(out, v, true); }

void append_help_text(std::string& out, std::string_view v) { append_escaped(out, v, false); }

void append_header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
    out += "# HELP ";
    out += name;
    out += ' ';
    append_help_text(out, help);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

using label = std::pair<std::string_view, std::string_view>;

// Writes `name{labels} ` (or `name `), ready for the value.
void append_series(std::string& out, std::string_view name, std::initializer_list<label> labels) {
    out += name;
    if (labels.size() != 0) {
        out += '{';
        bool first = true;
        for (auto const& [key, value] : labels) {
            if (!first) out += ',';
            first = false;
            out += key;
            out += "=\"";
            append_label_value(out, value);
            out += '"';
        }
        out += '}';
    }
    out += ' ';
}

void append_sample(std::string& out, std::string_view name, std::initializer_list<label> labels,
                   std::uint64_t v) {
    append_series(out, name, labels);
    append_uint(out, v);
    out += '\n';
}

void append_sample(std::string& out, std::string_view name, std::initializer_list<label> labels, double v) {
    append_series(out, name, labels);
    append_double(out, v);
    out += '\n';
}

std::string_view status_label(std::size_t status, char (&buf)[8]) {
    if (status >= core_metrics::tracked_statuses.size()) return "other";
    auto const r = std::to_chars(buf, buf + sizeof buf, core_metrics::tracked_statuses[status]);
    return {buf, static_cast<std::size_t>(r.ptr - buf)};
}

}  // namespace

// ---- core_metrics

core_metrics::core_metrics(std::size_t route_count, std::size_t fallback_route)
    : route_count_(route_count), fallback_route_(fallback_route) {
    if (route_count == 0 || fallback_route >= route_count)
        throw std::invalid_argument("core_metrics: need at least one route and a fallback route among them");
    // Value-initialized: std::atomic's default constructor zeroes since C++20.
    request_buckets_ = std::make_unique<counter[]>(route_count * status_count * duration_bucket_count);
    request_duration_sum_ns_ = std::make_unique<counter[]>(route_count * status_count);
}

void core_metrics::observe_request(std::size_t route, unsigned status,
                                   std::chrono::nanoseconds duration) noexcept {
    if (route >= route_count_) route = fallback_route_;
    auto const ns = std::max<std::int64_t>(duration.count(), 0);
    auto const bucket =
        static_cast<std::size_t>(std::lower_bound(duration_bounds_ns.begin(), duration_bounds_ns.end(), ns)
                                 - duration_bounds_ns.begin());
    auto const slot = request_slot(route, status_index(status));
    add(request_buckets_[slot * duration_bucket_count + bucket]);
    add(request_duration_sum_ns_[slot], static_cast<std::uint64_t>(ns));
}

void core_metrics::otp_sent(channel ch) noexcept {
    switch (ch) {
        case channel::sms:
            add(otp_sent_[0]);
            return;
        case channel::email:
            add(otp_sent_[1]);
            return;
    }
}

void core_metrics::otp_verified(otp_result r) noexcept {
    auto const i = index_of(r, otp_result_count);
    add(otp_verified_[i < otp_result_count ? i : static_cast<std::size_t>(otp_result::other)]);
}

void core_metrics::delivery_batch(provider p, std::size_t size) noexcept {
    auto const i = index_of(p, provider_count);
    if (i == provider_count) return;
    auto const n = static_cast<std::uint64_t>(size);
    auto const bucket = static_cast<std::size_t>(std::lower_bound(batch_bounds.begin(), batch_bounds.end(), n)
                                                 - batch_bounds.begin());
    add(batch_buckets_[i * batch_bucket_count + bucket]);
    add(batch_size_sum_[i], n);
}

void core_metrics::delivery_outcome(provider p, message_outcome o, std::uint64_t count) noexcept {
    auto const i = index_of(p, provider_count);
    auto const j = index_of(o, message_outcome_count);
    if (i == provider_count || j == message_outcome_count) return;
    add(delivery_outcomes_[i * message_outcome_count + j], count);
}

void core_metrics::provider_error(provider p) noexcept {
    auto const i = index_of(p, provider_count);
    if (i != provider_count) add(provider_errors_[i]);
}

void core_metrics::rate_limited(limit l) noexcept {
    auto const i = index_of(l, limit_count);
    if (i != limit_count) add(rate_limited_[i]);
}

void core_metrics::set_queue_depth(std::size_t n) noexcept {
    queue_depth_.store(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
}

void core_metrics::set_oldest_unsent_age(double seconds) noexcept {
    if (!(seconds > 0)) seconds = 0;  // also NaN
    oldest_unsent_bits_.store(std::bit_cast<std::uint64_t>(seconds), std::memory_order_relaxed);
}

std::size_t core_metrics::status_index(unsigned status) noexcept {
    auto const it = std::find(tracked_statuses.begin(), tracked_statuses.end(), status);
    return static_cast<std::size_t>(it - tracked_statuses.begin());
}

core_metrics::otp_result core_metrics::otp_result_of(errc code) noexcept {
    switch (code) {
        case errc::invalid_otp:
            return otp_result::invalid_otp;
        case errc::otp_expired:
            return otp_result::otp_expired;
        case errc::too_many_attempts:
            return otp_result::too_many_attempts;
        case errc::otp_not_found:
            return otp_result::otp_not_found;
        case errc::device_fingerprint_mismatch:
            return otp_result::device_fingerprint_mismatch;
        default:
            return otp_result::other;
    }
}

std::optional<core_metrics::provider> core_metrics::provider_from_name(std::string_view name) noexcept {
    for (std::size_t i = 0; i < provider_count; ++i)
        if (provider_names[i] == name) return static_cast<provider>(i);
    return std::nullopt;
}

// ---- metrics_registry

metrics_registry::metrics_registry(std::vector<std::string> routes, unsigned cores)
    : routes_(std::move(routes)) {
    auto const it = std::find(routes_.begin(), routes_.end(), "unmatched");
    if (it == routes_.end()) {
        unmatched_ = routes_.size();
        routes_.emplace_back("unmatched");
    } else {
        unmatched_ = static_cast<std::size_t>(it - routes_.begin());
    }
    cores_.reserve(std::max(cores, 1u));
    for (unsigned i = 0; i < std::max(cores, 1u); ++i)
        cores_.push_back(std::make_unique<core_metrics>(routes_.size(), unmatched_));
}

core_metrics& metrics_registry::core(unsigned i) {
    if (i >= cores_.size()) throw std::out_of_range("metrics_registry::core: no such core");
    return *cores_[i];
}

std::size_t metrics_registry::route_index(std::string_view name) const noexcept {
    auto const it = std::find(routes_.begin(), routes_.end(), name);
    return it == routes_.end() ? unmatched_ : static_cast<std::size_t>(it - routes_.begin());
}

void metrics_registry::add_gauge(std::string name, std::string help, std::function<double()> read) {
    if (!valid_metric_name(name)) throw std::invalid_argument("add_gauge: invalid metric name: " + name);
    if (!read) throw std::invalid_argument("add_gauge: no read function for " + name);
    auto const taken = [&](std::string_view n) { return n == name; };
    if (std::any_of(builtin_families.begin(), builtin_families.end(), taken)
        || std::any_of(gauges_.begin(), gauges_.end(), [&](gauge const& g) { return g.name == name; }))
        throw std::invalid_argument("add_gauge: metric name already taken: " + name);
    gauges_.push_back(gauge{std::move(name), std::move(help), std::move(read)});
}

std::string metrics_registry::render() const {
    using cm = core_metrics;
    std::string out;
    out.reserve(16 * 1024);

    // ---- HTTP requests, summed over cores and over routes that share a name.
    std::vector<std::size_t> series_of(routes_.size());  // route index -> first index with the same name
    {
        std::unordered_map<std::string_view, std::size_t> first;
        for (std::size_t r = 0; r < routes_.size(); ++r)
            series_of[r] = first.try_emplace(routes_[r], r).first->second;
    }
    auto const slots = routes_.size() * cm::status_count;
    std::vector<std::uint64_t> buckets(slots * cm::duration_bucket_count);
    std::vector<std::uint64_t> sum_ns(slots);
    for (auto const& c : cores_) {
        for (std::size_t r = 0; r < routes_.size(); ++r) {
            for (std::size_t s = 0; s < cm::status_count; ++s) {
                auto const from = c->request_slot(r, s);
                auto const to = series_of[r] * cm::status_count + s;
                for (std::size_t b = 0; b < cm::duration_bucket_count; ++b)
                    buckets[to * cm::duration_bucket_count + b] +=
                        load(c->request_buckets_[from * cm::duration_bucket_count + b]);
                sum_ns[to] += load(c->request_duration_sum_ns_[from]);
            }
        }
    }
    auto const count_of = [&](std::size_t slot) {
        std::uint64_t n = 0;
        for (std::size_t b = 0; b < cm::duration_bucket_count; ++b)
            n += buckets[slot * cm::duration_bucket_count + b];
        return n;
    };
    // Calls f(route name, status label, slot) for every series that counted a request.
    auto const for_each_request_series = [&](auto&& f) {
        for (std::size_t r = 0; r < routes_.size(); ++r) {
            if (series_of[r] != r) continue;
            for (std::size_t s = 0; s < cm::status_count; ++s) {
                auto const slot = r * cm::status_count + s;
                auto const n = count_of(slot);
                if (n == 0) continue;
                char buf[8];
                f(std::string_view(routes_[r]), status_label(s, buf), slot, n);
            }
        }
    };

    append_header(out, requests_total, "HTTP requests handled, by route pattern and status.", "counter");
    for_each_request_series(
        [&](std::string_view route, std::string_view status, std::size_t, std::uint64_t n) {
            append_sample(out, requests_total, {{"route", route}, {"status", status}}, n);
        });

    append_header(out, request_duration, "HTTP request duration in seconds, by route pattern and status.",
                  "histogram");
    std::string const bucket_name = std::string(request_duration) + "_bucket";
    std::string const sum_name = std::string(request_duration) + "_sum";
    std::string const count_name = std::string(request_duration) + "_count";
    for_each_request_series(
        [&](std::string_view route, std::string_view status, std::size_t slot, std::uint64_t n) {
            std::uint64_t cumulative = 0;
            for (std::size_t b = 0; b < cm::duration_bucket_count; ++b) {
                cumulative += buckets[slot * cm::duration_bucket_count + b];
                append_sample(out, bucket_name,
                              {{"route", route}, {"status", status}, {"le", duration_le[b]}}, cumulative);
            }
            append_sample(out, sum_name, {{"route", route}, {"status", status}},
                          static_cast<double>(sum_ns[slot]) / 1e9);
            append_sample(out, count_name, {{"route", route}, {"status", status}}, n);
        });

    // ---- Fixed families: every label combination, zeros included.
    auto const total = [&](auto member, std::size_t i) {
        std::uint64_t n = 0;
        for (auto const& c : cores_) n += load(((*c).*member)[i]);
        return n;
    };

    append_header(out, otp_sent_total, "OTPs sent, by channel.", "counter");
    for (std::size_t i = 0; i < cm::channel_count; ++i)
        append_sample(out, otp_sent_total, {{"channel", channel_names[i]}}, total(&cm::otp_sent_, i));

    append_header(out, otp_verified_total, "OTP verifications, by result.", "counter");
    for (std::size_t i = 0; i < cm::otp_result_count; ++i)
        append_sample(out, otp_verified_total, {{"result", otp_result_names[i]}},
                      total(&cm::otp_verified_, i));

    append_header(out, batch_size, "Messages per batch handed to a delivery provider.", "histogram");
    std::string const batch_bucket_name = std::string(batch_size) + "_bucket";
    std::string const batch_sum_name = std::string(batch_size) + "_sum";
    std::string const batch_count_name = std::string(batch_size) + "_count";
    for (std::size_t p = 0; p < cm::provider_count; ++p) {
        std::uint64_t cumulative = 0;
        for (std::size_t b = 0; b < cm::batch_bucket_count; ++b) {
            cumulative += total(&cm::batch_buckets_, p * cm::batch_bucket_count + b);
            append_sample(out, batch_bucket_name, {{"provider", provider_names[p]}, {"le", batch_le[b]}},
                          cumulative);
        }
        append_sample(out, batch_sum_name, {{"provider", provider_names[p]}}, total(&cm::batch_size_sum_, p));
        append_sample(out, batch_count_name, {{"provider", provider_names[p]}}, cumulative);
    }

    append_header(out, messages_total, "Messages handed to a delivery provider, by provider and outcome.",
                  "counter");
    for (std::size_t p = 0; p < cm::provider_count; ++p)
        for (std::size_t o = 0; o < cm::message_outcome_count; ++o)
            append_sample(out, messages_total,
                          {{"provider", provider_names[p]}, {"outcome", outcome_names[o]}},
                          total(&cm::delivery_outcomes_, p * cm::message_outcome_count + o));

    append_header(out, provider_errors_total, "Delivery provider errors, by provider.", "counter");
    for (std::size_t p = 0; p < cm::provider_count; ++p)
        append_sample(out, provider_errors_total, {{"provider", provider_names[p]}},
                      total(&cm::provider_errors_, p));

    append_header(out, rate_limited_total, "Requests refused by a rate limit, by limit.", "counter");
    for (std::size_t i = 0; i < cm::limit_count; ++i)
        append_sample(out, rate_limited_total, {{"limit", limit_names[i]}}, total(&cm::rate_limited_, i));

    // ---- Gauges.
    std::uint64_t depth = 0;
    double oldest = 0;
    for (auto const& c : cores_) {
        depth += load(c->queue_depth_);
        oldest = std::max(oldest, std::bit_cast<double>(load(c->oldest_unsent_bits_)));
    }
    append_header(out, queue_depth, "Messages waiting in the delivery queues of all cores.", "gauge");
    append_sample(out, queue_depth, {}, depth);
    append_header(out, oldest_unsent, "Age in seconds of the oldest unsent message of any core.", "gauge");
    append_sample(out, oldest_unsent, {}, oldest);

    for (auto const& g : gauges_) {
        double v;
        try {
            v = g.read();
        } catch (...) {
            v = std::nan("");
        }
        append_header(out, g.name, g.help, "gauge");
        append_sample(out, g.name, {}, v);
    }
    return out;
}

}  // namespace moonkey
