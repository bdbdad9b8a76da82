// The abuse limits' pure parts: rule syntax, GCRA step by step, plans, refusals, SMS destinations.

#include "moonkey/domain/abuse_limits.hpp"
#include "moonkey/domain/app_settings.hpp"
#include "moonkey/domain/sliding_window.hpp"
#include "moonkey/domain/phone_number.hpp"
#include "moonkey/domain/sms_destination_policy.hpp"

#include <boost/test/unit_test.hpp>

using namespace moonkey;

BOOST_AUTO_TEST_SUITE(abuse_limits)

BOOST_AUTO_TEST_CASE(rules_parse_and_format) {
    auto rules = parse_rate_rules("1/30s,5/10m,20/1d").value();
    BOOST_TEST(rules.size() == 3u);
    BOOST_TEST((rules[0] == rate_rule{1, 30}));
    BOOST_TEST((rules[1] == rate_rule{5, 600}));
    BOOST_TEST((rules[2] == rate_rule{20, 86400}));
    BOOST_TEST(format_rate_rules(rules) == "1/30s,5/10m,20/1d");
    BOOST_TEST(format_rate_rules(parse_rate_rules("50/1h").value()) == "50/1h");
    BOOST_TEST(parse_rate_rules("off").value().empty());
    BOOST_TEST(format_rate_rules({}) == "off");
    BOOST_TEST(describe_rate_rule({5, 600}) == "5 per 10 minutes");
    BOOST_TEST(describe_rate_rule({1, 30}) == "1 per 30 seconds");
    BOOST_TEST(describe_rate_rule({20, 86400}) == "20 per day");
}

