#pragma once
// Users, their emails and phone numbers: the storage the user-management API needs.
// Every call is scoped by the caller's tenant: a row of another app or environment does not exist.

#include "moonkey/store/repository.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace moonkey {

enum class user_status { pending, active };

// One email address or phone number of a user; `value` is the address or the E.164 number.
struct user_method {
    std::string id;
    std::string value;
    bool verified = false;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

struct user_record {
    std::string id;
    user_status status = user_status::active;
    std::string first_name;
    std::string middle_name;
    std::string last_name;
    std::string metadata = "{}";  // a serialized JSON object
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::vector<user_method> emails;         // oldest first
    std::vector<user_method> phone_numbers;  // oldest first
};

// A normalized identifier to attach, with the id it gets if it is new.
struct new_method {
    std::string id;
    std::string value;
};

struct new_user {
    tenant owner;
    std::string id;
    user_status status = user_status::active;
    std::string first_name;
    std::string middle_name;
    std::string last_name;
    std::string metadata = "{}";
    std::optional<new_method> email;
    std::optional<new_method> phone_number;
    std::int64_t now = 0;
};

struct user_changes {
    tenant owner;
    std::string user_id;
    std::optional<std::string> first_name;
    std::optional<std::string> middle_name;
    std::optional<std::string> last_name;
    std::vector<new_method> emails;         // attached when new; no-op when already this user's
    std::vector<new_method> phone_numbers;  // likewise
    // Computes the new metadata from the stored one (run inside the transaction, on the locked row);
    // empty means "keep it". Its error aborts the update.
    std::function<outcome<std::string>(std::string const& current)> metadata;
    std::int64_t now = 0;
};

enum class user_field { email, phone_number, status, user_id };
enum class match_kind { eq, contains };

struct user_filter {
    user_field field;
    match_kind match;
    std::string value;  // normalized for the field
};

struct user_query {
    tenant owner;
    std::size_t limit = 50;
    std::string starting_after;  // a user id, or empty for the first page
    bool match_all = true;       // AND of the filters; false: OR
    std::vector<user_filter> filters;
};

struct user_page {
    std::vector<user_record> users;
    std::int64_t total_count = 0;
    bool has_more = false;
};

class user_repository {
public:
    virtual ~user_repository() = default;

    // Creates the user with its email and phone number in one transaction and returns it.
    // Errors: duplicate_email, duplicate_phone_number (the identifier is another user's),
    // service_unavailable.
    virtual async_outcome<user_record> create_user(new_user user) = 0;

    // Returns the user with its emails and phone numbers. Errors: user_not_found, service_unavailable.
    virtual async_outcome<user_record> find_user(tenant owner, std::string user_id) = 0;

    // Applies the changes in one transaction and returns the updated user; on an error nothing changes.
    // Errors: user_not_found, duplicate_email, duplicate_phone_number, the metadata function's error,
    // service_unavailable.
    virtual async_outcome<user_record> update_user(user_changes changes) = 0;

    // Deletes the user and everything that belongs to it. Errors: user_not_found, service_unavailable.
    virtual async_outcome<void> delete_user(tenant owner, std::string user_id) = 0;

    // Returns one page of the matching users, ordered by id, with the count of all matches.
    // Errors: service_unavailable.
    virtual async_outcome<user_page> search_users(user_query query) = 0;

    // Deletes the email and its code and sets its user's updated_at; returns that user's id.
    // Errors: email_not_found, service_unavailable.
    virtual async_outcome<std::string> delete_email(tenant owner, std::string email_id, std::int64_t now) = 0;

    // Deletes the phone number and its code and sets its user's updated_at; returns that user's id.
    // Errors: phone_number_not_found, service_unavailable.
    virtual async_outcome<std::string> delete_phone_number(tenant owner, std::string phone_number_id,
                                                           std::int64_t now) = 0;
};

}  // namespace moonkey
