// bench_hello: the HTTP ceiling for bench/run. A minimal Boost.Beast server with moonkeyd's shape:
// N threads, each with its own io_context{1} and SO_REUSEPORT acceptor on the same port, one
// coroutine per connection with keep-alive. GET /healthz answers {"status":"ok"}; anything else 404.
// No timeouts, no routing, no logging, no metrics: what is left is the cost of Beast and the kernel.
//
//   bench_hello [--listen 127.0.0.1:PORT] [--threads N]
// Prints "listening on ADDRESS:PORT" once every acceptor is bound; stops on SIGINT/SIGTERM.

#include "moonkey/http/listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> session(tcp::socket socket) {
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> req;
        auto [read_ec, n] = co_await http::async_read(socket, buffer, req, use_tuple);
        if (read_ec) break;
        http::response<http::string_body> res;
        res.version(req.version());
        if (req.method() == http::verb::get && req.target() == "/healthz") {
            res.result(http::status::ok);
            res.body() = R"({"status":"ok"})";
        } else {
            res.result(http::status::not_found);
            res.body() = R"({"status_code":404,"error_type":"not_found"})";
        }
        res.set(http::field::content_type, "application/json");
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        auto [write_ec, written] = co_await http::async_write(socket, res, use_tuple);
        if (write_ec || !res.keep_alive()) break;
    }
    beast::error_code ec;
    socket.shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
    auto ex = co_await asio::this_coro::executor;
    while (acceptor.is_open()) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec == asio::error::operation_aborted) break;
        if (ec) continue;
        socket.set_option(tcp::no_delay(true), ec);
        asio::co_spawn(ex, session(std::move(socket)), asio::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string listen = "127.0.0.1:0";
    unsigned threads = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string key = argv[i];
        if (key == "--listen") {
            listen = argv[i + 1];
        } else if (key == "--threads") {
            threads = static_cast<unsigned>(std::max(1, std::atoi(argv[i + 1])));
        } else {
            std::cerr << "usage: bench_hello [--listen ADDRESS:PORT] [--threads N]\n";
            return 2;
        }
    }
    if (argc % 2 == 0) {
        std::cerr << "usage: bench_hello [--listen ADDRESS:PORT] [--threads N]\n";
        return 2;
    }
    auto colon = listen.rfind(':');
    if (colon == std::string::npos) {
        std::cerr << "bench_hello: --listen needs ADDRESS:PORT\n";
        return 2;
    }
    try {
        auto address = asio::ip::make_address(listen.substr(0, colon));
        auto port = static_cast<unsigned short>(std::atoi(listen.c_str() + colon + 1));

        std::vector<std::unique_ptr<asio::io_context>> loops;
        std::vector<tcp::acceptor> acceptors;
        for (unsigned i = 0; i < threads; ++i) {
            loops.push_back(std::make_unique<asio::io_context>(1));
            // Port 0: the first acceptor picks the port and the others join it.
            acceptors.push_back(moonkey::http::open_acceptor(loops.back()->get_executor(), tcp::endpoint(address, port)));
            port = acceptors.back().local_endpoint().port();
        }
        for (unsigned i = 0; i < threads; ++i) asio::co_spawn(*loops[i], accept_loop(acceptors[i]), asio::detached);

        asio::signal_set signals(*loops[0], SIGINT, SIGTERM);
        signals.async_wait([&](beast::error_code, int) {
            for (auto& loop : loops) loop->stop();
        });
        std::cout << "listening on " << address.to_string() << ":" << port << std::endl;

        std::vector<std::thread> workers;
        for (unsigned i = 1; i < threads; ++i) workers.emplace_back([&loops, i] { loops[i]->run(); });
        loops[0]->run();
        for (auto& loop : loops) loop->stop();
        for (auto& worker : workers) worker.join();
    } catch (std::exception const& e) {
        std::cerr << "bench_hello: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