BOOST_AUTO_TEST_CASE(bad_rules_are_refused_with_how_to_write_them) {
    for (auto text : {"", "5", "5/", "/10m", "0/10m", "5/0m", "5/10x", "5/10m,", "-1/10m", "5/10m,,1/1s", "1/400d",
                      "99999999999999999999/1s"}) {
        auto parsed = parse_rate_rules(text);
        BOOST_TEST_REQUIRE(!parsed, text);
        BOOST_TEST((parsed.error().code == errc::invalid_request));
    }
    BOOST_TEST(parse_rate_rules("x").error().message.find("N/window") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(public_tokens_get_half_of_every_limit) {
    auto rules = halved(parse_rate_rules("1/30s,5/10m,30/5m").value());
    BOOST_TEST(format_rate_rules(rules) == "1/30s,2/10m,15/5m");
}

BOOST_AUTO_TEST_CASE(one_per_30_seconds) {
    rate_rules rules{{1, 30}};
    auto first = admit(rules, {}, 1000);
    BOOST_TEST_REQUIRE(first.allowed);
    auto second = admit(rules, first.log, 1010);
    BOOST_TEST(!second.allowed);
    BOOST_TEST(second.retry_after == 20);
    BOOST_TEST((second.broken == rate_rule{1, 30}));
    BOOST_TEST(admit(rules, first.log, 1030).allowed);
}

BOOST_AUTO_TEST_CASE(n_per_window_is_exact_in_any_window) {
    rate_rules rules{{1, 30}, {5, 600}, {20, 86400}};
    event_log log;
    std::int64_t now = 5'000'000;
    // One send every 30 s: five pass, the sixth (at +150 s) waits until the first leaves the
    // 10-minute window, at +600 s.
    for (int i = 0; i < 5; ++i) {
        auto v = admit(rules, log, now + 30 * i);
        BOOST_TEST_REQUIRE(v.allowed, "send " << i + 1);
        log = v.log;
    }
    auto sixth = admit(rules, log, now + 150);
    BOOST_TEST(!sixth.allowed);
    BOOST_TEST((sixth.broken == rate_rule{5, 600}));
    BOOST_TEST(sixth.retry_after == 450);
    BOOST_TEST(!admit(rules, log, now + 599).allowed);
    auto after = admit(rules, log, now + 600);
    BOOST_TEST(after.allowed);
    BOOST_TEST(after.log.size() == 6u);  // kept for the 20/1d rule
}

BOOST_AUTO_TEST_CASE(the_longest_wait_is_announced_and_old_events_are_forgotten) {
    rate_rules rules{{2, 60}, {3, 3600}};
    event_log log{100, 110, 120};
    auto v = admit(rules, log, 130);
    BOOST_TEST(!v.allowed);
    BOOST_TEST(v.retry_after == 100 + 3600 - 130);
    auto later = admit(rules, log, 100 + 3600 + 1);
    BOOST_TEST_REQUIRE(later.allowed);
    BOOST_TEST(later.log.size() == 3u);  // at most the largest count is kept
    BOOST_TEST(forget_at(rules, later.log) == 100 + 3600 + 1 + 3600);
}

BOOST_AUTO_TEST_CASE(events_pack_and_unpack) {
    event_log log{1764570000, 1764570030, 1764570600};
    BOOST_TEST(pack_events(log).size() == 12u);
    BOOST_TEST((unpack_events(pack_events(log)) == log));
    BOOST_TEST(unpack_events("abc").empty());
    BOOST_TEST((unpack_events(pack_events({30, 10})) == event_log{10, 30}));
}

// Two instances (or two batches) can judge requests in another order than their clocks read: a
// request stamped at 100 s may lock the row after one stamped at 101 s. Its event still counts, in
// its place, and the limit holds for the requests after it.
BOOST_AUTO_TEST_CASE(an_event_older_than_the_latest_goes_in_its_place) {
    rate_rules rules{{3, 60}};
    auto first = admit(rules, {}, 101);
    BOOST_TEST_REQUIRE(first.allowed);
    auto older = admit(rules, unpack_events(pack_events(first.log)), 100);
    BOOST_TEST_REQUIRE(older.allowed);
    BOOST_TEST((older.log == event_log{100, 101}));
    auto third = admit(rules, unpack_events(pack_events(older.log)), 101);
    BOOST_TEST_REQUIRE(third.allowed);
    auto fourth = admit(rules, unpack_events(pack_events(third.log)), 102);
    BOOST_TEST(!fourth.allowed);
    BOOST_TEST(fourth.retry_after == 100 + 60 - 102);
    BOOST_TEST(forget_at(rules, third.log) == 101 + 60);
}

tenant acme{"app_acme", environment::live};

BOOST_AUTO_TEST_CASE(an_sms_send_counts_destination_ip_prefix_and_the_daily_cap) {
    limit_settings limits;
    send_subject s{acme, channel::sms, "+14155552671", "203.0.113.9", false};
    auto plan = plan_send_limits(limits, s, 86400 * 20000 + 5);
    BOOST_TEST_REQUIRE(plan.checks.size() == 3u);  // destination, ip, prefix
    BOOST_TEST(plan.checks[0].rules.size() == 3u);
    BOOST_TEST(plan.checks[2].subject == "+1415555");
    BOOST_TEST_REQUIRE(plan.sms_cap.has_value());
    BOOST_TEST(plan.sms_cap->limit == 10000);
    BOOST_TEST(plan.sms_cap->resets_at == 86400 * 20001);
    // Keys differ per subject, rule, tenant and environment; the subject itself is not in the key.
    auto other_env = plan_send_limits(limits, {{"app_acme", environment::test}, channel::sms, "+14155552671", "", false}, 0);
    BOOST_TEST(other_env.checks.size() == 2u);  // no ip
    BOOST_TEST((other_env.checks[0].key != plan.checks[0].key));
    BOOST_TEST((plan.checks[0].key != plan.checks[1].key));
}

BOOST_AUTO_TEST_CASE(an_email_send_has_no_prefix_or_sms_cap_and_off_means_none) {
    limit_settings limits;
    auto plan = plan_send_limits(limits, {acme, channel::email, "ann@example.com", "", false}, 0);
    BOOST_TEST(plan.checks.size() == 1u);
    BOOST_TEST(!plan.sms_cap);
    limit_settings off{{}, {}, {}, {}, {}};
    BOOST_TEST(plan_send_limits(off, {acme, channel::sms, "+14155552671", "203.0.113.9", false}, 0).empty());
    BOOST_TEST(plan_verify_limits(limits, acme, "", false).empty());
    auto verify = plan_verify_limits(limits, acme, "203.0.113.9", true);
    BOOST_TEST_REQUIRE(verify.checks.size() == 1u);
    BOOST_TEST(verify.checks[0].rules.front().count == 15);
}

BOOST_AUTO_TEST_CASE(refusals_say_what_and_when) {
    limit_check check{{}, {{1, 30}}, rate_limit_kind::destination, "+14155552671"};
    auto e = limit_refusal(check, {1, 30}, 21);
    BOOST_TEST((e.code == errc::too_many_requests));
    BOOST_TEST(e.retry_after == 21);
    BOOST_TEST((e.limit == rate_limit_kind::destination));
    BOOST_TEST(e.message == "too many codes were sent to +14155552671 (the limit is 1 per 30 seconds); retry in 21 seconds");
    auto cap = cap_refusal(daily_cap{{}, 10000, 1000}, 400);
    BOOST_TEST(cap.retry_after == 600);
    BOOST_TEST(cap.message.find("limit_daily_sms") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(settings_take_limits_countries_and_types) {
    auto stored = set_app_setting("{}", "limit_destination", "2/1m", std::nullopt).value();
    stored = set_app_setting(stored, "limit_daily_sms", "off", std::nullopt).value();
    stored = set_app_setting(stored, "sms_allowed_countries", "US,CA,GB", environment::live).value();
    auto live = parse_app_settings(stored, environment::live);
    BOOST_TEST(format_rate_rules(live.limits.destination) == "2/1m");
    BOOST_TEST(live.limits.daily_sms.empty());
    BOOST_TEST(format_rate_rules(live.limits.prefix) == "50/1h");
    BOOST_TEST(live.sms_allowed_countries.size() == 3u);
    BOOST_TEST(parse_app_settings(stored, environment::test).sms_allowed_countries.size() == 2u);
    BOOST_TEST(!set_app_setting("{}", "limit_prefix", "lots", std::nullopt));
    BOOST_TEST(!set_app_setting("{}", "limit_daily_sms", "100/1h", std::nullopt));
    BOOST_TEST(!set_app_setting("{}", "limit_ip_send", "1001/1h", std::nullopt));
    BOOST_TEST(set_app_setting("{}", "limit_daily_sms", "100000/1d", std::nullopt).has_value());
    BOOST_TEST(!set_app_setting("{}", "sms_allowed_countries", "usa", std::nullopt));
    BOOST_TEST(set_app_setting("{}", "sms_allowed_countries", "*", std::nullopt).has_value());
    BOOST_TEST(!set_app_setting("{}", "sms_allowed_number_types", "mobile,landline", std::nullopt));
}

BOOST_AUTO_TEST_CASE(sms_destinations_by_country_and_type) {
    app_settings defaults;
    BOOST_TEST(check_sms_destination(parse_phone_number("+14155552671").value(), defaults).has_value());
    BOOST_TEST(check_sms_destination(parse_phone_number("+16135550123").value(), defaults).has_value());  // CA

    auto gb = check_sms_destination(parse_phone_number("+447400123456").value(), defaults);
    BOOST_TEST_REQUIRE(!gb);
    BOOST_TEST((gb.error().code == errc::unsupported_phone_number));
    BOOST_TEST(gb.error().message.find("sms_allowed_countries US,CA,GB") != std::string::npos, gb.error().message);

    auto premium = check_sms_destination(parse_phone_number("+19005550123").value(), defaults);
    BOOST_TEST_REQUIRE(!premium);
    BOOST_TEST(premium.error().message.find("premium_rate") != std::string::npos, premium.error().message);
    auto toll_free = check_sms_destination(parse_phone_number("+18005550199").value(), defaults);
    BOOST_TEST_REQUIRE(!toll_free);
    BOOST_TEST(toll_free.error().message.find("toll_free") != std::string::npos);

    app_settings everywhere;
    everywhere.sms_allowed_countries = {"*"};
    BOOST_TEST(check_sms_destination(parse_phone_number("+447400123456").value(), everywhere).has_value());
    auto gb_landline = check_sms_destination(parse_phone_number("+442079460958").value(), everywhere);
    BOOST_TEST(!gb_landline);  // fixed_line
}

BOOST_AUTO_TEST_SUITE_END()
