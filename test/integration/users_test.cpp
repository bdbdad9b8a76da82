// /v1/auth/users/...: the user-management API against the real server and MariaDB.

#include "test_server.hpp"

#include "moonkey/domain/ksuid.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

using namespace moonkey;
using namespace moonkey::test;
namespace json = boost::json;

namespace {

constexpr char const* create_path = "/v1/auth/users/create";
constexpr char const* search_path = "/v1/auth/users/search";

std::string str(json::value const& v, char const* key) {
    return std::string(v.at(key).as_string());
}
std::string str(reply const& r, char const* key) {
    return str(r.json, key);
}

std::string count_of(std::string const& table, std::string const& column, std::string const& value) {
    return query_value("SELECT COUNT(*) FROM " + table + " WHERE " + column + " = '" + value + "'");
}

struct fixture {
    test_server server;
    app_keys keys = server.create_app("Users");

    reply call(std::string const& method, std::string const& target, std::string const& body = "",
               std::string const& key = "") {
        return server.request(method, target, body,
                              {{"Authorization", "Bearer " + (key.empty() ? keys.test_secret : key)}});
    }
    reply create(json::object const& body, std::string const& key = "") {
        return call("POST", create_path, json::serialize(body), key);
    }
    reply get(std::string const& id, std::string const& key = "") {
        return call("GET", "/v1/auth/users/" + id, "", key);
    }
    reply update(std::string const& id, json::object const& body, std::string const& key = "") {
        return call("PUT", "/v1/auth/users/" + id + "/update", json::serialize(body), key);
    }
    reply remove(std::string const& id, std::string const& key = "") {
        return call("DELETE", "/v1/auth/users/" + id + "/delete", "", key);
    }
    reply search(json::object const& body, std::string const& key = "") {
        return call("POST", search_path, json::serialize(body), key);
    }
    reply remove_email(std::string const& id, std::string const& key = "") {
        return call("DELETE", "/v1/auth/users/emails/" + id + "/delete", "", key);
    }
    reply remove_phone(std::string const& id, std::string const& key = "") {
        return call("DELETE", "/v1/auth/users/phone_numbers/" + id + "/delete", "", key);
    }

    // Creates a user and returns its id; fails the test when that does not work.
    std::string new_user(json::object body) {
        auto r = create(body);
        BOOST_TEST_REQUIRE(r.status == 200, r.body);
        return str(r, "user_id");
    }

    std::string users_of_app() { return count_of("users", "app_id", keys.app_id); }

    // Returns the ids of a search's users, in order.
    static std::vector<std::string> ids(reply const& r) {
        std::vector<std::string> out;
        for (auto const& u : r.json.at("users").as_array()) out.push_back(str(u, "user_id"));
        return out;
    }

