#include <boost/test/unit_test.hpp>

#include "moonkey/core/metrics.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace moonkey;
using namespace std::chrono_literals;

namespace {

using provider = core_metrics::provider;
using message_outcome = core_metrics::message_outcome;
using otp_result = core_metrics::otp_result;
using limit = core_metrics::limit;

// The samples of a rendered page: series (name and labels, as written) -> value (as written).
std::map<std::string, std::string> samples_of(std::string const& text) {
    std::map<std::string, std::string> samples;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line.front() == '#') continue;
        auto const space = line.rfind(' ');
        BOOST_TEST_REQUIRE(space != std::string::npos, "no value on line: " << line);
        auto const [it, inserted] = samples.emplace(line.substr(0, space), line.substr(space + 1));
        BOOST_TEST(inserted, "series written twice: " << it->first);
    }
    return samples;
}

// The value of `series`, which must be present.
std::string value_of(std::map<std::string, std::string> const& samples, std::string const& series) {
    auto const it = samples.find(series);
    BOOST_TEST_REQUIRE((it != samples.end()), "missing series: " << series);
    return it->second;
}

std::uint64_t count_of(std::map<std::string, std::string> const& samples, std::string const& series) {
    return std::stoull(value_of(samples, series));
}

double number_of(std::map<std::string, std::string> const& samples, std::string const& series) {
    return std::stod(value_of(samples, series));
}

std::size_t occurrences(std::string const& text, std::string const& needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
    return n;
}

