#pragma once
// Real moonkeyd processes on the test database with a real webhook receiver, for end-to-end tests.

#include "child_process.hpp"
#include "test_server.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace moonkey::test {

inline constexpr char const* webhook_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
inline std::string const source_dir = MOONKEY_SOURCE_DIR;


// The webhook receiver of test/tools/, with what it recorded.
struct receiver {
    std::filesystem::path dir = temp_dir("webhook");
    std::filesystem::path record = dir / "batches.jsonl";
    child_process process{{"/usr/bin/python3", source_dir + "/test/tools/webhook_receiver.py", "--port", "0", "--secret",
                           webhook_secret, "--record", record.string()},
                          dir / "receiver.log"};
    std::uint16_t port = 0;

    receiver() {
        for (int i = 0; i < 200 && port == 0; ++i) {
            std::ifstream log(dir / "receiver.log");
            std::string line;
            if (std::getline(log, line) && !line.empty() && std::isdigit(static_cast<unsigned char>(line[0])))
                port = static_cast<std::uint16_t>(std::stoi(line));
            else
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        BOOST_REQUIRE_MESSAGE(port != 0, "the webhook receiver did not start");
    }

    // Makes the next `count` webhook requests answer `mode` ("500", "429", "400", "ok").
    void misbehave(std::string const& mode, int count, int retry_after = 0) {
        boost::json::object body{{"mode", mode}, {"count", count}};
        if (retry_after) body["retry_after"] = std::to_string(retry_after);
        auto r = http_request(port, "POST", "/control", boost::json::serialize(body));
        BOOST_REQUIRE_MESSAGE(r.status / 100 == 2, "control: " << r.body);
    }

    struct message {
        std::string id, to, code;
    };

    // Returns every delivered message in the order received, and each batch's size.
    std::pair<std::vector<message>, std::vector<std::size_t>> batches() const {
        std::vector<message> out;
        std::vector<std::size_t> sizes;
        std::ifstream in(record);
        std::string line;
        while (std::getline(in, line)) {
            boost::system::error_code ec;
            auto batch = boost::json::parse(line, ec);
            if (ec) continue;
            auto const& messages = batch.at("body").at("messages").as_array();
            sizes.push_back(messages.size());
            for (auto const& m : messages) {
                auto const& o = m.as_object();
                message msg{std::string(o.at("id").as_string()), std::string(o.at("to").as_string()), {}};
                if (auto const* code = o.if_contains("code"); code && code->is_string()) msg.code = code->as_string();
                out.push_back(std::move(msg));
            }
        }
        return {out, sizes};
    }

    // Returns every delivered message ("id" → how many times) and each batch's size.
    std::pair<std::map<std::string, int>, std::vector<std::size_t>> delivered() const {
        auto [messages, sizes] = batches();
        std::map<std::string, int> ids;
        for (auto const& m : messages) ++ids[m.id];
        return {ids, sizes};
    }

    // Returns the destinations delivered so far.
    std::multiset<std::string> destinations() const {
        std::multiset<std::string> to;
        for (auto const& m : batches().first) to.insert(m.to);
        return to;
    }
};

// A moonkeyd process on the test database, delivering SMS and email to the receiver.
struct instance {
    std::filesystem::path dir = temp_dir("moonkeyd");
    std::uint16_t port = free_port();
    child_process process;

    instance(std::uint16_t webhook_port, std::vector<std::string> extra = {})
        : process(args(webhook_port, std::move(extra)), dir / "moonkeyd.log") {
        auto ready = process.wait_for_log("\"listening\"");
        BOOST_REQUIRE_MESSAGE(!ready.empty(), "moonkeyd did not start; see " << (dir / "moonkeyd.log"));
    }

    std::vector<std::string> args(std::uint16_t webhook_port, std::vector<std::string> extra) const {
        std::vector<std::string> a{MOONKEYD_PATH,
                                   "--listen", "127.0.0.1:" + std::to_string(port),
                                   "--database_url", test_database_url(),
                                   "--secret", test_secret(),
                                   "--sms_provider", "webhook",
                                   "--email_provider", "webhook",
                                   "--webhook_url", "http://127.0.0.1:" + std::to_string(webhook_port) + "/hook",
                                   "--webhook_secret", webhook_secret,
                                   "--delivery_lease", "3",
                                   "--loop_lag_target", "0",  // no 503 for a loop that waited for a busy CPU
                                   "--access_log", "false"};
        if (std::find(extra.begin(), extra.end(), "--threads") == extra.end()) extra.insert(extra.end(), {"--threads", "2"});
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }

    reply sms(std::string const& key, std::string const& phone, int expires_in = 5) {
        return http_request(port, "POST", "/v1/auth/otps/sms/login_or_create",
                            boost::json::serialize(boost::json::object{{"phone_number", phone}, {"expires_in", expires_in}}),
                            {{"Authorization", "Bearer " + key}});
    }
};

// Waits (bounded) until `done()` holds.
template <class Done>
inline bool eventually(Done done, std::chrono::seconds limit = std::chrono::seconds(60)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return done();
}

// Sends `count` logins from `threads` threads; returns the phone numbers that got a 200.
inline std::vector<std::string> load(instance& server, std::string const& key, int count, int threads) {
    std::mutex mutex;
    std::vector<std::string> accepted;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (int i = 0; i < count / threads; ++i) {
                auto phone = unique_phone();
                try {
                    if (server.sms(key, phone).status == 200) {
                        std::lock_guard lock(mutex);
                        accepted.push_back(phone);
                    }
                } catch (std::exception const&) {
                    // the server was killed mid-request: this request was never acknowledged
                }
            }
        });
    }
    for (auto& w : workers) w.join();
    return accepted;
}

}  // namespace moonkey::test
