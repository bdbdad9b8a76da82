#include <boost/test/unit_test.hpp>

#include "moonkey/delivery/webhook_signature.hpp"

using namespace moonkey;

BOOST_AUTO_TEST_SUITE(webhook_signature_test)

// The example of the Standard Webhooks specification and its reference libraries.
BOOST_AUTO_TEST_CASE(matches_the_standard_webhooks_vector) {
    BOOST_TEST(webhook_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                                 1614265330, R"({"test": 2432232314})")
               == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

BOOST_AUTO_TEST_CASE(every_signed_part_changes_the_signature) {
    auto const base = webhook_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", 1614265330, "{}");
    BOOST_TEST(base
               != webhook_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSx", "msg_1", 1614265330, "{}"));
    BOOST_TEST(base
               != webhook_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_2", 1614265330, "{}"));
    BOOST_TEST(base
               != webhook_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", 1614265331, "{}"));
    BOOST_TEST(base
               != webhook_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", 1614265330, "[]"));
}

BOOST_AUTO_TEST_CASE(a_whsec_secret_is_base64_decoded_after_the_prefix) {
    BOOST_TEST(webhook_key("whsec_Zm9vYmFy") == "foobar");
    BOOST_TEST(webhook_signature("whsec_Zm9vYmFy", "id", 1, "body")
               == webhook_signature("foobar", "id", 1, "body"));
}

BOOST_AUTO_TEST_CASE(any_other_secret_is_used_as_its_bytes) {
    BOOST_TEST(webhook_key("plain secret") == "plain secret");
    // base64(HMAC-SHA256("key", "id.1.body")), computed independently with Python's hmac module.
    BOOST_TEST(webhook_signature("key", "id", 1, "body")
               == "v1,sYA3/+8KvyXbe4KAKZy0QWKFoLKSHDq/QWu0xQZyY7s=");
}

BOOST_AUTO_TEST_SUITE_END()