// Runs test/tools/check_metrics.sh (promtool) on `text`; returns its exit status, -1 if it did not exit.
int check_with_promtool(std::string const& text) {
    char path[] = "/tmp/moonkey_metrics_XXXXXX";
    int const fd = ::mkstemp(path);
    BOOST_TEST_REQUIRE(fd >= 0);
    ::close(fd);
    {
        std::ofstream out(path, std::ios::binary);
        out << text;
        BOOST_TEST_REQUIRE(out.good());
    }
    auto const command =
        std::string("sh '") + MOONKEY_SOURCE_DIR + "/test/tools/check_metrics.sh' < '" + path + "'";
    std::cout.flush();
    int const status = std::system(command.c_str());
    std::remove(path);
    if (status == -1 || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

std::vector<std::string> test_routes() {
    return {"/v1/auth/otps/sms/login_or_create", "/v1/auth/users/{id}"};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(counting_from_two_cores_sums) {
    metrics_registry registry(test_routes(), 2);
    BOOST_TEST(registry.core_count() == 2u);
    BOOST_TEST(registry.routes().size() == 3u);
    BOOST_TEST(registry.routes().back() == "unmatched");
    BOOST_TEST(registry.unmatched_route() == 2u);
    BOOST_TEST(registry.route_index("/v1/auth/users/{id}") == 1u);
    BOOST_TEST(registry.route_index("/nope") == registry.unmatched_route());

    auto& a = registry.core(0);
    auto& b = registry.core(1);
    for (int i = 0; i < 3; ++i) a.observe_request(0, 200, 1ms);
    for (int i = 0; i < 2; ++i) b.observe_request(0, 200, 1ms);
    b.observe_request(0, 201, 1ms);   // not tracked: "other"
    a.observe_request(99, 404, 1ms);  // no such route: "unmatched"
    a.otp_sent(channel::sms);
    b.otp_sent(channel::sms);
    b.otp_sent(channel::email);
    a.otp_verified(otp_result::ok);
    b.otp_verified(otp_result::ok);
    b.otp_verified(core_metrics::otp_result_of(errc::otp_expired));
    a.delivery_outcome(provider::twilio, message_outcome::sent, 10);
    b.delivery_outcome(provider::twilio, message_outcome::sent, 5);
    b.delivery_outcome(provider::smtp, message_outcome::expired);
    a.provider_error(provider::webhook);
    b.provider_error(provider::webhook);
    a.rate_limited(limit::daily_sms);
    b.rate_limited(limit::daily_sms);
    a.set_queue_depth(3);
    b.set_queue_depth(4);
    a.set_oldest_unsent_age(1.5);
    b.set_oldest_unsent_age(7.25);

    auto const s = samples_of(registry.render());
    BOOST_TEST(
        count_of(s, R"(moonkey_http_requests_total{route="/v1/auth/otps/sms/login_or_create",status="200"})")
        == 5u);
    BOOST_TEST(
        count_of(s,
                 R"(moonkey_http_requests_total{route="/v1/auth/otps/sms/login_or_create",status="other"})")
        == 1u);
    BOOST_TEST(count_of(s, R"(moonkey_http_requests_total{route="unmatched",status="404"})") == 1u);
    // One series per label set, not per core; none for label sets that counted nothing.
    BOOST_TEST(occurrences(registry.render(), "moonkey_http_requests_total{") == 3u);
    BOOST_TEST(!s.contains(R"(moonkey_http_requests_total{route="/v1/auth/users/{id}",status="200"})"));
    BOOST_TEST(count_of(s, R"(moonkey_otp_sent_total{channel="sms"})") == 2u);
    BOOST_TEST(count_of(s, R"(moonkey_otp_sent_total{channel="email"})") == 1u);
    BOOST_TEST(count_of(s, R"(moonkey_otp_verified_total{result="ok"})") == 2u);
    BOOST_TEST(count_of(s, R"(moonkey_otp_verified_total{result="otp_expired"})") == 1u);
    BOOST_TEST(count_of(s, R"(moonkey_delivery_messages_total{provider="twilio",outcome="sent"})") == 15u);
    BOOST_TEST(count_of(s, R"(moonkey_delivery_messages_total{provider="smtp",outcome="expired"})") == 1u);
    BOOST_TEST(count_of(s, R"(moonkey_delivery_provider_errors_total{provider="webhook"})") == 2u);
    BOOST_TEST(count_of(s, R"(moonkey_rate_limited_total{limit="daily_sms"})") == 2u);
    BOOST_TEST(count_of(s, "moonkey_delivery_queue_depth") == 7u);
    BOOST_TEST(number_of(s, "moonkey_delivery_oldest_unsent_seconds") == 7.25);
}

BOOST_AUTO_TEST_CASE(routes_sharing_a_name_are_one_series) {
    // One pattern under two methods, and an explicit "unmatched" that must not be appended again.
    metrics_registry registry({"/v1/auth/users/{id}", "unmatched", "/v1/auth/users/{id}"}, 1);
    BOOST_TEST(registry.routes().size() == 3u);
    BOOST_TEST(registry.unmatched_route() == 1u);
    registry.core(0).observe_request(0, 200, 1ms);
    registry.core(0).observe_request(2, 200, 1ms);
    registry.core(0).observe_request(7, 404, 1ms);
    auto const text = registry.render();
    auto const s = samples_of(text);
    BOOST_TEST(count_of(s, R"(moonkey_http_requests_total{route="/v1/auth/users/{id}",status="200"})") == 2u);
    BOOST_TEST(
        count_of(s,
                 R"(moonkey_http_request_duration_seconds_count{route="/v1/auth/users/{id}",status="200"})")
        == 2u);
    BOOST_TEST(count_of(s, R"(moonkey_http_requests_total{route="unmatched",status="404"})") == 1u);
}

BOOST_AUTO_TEST_CASE(histogram_buckets_are_cumulative_with_count_and_sum) {
    metrics_registry registry(test_routes(), 2);
    auto& a = registry.core(0);
    auto& b = registry.core(1);
    a.observe_request(1, 422, 300us);  // le 0.0005
    b.observe_request(1, 422, 500us);  // exactly on a bound: le 0.0005
    a.observe_request(1, 422, 3ms);    // le 0.005
    b.observe_request(1, 422, 20s);    // +Inf only
    a.observe_request(1, 422, -5ms);   // a clock step back: counted as 0

    auto const s = samples_of(registry.render());
    auto const bucket = [&](std::string const& le) {
        return count_of(
            s, R"(moonkey_http_request_duration_seconds_bucket{route="/v1/auth/users/{id}",status="422",le=")"
                   + le + "\"}");
    };
    BOOST_TEST(bucket("0.0005") == 3u);
    BOOST_TEST(bucket("0.001") == 3u);
    BOOST_TEST(bucket("0.0025") == 3u);
    BOOST_TEST(bucket("0.005") == 4u);
    BOOST_TEST(bucket("0.01") == 4u);
    BOOST_TEST(bucket("10") == 4u);
    BOOST_TEST(bucket("+Inf") == 5u);
    std::uint64_t previous = 0;
    for (auto le : {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1",
                    "2.5", "5", "10", "+Inf"}) {
        BOOST_TEST(bucket(le) >= previous);
        previous = bucket(le);
    }
    auto const labels = std::string(R"({route="/v1/auth/users/{id}",status="422"})");
    BOOST_TEST(count_of(s, "moonkey_http_request_duration_seconds_count" + labels) == 5u);
    BOOST_TEST(count_of(s, "moonkey_http_requests_total" + labels) == 5u);
    BOOST_TEST(std::abs(number_of(s, "moonkey_http_request_duration_seconds_sum" + labels) - 20.0038) < 1e-9);

    a.delivery_batch(provider::twilio, 1);
    b.delivery_batch(provider::twilio, 3);
    b.delivery_batch(provider::twilio, 2000);
    auto const t = samples_of(registry.render());
    auto const batch = [&](std::string const& le) {
        return count_of(t, R"(moonkey_delivery_batch_size_bucket{provider="twilio",le=")" + le + "\"}");
    };
    BOOST_TEST(batch("1") == 1u);
    BOOST_TEST(batch("2") == 1u);
    BOOST_TEST(batch("5") == 2u);
    BOOST_TEST(batch("1000") == 2u);
    BOOST_TEST(batch("+Inf") == 3u);
    BOOST_TEST(count_of(t, R"(moonkey_delivery_batch_size_count{provider="twilio"})") == 3u);
    BOOST_TEST(count_of(t, R"(moonkey_delivery_batch_size_sum{provider="twilio"})") == 2004u);
}

BOOST_AUTO_TEST_CASE(label_values_and_help_are_escaped) {
    metrics_registry registry({"a\"b\\c\nd"}, 1);
    registry.core(0).observe_request(0, 200, 1ms);
    registry.add_gauge("moonkey_test_gauge", "line one\nback\\slash", [] { return 2.5; });
    auto const text = registry.render();
    BOOST_TEST(text.find(R"(moonkey_http_requests_total{route="a\"b\\c\nd",status="200"} 1)"
                         "\n")
               != std::string::npos);
    BOOST_TEST(text.find("# HELP moonkey_test_gauge line one\\nback\\\\slash\n") != std::string::npos);
    BOOST_TEST(text.find("\nmoonkey_test_gauge 2.5\n") != std::string::npos);
    BOOST_TEST(text.find("a\"b\\c\nd") == std::string::npos);  // never raw
}

