// Delivery end to end: real moonkeyd processes on the test database, delivering to a real webhook
// receiver that verifies signatures: batching under load, retries, give-up, expiry, and recovery
// after kill -9 by two instances that never send a message twice.

#include "flow_support.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace moonkey::test;
namespace json = boost::json;

namespace {

std::string outbox_count(std::string const& app_id, std::string const& state) {
    return query_value("SELECT COUNT(*) FROM outbox WHERE app_id = '" + app_id + "' AND state = '" + state + "'");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(delivery_flow)

BOOST_AUTO_TEST_CASE(batches_form_under_load_and_every_message_arrives_once) {
    receiver hook;
    instance server(hook.port);
    auto keys = create_test_app("Batch");
    auto accepted = load(server, keys.test_secret, 1000, 50);
    BOOST_TEST_REQUIRE(accepted.size() == 1000u);
    BOOST_TEST(eventually([&] { return hook.delivered().first.size() >= 1000; }));
    auto [ids, sizes] = hook.delivered();
    BOOST_TEST(ids.size() == 1000u);
    for (auto const& [id, times] : ids) BOOST_TEST(times == 1, id);
    BOOST_TEST(*std::max_element(sizes.begin(), sizes.end()) > 1u);
    BOOST_TEST(sizes.size() < 1000u);
    BOOST_TEST(eventually([&] { return outbox_count(keys.app_id, "sent") == "1000"; }));
    BOOST_TEST_MESSAGE("1000 messages in " << sizes.size() << " batches, largest "
                                           << *std::max_element(sizes.begin(), sizes.end()));
}

BOOST_AUTO_TEST_CASE(failed_sends_are_retried_and_permanent_refusals_marked_failed) {
    receiver hook;
    instance server(hook.port);
    auto keys = create_test_app("Retry");
    hook.misbehave("500", 2);
    auto phone = unique_phone();
    BOOST_TEST_REQUIRE(server.sms(keys.test_secret, phone).status == 200);
    BOOST_TEST(eventually([&] { return hook.destinations().count(phone) == 1; }, std::chrono::seconds(30)));
    BOOST_TEST(eventually([&] { return outbox_count(keys.app_id, "sent") == "1"; }));

    hook.misbehave("400", 1);
    auto refused = unique_phone();
    BOOST_TEST_REQUIRE(server.sms(keys.test_secret, refused).status == 200);
    BOOST_TEST(eventually([&] { return outbox_count(keys.app_id, "failed") == "1"; }, std::chrono::seconds(30)));
    BOOST_TEST(query_value("SELECT last_error FROM outbox WHERE destination = '" + refused + "'").find("400") !=
               std::string::npos);
    BOOST_TEST(hook.destinations().count(refused) == 0u);
}

BOOST_AUTO_TEST_CASE(nothing_is_sent_after_its_code_expired) {
    receiver hook;
    instance server(hook.port);
    auto keys = create_test_app("Expiry");
    hook.misbehave("429", 1, 120);  // retry in 2 minutes: after the 1-minute code has expired
    auto phone = unique_phone();
    BOOST_TEST_REQUIRE(server.sms(keys.test_secret, phone, 1).status == 200);
    BOOST_TEST(eventually([&] { return outbox_count(keys.app_id, "expired") == "1"; }, std::chrono::seconds(30)));
    BOOST_TEST(hook.destinations().count(phone) == 0u);
}

BOOST_AUTO_TEST_CASE(a_full_queue_pushes_back_with_503_and_loses_nothing) {
    receiver hook;
    auto keys = create_test_app("Backpressure");
    instance server(hook.port, {"--threads", "1", "--delivery_queue_limit", "5"});
    hook.misbehave("500", 100000);  // every send fails, so messages stay queued for retry
    std::vector<std::string> accepted;
    reply refused;
    for (int i = 0; i < 20 && refused.status == 0; ++i) {
        auto phone = unique_phone();
        auto r = server.sms(keys.test_secret, phone);
        if (r.status == 200) {
            accepted.push_back(phone);
        } else {
            refused = r;
        }
    }
    BOOST_TEST(refused.status == 503);
    BOOST_TEST(refused.error_type() == "service_unavailable");
    BOOST_TEST(refused.headers.count("Retry-After") == 1u);
    // At most the queue's 5 (fewer when lease recovery also queued older rows of the database).
    BOOST_TEST(!accepted.empty());
    BOOST_TEST(accepted.size() <= 5u);
    hook.misbehave("ok", 0);
    BOOST_TEST(eventually([&] { return hook.destinations().size() >= accepted.size(); }));
    for (auto const& phone : accepted) BOOST_TEST(hook.destinations().count(phone) == 1u, phone);
}

BOOST_AUTO_TEST_CASE(after_kill_9_two_instances_deliver_every_acknowledged_message_once) {
    receiver hook;
    auto keys = create_test_app("Crash");
    std::vector<std::string> accepted;
    {
        instance doomed(hook.port);
        hook.misbehave("500", 100000);  // nothing gets out: every message is pending when it dies
        accepted = load(doomed, keys.test_secret, 200, 10);
        BOOST_TEST_REQUIRE(accepted.size() == 200u);
        doomed.process.stop(SIGKILL);
    }
    BOOST_TEST(hook.destinations().empty());
    hook.misbehave("ok", 0);
    instance first(hook.port), second(hook.port);
    BOOST_TEST(eventually([&] { return hook.delivered().first.size() >= accepted.size(); }));
    auto delivered = hook.destinations();
    for (auto const& phone : accepted) BOOST_TEST(delivered.count(phone) == 1u, phone);
    auto [ids, sizes] = hook.delivered();
    for (auto const& [id, times] : ids) BOOST_TEST(times == 1, id);
    // Both survivors took part (each claims with SKIP LOCKED).
    bool recovered = !first.process.wait_for_log("outbox messages recovered", std::chrono::seconds(1)).empty() ||
                     !second.process.wait_for_log("outbox messages recovered", std::chrono::seconds(1)).empty();
    BOOST_TEST(recovered);
}

BOOST_AUTO_TEST_SUITE_END()
