// Fuzz target: bytes off the socket -> Beast's request parser with the server's limits -> the real
// dispatch and route table, handlers included, on an in-memory repository (fake_repository.hpp).
// Up to four pipelined requests per input, as one kept-alive connection would send them.
// Invariants: no 500 (a handler threw or failed), every response has a request id, JSON bodies parse,
// error bodies say the response's status, and no header value can split the response.

#include "fake_repository.hpp"
#include "fuzz_key.hpp"

#include "moonkey/api/routes.hpp"
#include "moonkey/core/core_services.hpp"
#include "moonkey/http/dispatch.hpp"
#include "moonkey/http/session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

#include <cstdlib>
#include <sstream>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
using namespace moonkey;

namespace {

config fuzz_config() {
    config cfg;
    cfg.secret = "fuzz-secret-fuzz-secret-fuzz-secret-fuzz";
    cfg.threads = 1;
    return cfg;
}

struct harness {
    asio::io_context io;
    config cfg = fuzz_config();
    fuzz::fake_repository repo{cfg.secret, fuzz::fixed_key_pem()};
    unix_clock clock = [] { return fuzz::fixed_now; };
    std::atomic<bool> draining{false};
    http::router routes = api::make_routes();
    metrics_registry registry{routes.patterns(), 1};
    jwt_key_ring keys{repo, cfg.secret, clock, jwt_key_ring::options{}};
    core_services services{io, cfg, repo, keys, registry, registry.core(0), clock, draining};

    harness() {
        auto loaded = asio::co_spawn(io, keys.refresh(), asio::use_future);
        io.run();
        if (!loaded.get()) fuzz::broken("the fixed JWT key did not load");
    }

    http::dispatch_result serve(http::request const& req) {
        services.request_started();
        auto started = std::chrono::steady_clock::now();
        auto done = asio::co_spawn(io, http::dispatch(routes, req, services, "203.0.113.7"), asio::use_future);
        io.restart();
        io.run();
        auto result = done.get();
        services.request_finished(result.route, result.res.result_int(), std::chrono::steady_clock::now() - started);
        return result;
    }
};

bool splits(std::string_view value) {
    return value.find_first_of("\r\n") != std::string_view::npos;
}

void check(http::response const& res) {
    if (res.result_int() == 500) fuzz::broken("a request got 500");
    auto request_id = res["X-Request-Id"];
    if (request_id.empty()) fuzz::broken("a response has no X-Request-Id");
    for (auto const& field : res)
        if (splits(field.name_string()) || splits(field.value())) fuzz::broken("a header holds CR or LF");
    if (res[beast_http::field::content_type].starts_with("application/json")) {
        boost::system::error_code ec;
        auto body = boost::json::parse(res.body(), ec);
        if (ec) fuzz::broken("a JSON response does not parse");
        if (res.result_int() >= 400) {
            auto const* object = body.if_object();
            auto const* code = object ? object->if_contains("status_code") : nullptr;
            auto const* id = object ? object->if_contains("request_id") : nullptr;
            if (!code || !code->is_int64() || code->as_int64() != res.result_int())
                fuzz::broken("an error body's status_code is not the response's status");
            if (!id || !id->is_string() || id->as_string() != request_id)
                fuzz::broken("an error body's request_id is not the X-Request-Id");
        }
    }
    if (res.result() == http::status::method_not_allowed && res[beast_http::field::allow].empty())
        fuzz::broken("a 405 has no Allow header");
    std::ostringstream wire;
    wire << res;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    static harness& h = *new harness();  // never destroyed: no exit-time ordering to get wrong
    static bool const trace = std::getenv("MK_FUZZ_TRACE") != nullptr;  // prints each answer
    http::session_limits const limits;
    asio::const_buffer input(data, size);
    for (int i = 0; i < 4 && input.size() > 0; ++i) {
        beast_http::request_parser<beast_http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
        parser.body_limit(limits.body_limit);
        parser.eager(true);
        beast::error_code ec;
        while (input.size() > 0 && !parser.is_done()) {
            auto used = parser.put(input, ec);
            input += used;
            if (ec) break;
        }
        // An incomplete or malformed request: the server answers 400/413/431 or closes; nothing to dispatch.
        if (!parser.is_done()) {
            http::request_id_of(parser.get());
            break;
        }
        auto const& req = parser.get();
        auto result = h.serve(req);
        if (trace) std::fprintf(stderr, "%u %s %s\n", result.res.result_int(), std::string(result.route).c_str(),
                                result.res.body().substr(0, 200).c_str());
        check(result.res);
        if (!req.keep_alive()) break;
    }
    return 0;
}