    // Returns the sorted ids of the users matching `filters`; fails the test unless the search succeeds.
    std::vector<std::string> matching(json::object const& filters) {
        auto r = search({{"filters", filters}, {"limit", 100}});
        BOOST_TEST_REQUIRE(r.status == 200, r.body);
        BOOST_TEST(r.json.at("total_count").as_int64() == static_cast<std::int64_t>(ids(r).size()));
        return ids(r);
    }
};

json::object filter(char const* field, char const* op, std::string const& value) {
    return {{"field", field}, {"operator", op}, {"value", value}};
}

json::object filters(char const* op, std::initializer_list<json::object> fields) {
    json::array list;
    for (auto const& f : fields) list.push_back(f);
    return {{"operator", op}, {"fields", list}};
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(users, fixture)

// --- create ---

BOOST_AUTO_TEST_CASE(create_with_an_email_only) {
    auto address = unique_email();
    std::string shouted = "  " + address + " ";
    std::transform(shouted.begin(), shouted.end(), shouted.begin(), [](char c) { return std::toupper(c); });
    auto r = create({{"email", shouted}});
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(is_id(str(r, "user_id"), "user_"));
    BOOST_TEST(is_id(str(r, "email_id"), "email_"));
    BOOST_TEST(str(r, "status") == "active");
    BOOST_TEST(!r.json.as_object().contains("phone_number_id"));
    BOOST_TEST(!r.json.as_object().contains("user"));
    BOOST_TEST(query_value("SELECT email FROM emails WHERE id = '" + str(r, "email_id") + "'") == address);
    BOOST_TEST(query_value("SELECT user_id FROM emails WHERE id = '" + str(r, "email_id") + "'")
               == str(r, "user_id"));
}

BOOST_AUTO_TEST_CASE(create_with_a_phone_number_only_stores_it_in_e164) {
    auto phone = unique_phone();
    std::string formatted = "+1 (" + phone.substr(2, 3) + ") " + phone.substr(5, 3) + "-" + phone.substr(8);
    auto r = create({{"phone_number", formatted}});
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(is_id(str(r, "phone_number_id"), "pn_"));
    BOOST_TEST(!r.json.as_object().contains("email_id"));
    BOOST_TEST(
        query_value("SELECT phone_number FROM phone_numbers WHERE id = '" + str(r, "phone_number_id") + "'")
        == phone);
}

BOOST_AUTO_TEST_CASE(create_with_both_names_metadata_and_include_user_returns_the_user) {
    auto address = unique_email();
    auto phone = unique_phone();
    auto r = create({{"email", address},
                     {"phone_number", phone},
                     {"first_name", "Ada"},
                     {"middle_name", "King"},
                     {"last_name", "Lovelace"},
                     {"metadata", {{"plan", "pro"}, {"seats", 3}}},
                     {"include_user", true}});
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    auto const& user = r.json.at("user");
    BOOST_TEST(str(user, "user_id") == str(r, "user_id"));
    BOOST_TEST(str(user, "first_name") == "Ada");
    BOOST_TEST(str(user, "middle_name") == "King");
    BOOST_TEST(str(user, "last_name") == "Lovelace");
    BOOST_TEST(user.at("metadata") == (json::object{{"plan", "pro"}, {"seats", 3}}));
    BOOST_TEST_REQUIRE(user.at("emails").as_array().size() == 1u);
    BOOST_TEST(str(user.at("emails").at(0), "id") == str(r, "email_id"));
    BOOST_TEST(str(user.at("emails").at(0), "email") == address);
    BOOST_TEST(user.at("emails").at(0).at("verified").as_bool() == false);
    BOOST_TEST_REQUIRE(user.at("phone_numbers").as_array().size() == 1u);
    BOOST_TEST(str(user.at("phone_numbers").at(0), "id") == str(r, "phone_number_id"));
    BOOST_TEST(str(user.at("phone_numbers").at(0), "phone_number") == phone);
    // The user returned by create is the one GET returns.
    BOOST_TEST(get(str(r, "user_id")).json == user);
}

BOOST_AUTO_TEST_CASE(create_needs_an_email_or_a_phone_number) {
    for (auto body : {json::object{}, json::object{{"first_name", "Ada"}}, json::object{{"email", ""}},
                      json::object{{"email", nullptr}, {"phone_number", nullptr}}}) {
        auto r = create(body);
        BOOST_TEST(r.status == 400, r.body);
        BOOST_TEST(r.error_type() == "invalid_request");
        BOOST_TEST(str(r, "error_message").find("email or phone_number") != std::string::npos);
    }
    BOOST_TEST(users_of_app() == "0");
}

BOOST_AUTO_TEST_CASE(create_refuses_an_email_or_phone_number_of_another_user_and_changes_nothing) {
    auto address = unique_email();
    auto phone = unique_phone();
    new_user({{"email", address}, {"phone_number", phone}});

    auto fresh_phone = unique_phone();
    auto email_taken = create({{"email", address}, {"phone_number", fresh_phone}});
    BOOST_TEST(email_taken.status == 409, email_taken.body);
    BOOST_TEST(email_taken.error_type() == "duplicate_email");
    auto fresh_email = unique_email();
    auto phone_taken = create({{"email", fresh_email}, {"phone_number", phone}});
    BOOST_TEST(phone_taken.status == 409, phone_taken.body);
    BOOST_TEST(phone_taken.error_type() == "duplicate_phone_number");
    std::string shouted = address;
    std::transform(shouted.begin(), shouted.end(), shouted.begin(), [](char c) { return std::toupper(c); });
    auto case_differs = create({{"email", " " + shouted}});
    BOOST_TEST(case_differs.error_type() == "duplicate_email");

    BOOST_TEST(users_of_app() == "1");
    BOOST_TEST(count_of("phone_numbers", "phone_number", fresh_phone) == "0");
    BOOST_TEST(count_of("emails", "email", fresh_email) == "0");
}

BOOST_AUTO_TEST_CASE(concurrent_creates_with_one_email_make_exactly_one_user) {
    auto address = unique_email();
    std::atomic<int> created{0}, conflicts{0}, others{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 10; ++i) {
        threads.emplace_back([&] {
            auto r = create({{"email", address}, {"phone_number", unique_phone()}});
            (r.status == 200 ? created : r.error_type() == "duplicate_email" ? conflicts : others)++;
        });
    }
    for (auto& t : threads) t.join();
    BOOST_TEST(created == 1);
    BOOST_TEST(conflicts == 9);
    BOOST_TEST(others == 0);
    BOOST_TEST(users_of_app() == "1");
    BOOST_TEST(count_of("phone_numbers", "app_id", keys.app_id) == "1");
}

BOOST_AUTO_TEST_CASE(concurrent_updates_attaching_one_email_to_two_users_give_it_to_one) {
    std::vector<std::string> ids;
    for (int i = 0; i < 6; ++i) ids.push_back(new_user({{"phone_number", unique_phone()}}));
    auto address = unique_email();
    std::atomic<int> updated{0}, conflicts{0}, others{0};
    std::vector<std::thread> threads;
    for (auto const& id : ids) {
        threads.emplace_back([&, id] {
            auto r =
                update(id, {{"emails", json::array{json::object{{"email", address}}}}, {"first_name", "X"}});
            (r.status == 200 ? updated : r.error_type() == "duplicate_email" ? conflicts : others)++;
        });
    }
    for (auto& t : threads) t.join();
    BOOST_TEST(updated == 1);
    BOOST_TEST(conflicts == 5);
    BOOST_TEST(others == 0);
    BOOST_TEST(count_of("emails", "email", address) == "1");
    BOOST_TEST(
        query_value("SELECT COUNT(*) FROM users WHERE first_name = 'X' AND app_id = '" + keys.app_id + "'")
        == "1");
}

BOOST_AUTO_TEST_CASE(the_same_email_is_free_in_another_environment_and_another_app) {
    auto address = unique_email();
    new_user({{"email", address}});
    BOOST_TEST(create({{"email", address}}, keys.live_secret).status == 200);
    auto other = server.create_app("Other");
    BOOST_TEST(create({{"email", address}}, other.test_secret).status == 200);
}

BOOST_AUTO_TEST_CASE(requires_verification_makes_the_user_pending_otherwise_active) {
    auto check = [&](json::object body, char const* status) {
        body["email"] = unique_email();
        auto r = create(body);
        BOOST_TEST_REQUIRE(r.status == 200, r.body);
        BOOST_TEST(str(r, "status") == status);
        auto user = get(str(r, "user_id"));
        BOOST_TEST(str(user, "status") == status);
        BOOST_TEST(user.json.at("active").as_bool() == (std::string(status) == "active"));
    };
    check({{"requires_verification", true}}, "pending");
    check({{"requies_verification", true}}, "pending");
    check({{"requires_verification", false}}, "active");
    check({}, "active");
}

BOOST_AUTO_TEST_CASE(create_refuses_invalid_fields_with_a_message_and_leaves_nothing_behind) {
    struct bad_case {
        json::object body;
        char const* error_type;
        char const* mentions;
    };
    std::string long_name(201, 'a');
    std::string big(16 * 1024, 'x');
    bad_case cases[] = {
        {{{"email", "not-an-email"}}, "invalid_email", ""},
        {{{"phone_number", "4155552671"}}, "invalid_phone_number", "E.164"},
        {{{"phone_number", "+1415555"}}, "invalid_phone_number", ""},
        {{{"email", 42}}, "invalid_request", "email"},
        {{{"email", unique_email()}, {"first_name", long_name}}, "invalid_request", "first_name"},
        {{{"email", unique_email()}, {"last_name", 7}}, "invalid_request", "last_name"},
        {{{"email", unique_email()}, {"metadata", json::array{1}}}, "invalid_request", "metadata"},
        {{{"email", unique_email()}, {"metadata", "{}"}}, "invalid_request", "metadata"},
        {{{"email", unique_email()}, {"metadata", {{"blob", big}}}}, "invalid_request", "metadata"},
        {{{"email", unique_email()}, {"include_user", "yes"}}, "invalid_request", "include_user"},
        {{{"email", unique_email()}, {"requires_verification", 1}},
         "invalid_request",
         "requires_verification"},
    };
    for (auto const& c : cases) {
        auto r = create(c.body);
        BOOST_TEST(r.status == 400, r.body);
        BOOST_TEST(r.error_type() == c.error_type, r.body);
        BOOST_TEST(str(r, "error_message").find(c.mentions) != std::string::npos, r.body);
    }
    BOOST_TEST(users_of_app() == "0");

    // 200 characters is the limit, counted in characters, not bytes.
    std::string accented;
    for (int i = 0; i < 200; ++i) accented += "\xC3\xA9";
    auto ok = create({{"email", unique_email()}, {"first_name", accented}, {"include_user", true}});
    BOOST_TEST_REQUIRE(ok.status == 200, ok.body);
    BOOST_TEST(str(ok.json.at("user"), "first_name") == accented);
}

// --- get ---

BOOST_AUTO_TEST_CASE(get_returns_the_user_object_with_empty_lists_as_arrays) {
    auto id = new_user({{"email", unique_email()}});
    auto r = get(id);
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    auto const& user = r.json.as_object();
    std::set<std::string> keys_seen;
    for (auto const& kv : user) keys_seen.insert(std::string(kv.key()));
    std::set<std::string> expected{"user_id",  "first_name", "middle_name", "last_name",
                                   "status",   "active",     "emails",      "phone_numbers",
                                   "metadata", "created_at", "updated_at"};
    BOOST_TEST(keys_seen == expected);
    BOOST_TEST(str(r, "user_id") == id);
    BOOST_TEST(str(r, "first_name") == "");
    BOOST_TEST(user.at("phone_numbers").is_array());
    BOOST_TEST(user.at("phone_numbers").as_array().empty());
    BOOST_TEST(user.at("metadata") == json::object{});
    BOOST_TEST(user.at("created_at").is_int64());
    BOOST_TEST(user.at("created_at").as_int64() > 1700000000);
    BOOST_TEST(user.at("updated_at") == user.at("created_at"));
    auto const& email = user.at("emails").at(0).as_object();
    BOOST_TEST(email.size() == 5u);
    BOOST_TEST(email.at("created_at").is_int64());
    BOOST_TEST(email.at("updated_at").is_int64());

    auto phone_only = get(new_user({{"phone_number", unique_phone()}}));
    BOOST_TEST(phone_only.json.at("emails").as_array().empty());
    BOOST_TEST(phone_only.json.at("phone_numbers").at(0).as_object().size() == 5u);
}

BOOST_AUTO_TEST_CASE(get_of_an_unknown_or_foreign_user_is_404) {
    auto id = new_user({{"email", unique_email()}});
    for (auto const& missing : {new_id("user_"), std::string("nope"), std::string("user_1")}) {
        auto r = get(missing);
        BOOST_TEST(r.status == 404, r.body);
        BOOST_TEST(r.error_type() == "user_not_found");
    }
    BOOST_TEST(get(id, keys.live_secret).error_type() == "user_not_found");
    auto other = server.create_app("Other");
    BOOST_TEST(get(id, other.test_secret).error_type() == "user_not_found");
    BOOST_TEST(get(id).status == 200);
}

BOOST_AUTO_TEST_CASE(every_user_endpoint_refuses_a_public_token_and_a_missing_key) {
    auto id = new_user({{"email", unique_email()}});
    auto email_id = get(id).json.at("emails").at(0).at("id").as_string();
    struct endpoint {
        char const* method;
        std::string target;
        std::string body;
    };
    endpoint endpoints[] = {
        {"POST", create_path, json::serialize(json::object{{"email", unique_email()}})},
        {"GET", "/v1/auth/users/" + id, ""},
        {"PUT", "/v1/auth/users/" + id + "/update", R"({"first_name":"Eve"})"},
        {"DELETE", "/v1/auth/users/" + id + "/delete", ""},
        {"POST", search_path, "{}"},
        {"DELETE", "/v1/auth/users/emails/" + std::string(email_id) + "/delete", ""},
        {"DELETE", "/v1/auth/users/phone_numbers/" + new_id("pn_") + "/delete", ""},
    };
    for (auto const& e : endpoints) {
        for (auto const& key : {keys.test_public, keys.live_public}) {
            auto r = call(e.method, e.target, e.body, key);
            BOOST_TEST(r.status == 401, e.target << ": " << r.body);
            BOOST_TEST(r.error_type() == "unauthorized_credentials");
        }
        auto anonymous = server.request(e.method, e.target, e.body);
        BOOST_TEST(anonymous.status == 401, e.target << ": " << anonymous.body);
    }
    // Nothing was changed by the refused calls.
    auto user = get(id);
    BOOST_TEST(str(user, "first_name") == "");
    BOOST_TEST(user.json.at("emails").as_array().size() == 1u);
    BOOST_TEST(users_of_app() == "1");
}

// --- update ---

BOOST_AUTO_TEST_CASE(update_replaces_the_names_given_and_keeps_the_others) {
    auto id = new_user(
        {{"email", unique_email()}, {"first_name", "Ada"}, {"middle_name", "M"}, {"last_name", "Byron"}});
    auto r = update(id, {{"first_name", "Augusta"}, {"last_name", "Lovelace"}});
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(str(r, "first_name") == "Augusta");
    BOOST_TEST(str(r, "middle_name") == "M");
    BOOST_TEST(str(r, "last_name") == "Lovelace");
    BOOST_TEST(r.json.at("updated_at").as_int64() >= r.json.at("created_at").as_int64());
    BOOST_TEST(get(id).json == r.json);

    auto cleared = update(id, {{"middle_name", ""}});
    BOOST_TEST(str(cleared, "middle_name") == "");
    BOOST_TEST(str(cleared, "first_name") == "Augusta");
}

BOOST_AUTO_TEST_CASE(update_attaches_emails_and_phone_numbers_unverified_and_ignores_ones_already_attached) {
    auto first_email = unique_email();
    auto id = new_user({{"email", first_email}});
    auto second_email = unique_email();
    auto phone = unique_phone();
    auto r = update(id, {{"emails", json::array{json::object{{"email", first_email}},
                                                json::object{{"email", "  " + second_email}},
                                                json::object{{"email", second_email}}}},
                         {"phone_numbers", json::array{json::object{{"phone_number", phone}}}}});
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    auto const& emails = r.json.at("emails").as_array();
    BOOST_TEST_REQUIRE(emails.size() == 2u);
    // Oldest first; the two were created in the same second, so either order may come.
    auto const& added = str(emails.at(0), "email") == second_email ? emails.at(0) : emails.at(1);
    auto const& original = &added == &emails.at(0) ? emails.at(1) : emails.at(0);
    BOOST_TEST(str(original, "email") == first_email);
    BOOST_TEST(str(added, "email") == second_email);
    BOOST_TEST(is_id(str(added, "id"), "email_"));
    BOOST_TEST(added.at("verified").as_bool() == false);
    auto const& phones = r.json.at("phone_numbers").as_array();
    BOOST_TEST_REQUIRE(phones.size() == 1u);
    BOOST_TEST(str(phones.at(0), "phone_number") == phone);
    BOOST_TEST(phones.at(0).at("verified").as_bool() == false);
    BOOST_TEST(count_of("emails", "user_id", id) == "2");

    // Sending them again changes nothing.
    auto again = update(id, {{"emails", json::array{json::object{{"email", second_email}}}},
                             {"phone_numbers", json::array{json::object{{"phone_number", phone}}}}});
    BOOST_TEST_REQUIRE(again.status == 200, again.body);
    BOOST_TEST(again.json.at("emails") == r.json.at("emails"));
    BOOST_TEST(again.json.at("phone_numbers") == r.json.at("phone_numbers"));
}

BOOST_AUTO_TEST_CASE(update_with_another_users_email_or_phone_is_409_and_changes_nothing) {
    auto taken_email = unique_email();
    auto taken_phone = unique_phone();
    new_user({{"email", taken_email}, {"phone_number", taken_phone}});
    auto id = new_user({{"email", unique_email()}, {"first_name", "Ada"}, {"metadata", {{"a", 1}}}});
    auto before = get(id);

    auto fresh_email = unique_email();
    auto fresh_phone = unique_phone();
    auto email_conflict = update(
        id,
        {{"first_name", "Eve"},
         {"metadata", {{"a", 2}}},
         {"emails", json::array{json::object{{"email", fresh_email}}, json::object{{"email", taken_email}}}},
         {"phone_numbers", json::array{json::object{{"phone_number", fresh_phone}}}}});
    BOOST_TEST(email_conflict.status == 409, email_conflict.body);
    BOOST_TEST(email_conflict.error_type() == "duplicate_email");
    auto phone_conflict =
        update(id, {{"last_name", "Eve"},
                    {"phone_numbers", json::array{json::object{{"phone_number", fresh_phone}},
                                                  json::object{{"phone_number", taken_phone}}}}});
    BOOST_TEST(phone_conflict.status == 409, phone_conflict.body);
    BOOST_TEST(phone_conflict.error_type() == "duplicate_phone_number");

    BOOST_TEST(get(id).json == before.json);
    BOOST_TEST(count_of("emails", "email", fresh_email) == "0");
    BOOST_TEST(count_of("phone_numbers", "phone_number", fresh_phone) == "0");
}

BOOST_AUTO_TEST_CASE(update_merges_metadata_at_the_top_level_and_null_deletes_a_key) {
    auto id = new_user({{"email", unique_email()},
                        {"metadata", {{"a", 1}, {"nested", {{"x", 1}, {"y", 2}}}, {"keep", "me"}}}});
    auto r = update(id, {{"metadata", {{"a", nullptr}, {"nested", {{"z", 3}}}, {"new", true}}}});
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(r.json.at("metadata")
               == (json::object{{"nested", {{"z", 3}}}, {"keep", "me"}, {"new", true}}));

    auto untouched = update(id, {{"first_name", "Ada"}});
    BOOST_TEST(untouched.json.at("metadata") == r.json.at("metadata"));

    auto replaced = update(id, {{"metadata", {{"only", "this"}}}, {"replace_metadata", true}});
    BOOST_TEST_REQUIRE(replaced.status == 200, replaced.body);
    BOOST_TEST(replaced.json.at("metadata") == (json::object{{"only", "this"}}));
    BOOST_TEST(get(id).json.at("metadata") == (json::object{{"only", "this"}}));

    auto emptied = update(id, {{"metadata", json::object{}}, {"replace_metadata", true}});
    BOOST_TEST(emptied.json.at("metadata") == json::object{});
}

BOOST_AUTO_TEST_CASE(update_refuses_invalid_fields_and_changes_nothing) {
    auto id = new_user(
        {{"email", unique_email()}, {"first_name", "Ada"}, {"metadata", {{"big", std::string(10000, 'a')}}}});
    auto before = get(id);
    json::array eleven;
    for (int i = 0; i < 11; ++i) eleven.push_back(json::object{{"email", unique_email()}});
    struct bad_case {
        json::object body;
        char const* error_type;
        char const* mentions;
    };
    bad_case cases[] = {
        {{{"first_name", std::string(201, 'b')}}, "invalid_request", "first_name"},
        {{{"middle_name", false}}, "invalid_request", "middle_name"},
        {{{"emails", "a@example.com"}}, "invalid_request", "emails"},
        {{{"emails", eleven}}, "invalid_request", "at most 10"},
        {{{"emails", json::array{"a@example.com"}}}, "invalid_request", "emails[0]"},
        {{{"emails", json::array{json::object{{"address", "a@example.com"}}}}},
         "invalid_request",
         "emails[0].email"},
        {{{"emails", json::array{json::object{{"email", unique_email()}}, json::object{{"email", "bad"}}}}},
         "invalid_email",
         "emails[1]"},
        {{{"phone_numbers", json::array{json::object{{"phone_number", "12"}}}}},
         "invalid_phone_number",
         "phone_numbers[0]"},
        {{{"phone_numbers", json::array{json::object{{"phone_number", 14155552671}}}}},
         "invalid_request",
         "phone_numbers[0].phone_number"},
        {{{"metadata", json::array{}}}, "invalid_request", "metadata"},
        {{{"replace_metadata", "yes"}}, "invalid_request", "replace_metadata"},
        // Each part is within the limit but the merge would not be.
        {{{"first_name", "Eve"}, {"metadata", {{"more", std::string(10000, 'b')}}}},
         "invalid_request",
         "metadata"},
    };
    for (auto const& c : cases) {
        auto r = update(id, c.body);
        BOOST_TEST(r.status == 400, r.body);
        BOOST_TEST(r.error_type() == c.error_type, r.body);
        BOOST_TEST(str(r, "error_message").find(c.mentions) != std::string::npos, r.body);
    }
    BOOST_TEST(get(id).json == before.json);
    BOOST_TEST(count_of("emails", "app_id", keys.app_id) == "1");
}

BOOST_AUTO_TEST_CASE(update_of_an_unknown_or_foreign_user_is_404) {
    auto id = new_user({{"email", unique_email()}});
    BOOST_TEST(update(new_id("user_"), {{"first_name", "Eve"}}).error_type() == "user_not_found");
    BOOST_TEST(update(id, {{"first_name", "Eve"}}, keys.live_secret).error_type() == "user_not_found");
    BOOST_TEST(str(get(id), "first_name") == "");
}

// --- delete ---

BOOST_AUTO_TEST_CASE(delete_removes_the_user_with_its_emails_phone_numbers_and_codes) {
    auto address = unique_email();
    auto phone = unique_phone();
    auto id = new_user({{"email", address}, {"phone_number", phone}});
    // Codes for both methods, through login.
    auto sms = server.post("/v1/auth/otps/sms/login_or_create", keys.test_secret,
                           json::serialize(json::object{{"phone_number", phone}}));
    BOOST_TEST_REQUIRE(sms.status == 200, sms.body);
    BOOST_TEST_REQUIRE(str(sms, "user_id") == id);
    auto mail = server.post("/v1/auth/otps/email/login_or_create", keys.test_secret,
                            json::serialize(json::object{{"email", address}}));
    BOOST_TEST_REQUIRE(mail.status == 200, mail.body);
    BOOST_TEST_REQUIRE(count_of("otps", "user_id", id) == "2");

    // Another tenant cannot delete it.
    BOOST_TEST(remove(id, keys.live_secret).error_type() == "user_not_found");
    BOOST_TEST(count_of("users", "id", id) == "1");

    auto r = remove(id);
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(str(r, "user_id") == id);
    BOOST_TEST(!str(r, "message").empty());
    BOOST_TEST(count_of("users", "id", id) == "0");
    BOOST_TEST(count_of("emails", "user_id", id) == "0");
    BOOST_TEST(count_of("phone_numbers", "user_id", id) == "0");
    BOOST_TEST(count_of("otps", "user_id", id) == "0");
    BOOST_TEST(get(id).error_type() == "user_not_found");
    BOOST_TEST(remove(id).error_type() == "user_not_found");
    // The email and phone number are free again.
    BOOST_TEST(create({{"email", address}, {"phone_number", phone}}).status == 200);
}

// --- search ---

BOOST_AUTO_TEST_CASE(search_pages_through_all_users_in_id_order) {
    std::vector<std::string> created;
    for (int i = 0; i < 25; ++i) created.push_back(new_user({{"email", unique_email()}}));
    // Users of another environment and another app are not found.
    create({{"email", unique_email()}}, keys.live_secret);
    create({{"email", unique_email()}}, server.create_app("Other").test_secret);

    std::vector<std::string> seen;
    std::string cursor;
    std::vector<std::size_t> sizes;
    std::vector<bool> more;
    for (int page = 0; page < 5; ++page) {
        json::object body{{"limit", 10}};
        if (!cursor.empty()) body["starting_after"] = cursor;
        auto r = search(body);
        BOOST_TEST_REQUIRE(r.status == 200, r.body);
        BOOST_TEST(r.json.at("total_count").as_int64() == 25);
        auto page_ids = ids(r);
        sizes.push_back(page_ids.size());
        more.push_back(r.json.at("has_more").as_bool());
        seen.insert(seen.end(), page_ids.begin(), page_ids.end());
        if (!r.json.at("has_more").as_bool()) break;
        cursor = page_ids.back();
    }
    BOOST_TEST(sizes == (std::vector<std::size_t>{10, 10, 5}), boost::test_tools::per_element());
    BOOST_TEST(more == (std::vector<bool>{true, true, false}), boost::test_tools::per_element());
    BOOST_TEST(seen == sorted(created),
               boost::test_tools::per_element());  // ordered, no overlap, none missed

    auto all = search({});
    BOOST_TEST_REQUIRE(all.status == 200, all.body);
    BOOST_TEST(ids(all).size() == 25u);  // default limit 50
    BOOST_TEST(!all.json.at("has_more").as_bool());
    BOOST_TEST(all.json.at("users").at(0).at("emails").as_array().size() == 1u);
    BOOST_TEST(all.json.at("users").at(0) == get(ids(all).front()).json);

    auto exact = search({{"limit", 25}});
    BOOST_TEST(!exact.json.at("has_more").as_bool());
    auto past_the_end = search({{"limit", 10}, {"starting_after", seen.back()}});
    BOOST_TEST(ids(past_the_end).empty());
    BOOST_TEST(past_the_end.json.at("users").is_array());
    BOOST_TEST(past_the_end.json.at("total_count").as_int64() == 25);
}

BOOST_AUTO_TEST_CASE(search_limit_must_be_10_to_100) {
    for (json::value limit : {json::value(9), json::value(101), json::value(0), json::value(-5),
                              json::value(10.5), json::value("20")}) {
        auto r = search({{"limit", limit}});
        BOOST_TEST(r.status == 400, r.body);
        BOOST_TEST(r.error_type() == "invalid_request");
        BOOST_TEST(str(r, "error_message").find("limit") != std::string::npos, r.body);
    }
    for (json::value limit : {json::value(10), json::value(100), json::value(20.0)})
        BOOST_TEST(search({{"limit", limit}}).status == 200);
    auto bad_cursor = search({{"starting_after", "robert'); DROP TABLE users;--"}});
    BOOST_TEST(bad_cursor.status == 400);
    BOOST_TEST(str(bad_cursor, "error_message").find("starting_after") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(search_filters_by_each_field_and_operator) {
    auto phone_a = unique_phone();
    auto phone_b = unique_phone();
    auto a = new_user({{"email", "alpha.searchtest@example.com"}, {"phone_number", phone_a}});
    auto b = new_user({{"email", "beta.searchtest@example.org"},
                       {"phone_number", phone_b},
                       {"requires_verification", true}});
    auto c = new_user({{"email", "gamma@example.net"}});
    using v = std::vector<std::string>;

    BOOST_TEST(matching(filters("AND", {filter("email_match", "eq", " Alpha.SearchTest@example.com")}))
               == v{a});
    BOOST_TEST(matching(filters("AND", {filter("email_match", "eq", "alpha.searchtest")})).empty());
    BOOST_TEST(matching(filters("AND", {filter("email_match", "contains", "SEARCHTEST")})) == sorted({a, b}));
    std::string formatted_b =
        "+1 " + phone_b.substr(2, 3) + "-" + phone_b.substr(5, 3) + "-" + phone_b.substr(8);
    BOOST_TEST(matching(filters("AND", {filter("phone_number_match", "eq", formatted_b)})) == v{b});
    BOOST_TEST(matching(filters("AND", {filter("phone_number_match", "contains", phone_a.substr(4))}))
               == v{a});
    BOOST_TEST(matching(filters("AND", {filter("phone_number_match", "contains", "+1650")}))
               == sorted({a, b}));
    BOOST_TEST(matching(filters("AND", {filter("status", "eq", "pending")})) == v{b});
    BOOST_TEST(matching(filters("AND", {filter("status", "eq", "active")})) == sorted({a, c}));
    BOOST_TEST(matching(filters("AND", {filter("status", "contains", "pend")})) == v{b});
    BOOST_TEST(matching(filters("AND", {filter("user_id", "eq", c)})) == v{c});
    BOOST_TEST(matching(filters("AND", {filter("user_id", "contains", a.substr(8, 12))})) == v{a});

    // AND narrows, OR widens; AND is the default operator.
    auto both =
        filters("AND", {filter("email_match", "contains", "searchtest"), filter("status", "eq", "active")});
    BOOST_TEST(matching(both) == v{a});
    BOOST_TEST(matching({{"fields", both.at("fields")}}) == v{a});
    auto either =
        filters("OR", {filter("email_match", "contains", "gamma"), filter("status", "eq", "pending")});
    BOOST_TEST(matching(either) == sorted({b, c}));
    BOOST_TEST(matching(filters("OR", {})) == sorted({a, b, c}));

    // Filters page like everything else.
    auto r = search({{"limit", 10},
                     {"starting_after", std::min(a, c)},
                     {"filters", filters("AND", {filter("status", "eq", "active")})}});
    BOOST_TEST(ids(r) == v{std::max(a, c)});
    BOOST_TEST(r.json.at("total_count").as_int64() == 2);
}

BOOST_AUTO_TEST_CASE(search_contains_treats_like_wildcards_and_quotes_as_plain_text) {
    auto underscore = new_user({{"email", "a_b.like@example.com"}});
    new_user({{"email", "axb.like@example.com"}});
    auto percent = new_user({{"email", "50%off.like@example.com"}});
    new_user({{"email", "50off.like@example.com"}});
    using v = std::vector<std::string>;
    BOOST_TEST(matching(filters("AND", {filter("email_match", "contains", "a_b")})) == v{underscore});
    BOOST_TEST(matching(filters("AND", {filter("email_match", "contains", "50%")})) == v{percent});
    BOOST_TEST(matching(filters("AND", {filter("email_match", "contains", "%")})) == v{percent});
    BOOST_TEST(matching(filters("AND", {filter("email_match", "contains", "' OR '1'='1")})).empty());
    BOOST_TEST(matching(filters("AND", {filter("user_id", "eq", "x' OR 1=1 -- ")})).empty());
    BOOST_TEST(users_of_app() == "4");
}

BOOST_AUTO_TEST_CASE(search_refuses_unknown_fields_and_operators_naming_them) {
    struct bad_case {
        json::object body;
        char const* mentions;
    };
    bad_case cases[] = {
        {{{"filters", filters("AND", {filter("nickname", "eq", "x")})}}, "nickname"},
        {{{"filters", filters("AND", {filter("status", "startswith", "x")})}}, "startswith"},
        {{{"filters", filters("XOR", {filter("status", "eq", "active")})}}, "AND"},
        {{{"filters", filters("AND", {filter("status", "eq", "deleted")})}}, "pending"},
        {{{"filters", filters("AND", {filter("phone_number_match", "eq", "650")})}}, "filters.fields[0]"},
        {{{"filters", filters("AND", {filter("status", "eq", "")})}}, "filters.fields[0].value"},
        {{{"filters", filters("AND", {filter("email_match", "contains", "   ")})}},
         "filters.fields[0].value"},
        {{{"filters", filters("AND", {filter("phone_number_match", "contains", "--")})}},
         "filters.fields[0].value"},
        {{{"filters", {{"fields", json::array{json::object{{"field", "status"}, {"value", "active"}}}}}}},
         "filters.fields[0].operator"},
        {{{"filters", {{"fields", json::array{"status"}}}}}, "filters.fields[0]"},
        {{{"filters", {{"fields", "status"}}}}, "filters.fields"},
        {{{"filters", "status"}}, "filters"},
    };
    for (auto const& c : cases) {
        auto r = search(c.body);
        BOOST_TEST(r.status == 400, r.body);
        BOOST_TEST(str(r, "error_message").find(c.mentions) != std::string::npos, r.body);
    }
}

// --- delete one email / phone number ---

BOOST_AUTO_TEST_CASE(delete_email_removes_it_and_its_code_and_keeps_the_user) {
    auto address = unique_email();
    auto id = new_user({{"email", address}, {"phone_number", unique_phone()}});
    auto mail = server.post("/v1/auth/otps/email/login_or_create", keys.test_secret,
                            json::serialize(json::object{{"email", address}}));
    BOOST_TEST_REQUIRE(mail.status == 200, mail.body);
    auto email_id = str(mail, "email_id");
    BOOST_TEST_REQUIRE(count_of("otps", "method_id", email_id) == "1");

    BOOST_TEST(remove_email(email_id, keys.live_secret).error_type() == "email_not_found");
    auto r = remove_email(email_id);
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(str(r, "email_id") == email_id);
    BOOST_TEST(str(r, "user_id") == id);
    BOOST_TEST(!str(r, "message").empty());
    BOOST_TEST(count_of("emails", "id", email_id) == "0");
    BOOST_TEST(count_of("otps", "method_id", email_id) == "0");
    auto user = get(id);
    BOOST_TEST(user.json.at("emails").as_array().empty());
    BOOST_TEST(user.json.at("phone_numbers").as_array().size() == 1u);

    auto again = remove_email(email_id);
    BOOST_TEST(again.status == 404);
    BOOST_TEST(again.error_type() == "email_not_found");
    BOOST_TEST(remove_email("nope").error_type() == "email_not_found");
    BOOST_TEST(remove_email(new_id("pn_")).error_type() == "email_not_found");
}

BOOST_AUTO_TEST_CASE(delete_phone_number_removes_it_and_its_code_and_keeps_the_user) {
    auto phone = unique_phone();
    auto id = new_user({{"email", unique_email()}, {"phone_number", phone}});
    auto sms = server.post("/v1/auth/otps/sms/login_or_create", keys.test_secret,
                           json::serialize(json::object{{"phone_number", phone}}));
    BOOST_TEST_REQUIRE(sms.status == 200, sms.body);
    auto phone_id = str(sms, "phone_number_id");
    BOOST_TEST_REQUIRE(count_of("otps", "method_id", phone_id) == "1");

    BOOST_TEST(remove_phone(phone_id, server.create_app("Other").test_secret).error_type()
               == "phone_number_not_found");
    auto r = remove_phone(phone_id);
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(str(r, "phone_number_id") == phone_id);
    BOOST_TEST(str(r, "user_id") == id);
    BOOST_TEST(count_of("phone_numbers", "id", phone_id) == "0");
    BOOST_TEST(count_of("otps", "method_id", phone_id) == "0");
    auto user = get(id);
    BOOST_TEST(user.json.at("phone_numbers").as_array().empty());
    BOOST_TEST(user.json.at("emails").as_array().size() == 1u);

    auto again = remove_phone(phone_id);
    BOOST_TEST(again.status == 404);
    BOOST_TEST(again.error_type() == "phone_number_not_found");
    // The number can be attached again, to anyone.
    auto other = new_user({{"phone_number", phone}});
    BOOST_TEST(other != id);
}

BOOST_AUTO_TEST_SUITE_END()