BOOST_AUTO_TEST_CASE(otp_and_delivery_families_are_emitted_with_zeros) {
    metrics_registry registry(test_routes(), 2);
    auto const text = registry.render();
    auto const s = samples_of(text);
    for (auto ch : {"sms", "email"})
        BOOST_TEST(value_of(s, std::string(R"(moonkey_otp_sent_total{channel=")") + ch + "\"}") == "0");
    for (auto r : {"ok", "invalid_otp", "otp_expired", "too_many_attempts", "otp_not_found",
                   "device_fingerprint_mismatch", "other"})
        BOOST_TEST(value_of(s, std::string(R"(moonkey_otp_verified_total{result=")") + r + "\"}") == "0");
    for (auto p : {"console", "webhook", "twilio", "smtp"}) {
        auto const pl = std::string(R"({provider=")") + p + "\"";
        for (auto o : {"sent", "retry", "failed", "expired"})
            BOOST_TEST(value_of(s, "moonkey_delivery_messages_total" + pl + R"(,outcome=")" + o + "\"}")
                       == "0");
        BOOST_TEST(value_of(s, "moonkey_delivery_provider_errors_total" + pl + "}") == "0");
        BOOST_TEST(value_of(s, "moonkey_delivery_batch_size_bucket" + pl + R"(,le="+Inf"})") == "0");
        BOOST_TEST(value_of(s, "moonkey_delivery_batch_size_count" + pl + "}") == "0");
        BOOST_TEST(value_of(s, "moonkey_delivery_batch_size_sum" + pl + "}") == "0");
    }
    for (auto l : {"destination", "ip_send", "ip_verify", "prefix", "daily_sms", "public_token"})
        BOOST_TEST(value_of(s, std::string(R"(moonkey_rate_limited_total{limit=")") + l + "\"}") == "0");
    BOOST_TEST(value_of(s, "moonkey_delivery_queue_depth") == "0");
    BOOST_TEST(value_of(s, "moonkey_delivery_oldest_unsent_seconds") == "0");
    // No request series yet, but each family has exactly one HELP and one TYPE line.
    BOOST_TEST(occurrences(text, "moonkey_http_request") == 4u);
    for (auto family :
         {"moonkey_http_requests_total", "moonkey_http_request_duration_seconds", "moonkey_otp_sent_total",
          "moonkey_otp_verified_total", "moonkey_delivery_batch_size", "moonkey_delivery_messages_total",
          "moonkey_delivery_provider_errors_total", "moonkey_rate_limited_total",
          "moonkey_delivery_queue_depth", "moonkey_delivery_oldest_unsent_seconds"}) {
        BOOST_TEST(occurrences(text, std::string("# HELP ") + family + " ") == 1u, family);
        BOOST_TEST(occurrences(text, std::string("# TYPE ") + family + " ") == 1u, family);
    }
    BOOST_TEST(text.find("# TYPE moonkey_http_request_duration_seconds histogram\n") != std::string::npos);
    BOOST_TEST(text.find("# TYPE moonkey_delivery_batch_size histogram\n") != std::string::npos);
    BOOST_TEST(text.find("# TYPE moonkey_delivery_queue_depth gauge\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(callback_gauges) {
    metrics_registry registry(test_routes(), 1);
    std::atomic<int> in_use{4};
    registry.add_gauge("moonkey_db_pool_in_use", "Connections in use.",
                       [&] { return double(in_use.load()); });
    registry.add_gauge("moonkey_db_pool_broken", "Throws.",
                       []() -> double { throw std::runtime_error("x"); });
    BOOST_CHECK_THROW(registry.add_gauge("moonkey_db_pool_in_use", "again", [] { return 0.0; }),
                      std::invalid_argument);
    BOOST_CHECK_THROW(registry.add_gauge("moonkey_otp_sent_total", "built in", [] { return 0.0; }),
                      std::invalid_argument);
    BOOST_CHECK_THROW(registry.add_gauge("1bad name", "bad", [] { return 0.0; }), std::invalid_argument);
    BOOST_CHECK_THROW(registry.add_gauge("moonkey_no_read", "none", {}), std::invalid_argument);
    auto s = samples_of(registry.render());
    BOOST_TEST(value_of(s, "moonkey_db_pool_in_use") == "4");
    BOOST_TEST(value_of(s, "moonkey_db_pool_broken") == "NaN");
    in_use = 6;
    s = samples_of(registry.render());
    BOOST_TEST(value_of(s, "moonkey_db_pool_in_use") == "6");
    BOOST_CHECK_THROW(registry.core(1), std::out_of_range);
}

BOOST_AUTO_TEST_CASE(helpers) {
    BOOST_TEST(core_metrics::status_index(200) == 0u);
    BOOST_TEST(core_metrics::status_index(503) == 12u);
    BOOST_TEST(core_metrics::status_index(204) == core_metrics::tracked_statuses.size());
    BOOST_TEST((core_metrics::otp_result_of(errc::invalid_otp) == otp_result::invalid_otp));
    BOOST_TEST((core_metrics::otp_result_of(errc::too_many_attempts) == otp_result::too_many_attempts));
    BOOST_TEST((core_metrics::otp_result_of(errc::otp_not_found) == otp_result::otp_not_found));
    BOOST_TEST((core_metrics::otp_result_of(errc::device_fingerprint_mismatch)
                == otp_result::device_fingerprint_mismatch));
    BOOST_TEST((core_metrics::otp_result_of(errc::internal_server_error) == otp_result::other));
    BOOST_TEST((core_metrics::provider_from_name("twilio") == provider::twilio));
    BOOST_TEST((core_metrics::provider_from_name("smtp") == provider::smtp));
    BOOST_TEST(!core_metrics::provider_from_name("pigeon").has_value());
    BOOST_TEST(metrics_content_type == "text/plain; version=0.0.4; charset=utf-8");
}

BOOST_AUTO_TEST_CASE(concurrent_writers_and_a_reader) {
    metrics_registry registry(test_routes(), 2);
    constexpr int iterations = 200'000;
    std::atomic<bool> done{false};
    std::atomic<int> renders{0};

    auto const writer = [&](unsigned core) {
        auto& m = registry.core(core);
        while (renders.load() == 0) std::this_thread::yield();  // write while the reader renders
        for (int i = 0; i < iterations; ++i) {
            m.observe_request(static_cast<std::size_t>(i % 2), i % 3 == 0 ? 200u : 429u,
                              std::chrono::microseconds(i % 2000));
            m.otp_sent(i % 2 ? channel::sms : channel::email);
            m.otp_verified(otp_result::ok);
            m.delivery_batch(provider::webhook, static_cast<std::size_t>(i % 7));
            m.delivery_outcome(provider::webhook, message_outcome::sent);
            m.rate_limited(limit::ip_send);
            m.set_queue_depth(static_cast<std::size_t>(i));
        }
        m.set_queue_depth(1);
    };
    // Boost.Test assertions are not thread-safe: the reader only counts what it finds wrong.
    std::atomic<int> inconsistent{0};
    std::thread reader([&] {
        auto const labels = std::string(R"(route="/v1/auth/users/{id}",status="429")");
        auto const value = [](std::string const& text, std::string const& series) -> long long {
            auto const at = text.find("\n" + series + " ");
            if (at == std::string::npos) return -1;
            return std::stoll(text.substr(at + series.size() + 2));
        };
        while (!done.load()) {
            auto const text = registry.render();
            // Within one scrape, a histogram's count is its +Inf bucket and equals the request counter.
            auto const n = value(text, "moonkey_http_requests_total{" + labels + "}");
            if (n != value(text, "moonkey_http_request_duration_seconds_count{" + labels + "}")
                || n
                       != value(text,
                                "moonkey_http_request_duration_seconds_bucket{" + labels + R"(,le="+Inf"})"))
                ++inconsistent;
            ++renders;
        }
    });
    std::thread first(writer, 0u);
    std::thread second(writer, 1u);
    first.join();
    second.join();
    done = true;
    reader.join();
    BOOST_TEST(renders.load() > 0);
    BOOST_TEST(inconsistent.load() == 0);

    auto const s = samples_of(registry.render());
    std::uint64_t requests = 0;
    for (auto const& [series, value] : s)
        if (series.starts_with("moonkey_http_requests_total{")) requests += std::stoull(value);
    BOOST_TEST(requests == 2u * iterations);
    // i % 3 == 0 and i % 2 == 0 over 0..iterations-1, on two cores.
    std::uint64_t ok_on_first_route = 0;
    for (int i = 0; i < iterations; ++i) ok_on_first_route += (i % 6 == 0);
    BOOST_TEST(
        count_of(s, R"(moonkey_http_requests_total{route="/v1/auth/otps/sms/login_or_create",status="200"})")
        == 2 * ok_on_first_route);
    BOOST_TEST(count_of(s, R"(moonkey_otp_sent_total{channel="sms"})") == std::uint64_t(iterations));
    BOOST_TEST(count_of(s, R"(moonkey_otp_sent_total{channel="email"})") == std::uint64_t(iterations));
    BOOST_TEST(count_of(s, R"(moonkey_otp_verified_total{result="ok"})") == 2u * iterations);
    BOOST_TEST(count_of(s, R"(moonkey_delivery_batch_size_count{provider="webhook"})") == 2u * iterations);
    BOOST_TEST(count_of(s, R"(moonkey_delivery_messages_total{provider="webhook",outcome="sent"})")
               == 2u * iterations);
    BOOST_TEST(count_of(s, R"(moonkey_rate_limited_total{limit="ip_send"})") == 2u * iterations);
    BOOST_TEST(count_of(s, "moonkey_delivery_queue_depth") == 2u);
    std::uint64_t batch_sum = 0;
    for (int i = 0; i < iterations; ++i) batch_sum += static_cast<std::uint64_t>(i % 7);
    BOOST_TEST(count_of(s, R"(moonkey_delivery_batch_size_sum{provider="webhook"})") == 2 * batch_sum);
}

BOOST_AUTO_TEST_CASE(promtool_accepts_the_page) {
    // The checker must reject a broken page, or its acceptance below would prove nothing.
    BOOST_TEST(check_with_promtool("moonkey_broken{route=\"x\" 1\n") != 0);

    metrics_registry empty(test_routes(), 2);
    BOOST_TEST(check_with_promtool(empty.render()) == 0);

    metrics_registry registry(
        {"/v1/auth/otps/sms/login_or_create", "/v1/auth/users/{id}", "odd \"route\"\\\n"}, 2);
    registry.add_gauge("moonkey_db_pool_in_use", "Connections in use.", [] { return 3.0; });
    registry.add_gauge("moonkey_db_pool_waits", "Waits for a connection, \\ and\nnewline.",
                       [] { return 0.5; });
    registry.add_gauge("moonkey_db_pool_broken", "Unknown.", [] { return std::nan(""); });
    for (unsigned c = 0; c < 2; ++c) {
        auto& m = registry.core(c);
        for (unsigned status :
             {200u, 400u, 401u, 404u, 405u, 409u, 413u, 415u, 422u, 429u, 431u, 500u, 503u, 302u})
            for (std::size_t r = 0; r < 4; ++r)
                m.observe_request(r, status, std::chrono::milliseconds(status));
        m.otp_sent(channel::sms);
        m.otp_verified(otp_result::device_fingerprint_mismatch);
        m.delivery_batch(provider::smtp, 42);
        m.delivery_outcome(provider::smtp, message_outcome::retry);
        m.provider_error(provider::console);
        m.rate_limited(limit::public_token);
        m.set_queue_depth(12);
        m.set_oldest_unsent_age(0.125);
    }
    auto const text = registry.render();
    BOOST_TEST(check_with_promtool(text) == 0, "rendered page:\n" << text);
}

BOOST_AUTO_TEST_SUITE_END()
