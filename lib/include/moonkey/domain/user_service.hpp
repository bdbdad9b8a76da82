#pragma once
// User management: create, read, update, delete and search users and their identifiers.

#include "moonkey/core/clock.hpp"
#include "moonkey/store/user_repository.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace moonkey {

struct create_user_input {
    std::optional<std::string> email;         // as the caller sent it
    std::optional<std::string> phone_number;  // as the caller sent it
    std::optional<std::string> first_name;
    std::optional<std::string> middle_name;
    std::optional<std::string> last_name;
    bool requires_verification = false;
    std::optional<boost::json::object> metadata;
};

struct update_user_input {
    std::optional<std::string> first_name;
    std::optional<std::string> middle_name;
    std::optional<std::string> last_name;
    std::vector<std::string> emails;         // as the caller sent them
    std::vector<std::string> phone_numbers;  // as the caller sent them
    std::optional<boost::json::object> metadata;
    bool replace_metadata = false;
};

struct search_field_input {
    std::string field;  // "email_match" | "phone_number_match" | "status" | "user_id"
    std::string op;     // "eq" | "contains"
    std::string value;
};

struct search_input {
    std::optional<std::int64_t> limit;
    std::optional<std::string> starting_after;
    std::optional<std::string> op;  // "AND" | "OR"
    std::vector<search_field_input> fields;
};

// Limits of the user-management API.
inline constexpr std::size_t max_name_length = 200;            // characters
inline constexpr std::size_t max_metadata_bytes = 16 * 1024;   // serialized
inline constexpr std::size_t max_identifiers_per_update = 10;  // emails, and phone numbers
inline constexpr std::size_t max_search_fields = 10;
inline constexpr std::int64_t min_search_limit = 10;
inline constexpr std::int64_t max_search_limit = 100;
inline constexpr std::int64_t default_search_limit = 50;

class user_service {
public:
    user_service(user_repository& repo, unix_clock clock) : repo_(repo), clock_(std::move(clock)) {}

    // Creates a user with an email and/or a phone number, pending when verification is required.
    // Errors: invalid_request, invalid_email, invalid_phone_number, duplicate_email,
    // duplicate_phone_number, service_unavailable.
    async_outcome<user_record> create_user(tenant const& owner, create_user_input input);

    // Returns the user. Errors: user_not_found, service_unavailable.
    async_outcome<user_record> get_user(tenant const& owner, std::string_view user_id);

    // Replaces the names given, attaches new emails and phone numbers, merges (or replaces) the
    // metadata; all or nothing. Errors: invalid_request, invalid_email, invalid_phone_number,
    // user_not_found, duplicate_email, duplicate_phone_number, service_unavailable.
    async_outcome<user_record> update_user(tenant const& owner, std::string_view user_id,
                                           update_user_input input);

    // Deletes the user with its identifiers, codes and sessions. Errors: user_not_found, service_unavailable.
    async_outcome<void> delete_user(tenant const& owner, std::string_view user_id);

    // Returns one page of matching users. Errors: invalid_request (naming the bad field),
    // invalid_phone_number (an "eq" phone number filter), service_unavailable.
    async_outcome<user_page> search_users(tenant const& owner, search_input input);

    // Deletes one email / phone number; returns its user's id.
    // Errors: email_not_found / phone_number_not_found, service_unavailable.
    async_outcome<std::string> delete_email(tenant const& owner, std::string_view email_id);
    async_outcome<std::string> delete_phone_number(tenant const& owner, std::string_view phone_number_id);

private:
    user_repository& repo_;
    unix_clock clock_;
};

// Returns `current` with `patch` merged at the top level (a null value deletes its key), serialized;
// invalid_request when the result is over max_metadata_bytes. A `current` that is not a JSON object
// counts as {}.
outcome<std::string> merge_metadata(std::string const& current, boost::json::object const& patch);

// Returns the validated query of a search. Errors: invalid_request naming the bad field or value,
// invalid_phone_number.
outcome<user_query> make_user_query(tenant const& owner, search_input const& input);

}  // namespace moonkey
