#include <boost/test/unit_test.hpp>

#include "moonkey/domain/jwt_key_ring.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

using namespace moonkey;
namespace asio = boost::asio;

namespace {

// Keeps JWT keys in memory; every other repository call fails.
class memory_key_store final : public repository {
public:
    std::vector<jwt_key_row> rows;

    async_outcome<std::vector<jwt_key_row>> load_jwt_keys() override {
        auto sorted = rows;
        std::sort(sorted.begin(), sorted.end(), [](auto const& a, auto const& b) { return a.sign_from > b.sign_from; });
        co_return sorted;
    }
    async_outcome<void> add_jwt_key(jwt_key_row key, std::int64_t retire_others_at) override {
        for (auto& r : rows)
            if (!r.retire_at) r.retire_at = retire_others_at;
        rows.push_back(std::move(key));
        co_return outcome<void>{};
    }

    async_outcome<std::optional<api_key_record>> find_api_key(crypto::digest) override { co_return unused(); }
    async_outcome<login_result> login_or_create(login_request) override { co_return unused(); }
    async_outcome<verify_result> verify_otp(verify_request) override { co_return unused(); }
    async_outcome<session_record> touch_session(tenant, session_selector, std::int64_t,
                                                std::optional<std::int64_t>) override {
        co_return unused();
    }
    async_outcome<std::vector<session_record>> list_sessions(tenant, std::string, std::int64_t) override {
        co_return unused();
    }
    async_outcome<void> delete_session(tenant, session_selector) override { co_return unused(); }
    async_outcome<void> update_app_settings(std::string,
                                            std::function<outcome<std::string>(std::string const&)>) override {
        co_return unused();
    }
    async_outcome<void> mark_sent(std::vector<std::string>, std::int64_t) override { co_return unused(); }
    async_outcome<void> mark_failed(std::vector<failed_message>, std::int64_t) override { co_return unused(); }
    async_outcome<void> mark_expired(std::vector<std::string>) override { co_return unused(); }
    async_outcome<void> extend_lease(std::vector<std::string>, std::int64_t) override { co_return unused(); }
    async_outcome<std::vector<claimed_message>> claim_due_messages(std::int64_t, std::int64_t, unsigned) override {
        co_return unused();
    }
    async_outcome<void> create_app(std::string, std::string, std::vector<new_app_key>, std::int64_t) override {
        co_return unused();
    }
    async_outcome<void> add_api_keys(std::string, std::vector<new_app_key>, std::int64_t) override { co_return unused(); }
    async_outcome<std::vector<api_key_info>> list_api_keys(std::string) override { co_return unused(); }
    async_outcome<void> revoke_api_key(std::string, std::int64_t) override { co_return unused(); }
    async_outcome<std::size_t> purge_limit_counters(std::int64_t, unsigned) override { co_return unused(); }
    async_outcome<std::size_t> purge_outbox(std::int64_t, unsigned) override { co_return unused(); }
    async_outcome<void> ping() override { co_return outcome<void>{}; }
    user_repository& users() override { throw std::logic_error("unused"); }
    idempotency_repository& idempotency() override { throw std::logic_error("unused"); }

private:
    static error unused() { return fail(errc::internal_server_error, "not part of this fake"); }
};

template <class T>
T run(asio::awaitable<T> op) {
    asio::io_context io;
    auto done = asio::co_spawn(io, std::move(op), asio::use_future);
    io.run();
    return done.get();
}

std::vector<std::string> published_kids(jwt_key_ring const& ring) {
    std::vector<std::string> kids;
    auto jwks = ring.jwks();
    for (auto const& k : jwks.at("keys").as_array()) kids.emplace_back(k.at("kid").as_string());
    return kids;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(jwt_key_ring_rotation)

BOOST_AUTO_TEST_CASE(a_new_key_is_published_before_it_signs_and_the_old_one_stays_until_its_jwts_expire) {
    memory_key_store store;
    std::int64_t now = 1'800'000'000;
    jwt_key_ring::options opts;  // publish lead 10 min, JWT lifetime 5 min
    jwt_key_ring ring(store, std::string(40, 's'), [&] { return now; }, opts);

    BOOST_TEST_REQUIRE(run(ring.refresh()).has_value());
    auto first = ring.signing_key();
    BOOST_TEST_REQUIRE(first != nullptr);
    BOOST_TEST(published_kids(ring).size() == 1u);

    BOOST_TEST_REQUIRE(run(ring.rotate()).has_value());
    auto kids = published_kids(ring);
    BOOST_TEST(kids.size() == 2u);  // the new key is published at once...
    BOOST_TEST(jwt::key_id(*ring.signing_key()) == jwt::key_id(*first));  // ...but does not sign yet

    now += 10 * 60;  // the lead has passed
    auto second = ring.signing_key();
    BOOST_TEST(jwt::key_id(*second) != jwt::key_id(*first));
    BOOST_TEST(published_kids(ring).size() == 2u);  // JWTs of the first key are still live
    BOOST_TEST(ring.find(jwt::key_id(*first)) != nullptr);

    now += 5 * 60 + 61;  // every JWT the first key signed has expired
    BOOST_TEST(published_kids(ring).size() == 1u);
    BOOST_TEST(ring.find(jwt::key_id(*first)) == nullptr);
    BOOST_TEST(ring.find(jwt::key_id(*second)) != nullptr);
}

BOOST_AUTO_TEST_CASE(refresh_rotates_an_old_key_and_keys_are_stored_sealed) {
    memory_key_store store;
    std::int64_t now = 1'800'000'000;
    jwt_key_ring::options opts;
    opts.rotation_period = std::chrono::hours(24);
    jwt_key_ring ring(store, std::string(40, 's'), [&] { return now; }, opts);
    BOOST_TEST_REQUIRE(run(ring.refresh()).has_value());
    BOOST_TEST(store.rows.size() == 1u);
    BOOST_TEST(store.rows[0].sealed_private_key.find("PRIVATE KEY") == std::string::npos);
    now += 3600;
    BOOST_TEST_REQUIRE(run(ring.refresh()).has_value());
    BOOST_TEST(store.rows.size() == 1u);
    now += 24 * 3600;
    BOOST_TEST_REQUIRE(run(ring.refresh()).has_value());
    BOOST_TEST(store.rows.size() == 2u);

    // Another instance with the same secret signs and verifies with the same keys.
    jwt_key_ring other(store, std::string(40, 's'), [&] { return now; }, opts);
    BOOST_TEST_REQUIRE(run(other.refresh()).has_value());
    BOOST_TEST(jwt::key_id(*other.signing_key()) == jwt::key_id(*ring.signing_key()));
}

BOOST_AUTO_TEST_SUITE_END()
