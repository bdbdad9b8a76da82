// mysql_repository::verify_otp: one transaction that judges a code and applies the verdict.

#include "moonkey/store/mysql/limit_counters.hpp"
#include "moonkey/store/mysql/mysql_repository.hpp"
#include "moonkey/store/mysql/row_codec.hpp"
#include "moonkey/store/mysql/session_rows.hpp"
#include "moonkey/store/mysql/transaction.hpp"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

namespace moonkey::mysql {
namespace {

using result_set = std::unique_ptr<sql::ResultSet>;

struct locked_otp {
    stored_otp otp;
    channel via;
    std::string user_id;
    std::string destination;
};

// Locks the method's code row; nullopt when the method has no code in this tenant.
std::optional<locked_otp> lock_otp(connection& conn, verify_request const& r) {
    auto& find = conn.prepare(
        "SELECT o.method_type, o.user_id, HEX(o.code_digest), o.expires_at, o.failed_attempts, o.used_at IS NOT NULL,"
        " o.fingerprint_ip, o.fingerprint_user_agent, COALESCE(p.phone_number, e.email, '')"
        " FROM otps o LEFT JOIN phone_numbers p ON p.id = o.method_id LEFT JOIN emails e ON e.id = o.method_id"
        " WHERE o.method_id = ? AND o.app_id = ? AND o.environment = ? FOR UPDATE");
    find.setString(1, r.method_id);
    find.setString(2, r.owner.app_id);
    find.setString(3, std::string(to_string(r.owner.env)));
    result_set row(find.executeQuery());
    if (!row->next()) return std::nullopt;
    locked_otp found;
    found.via = row->getString(1) == "email" ? channel::email : channel::sms;
    found.user_id = row->getString(2);
    auto digest = unhex(std::string(row->getString(3)));
    std::copy_n(digest.begin(), std::min(digest.size(), found.otp.code_digest.size()), found.otp.code_digest.begin());
    found.otp.expires_at = row->getInt64(4);
    found.otp.failed_attempts = row->getInt(5);
    found.otp.used = row->getBoolean(6);
    found.otp.fingerprint = {row->getString(7), row->getString(8)};
    found.destination = row->getString(9);
    return found;
}

void count_failure(connection& conn, std::string const& method_id) {
    auto& update = conn.prepare("UPDATE otps SET failed_attempts = failed_attempts + 1 WHERE method_id = ?");
    update.setString(1, method_id);
    update.executeUpdate();
}

void consume(connection& conn, verify_request const& r, locked_otp const& found) {
    auto& used = conn.prepare("UPDATE otps SET used_at = ? WHERE method_id = ?");
    used.setInt64(1, r.now);
    used.setString(2, r.method_id);
    used.executeUpdate();
    auto& verified = conn.prepare(found.via == channel::sms
                                      ? "UPDATE phone_numbers SET verified = TRUE, updated_at = ? WHERE id = ?"
                                      : "UPDATE emails SET verified = TRUE, updated_at = ? WHERE id = ?");
    verified.setInt64(1, r.now);
    verified.setString(2, r.method_id);
    verified.executeUpdate();
    auto& activate = conn.prepare("UPDATE users SET status = 'active', updated_at = ? WHERE id = ? AND status = 'pending'");
    activate.setInt64(1, r.now);
    activate.setString(2, found.user_id);
    activate.executeUpdate();
}

// Creates or extends the session of a successful verify; session_not_found when the session to
// extend is gone, expired or another user's.
outcome<std::optional<session_record>> apply_session_plan(connection& conn, verify_request const& r,
                                                          locked_otp const& found) {
    session_factor factor{found.via, r.method_id, found.destination};
    auto const& plan = r.session;
    if (plan.what == session_plan::action::none) return std::optional<session_record>();
    if (plan.what == session_plan::action::create) {
        session_record s;
        s.id = plan.new_session_id;
        s.user_id = found.user_id;
        s.started_at = s.last_active_at = s.created_at = s.updated_at = r.now;
        s.expires_at = plan.expires_at.value_or(r.now);
        s.factors.push_back(std::move(factor));
        s.fingerprint = r.fingerprint;
        insert_session(conn, r.owner, s, plan.new_token_digest);
        return std::optional<session_record>(std::move(s));
    }
    auto s = lock_session(conn, r.owner, plan.existing, r.now);
    if (!s || s->user_id != found.user_id)
        return fail(errc::session_not_found, "the session to extend does not exist, has expired or is another user's");
    bool known = std::any_of(s->factors.begin(), s->factors.end(),
                             [&](session_factor const& f) { return f.method_id == factor.method_id; });
    if (!known) s->factors.push_back(std::move(factor));
    if (plan.expires_at) s->expires_at = *plan.expires_at;
    s->last_active_at = s->updated_at = r.now;
    save_session(conn, *s);
    return std::optional<session_record>(std::move(*s));
}

// The verdict travels out of the transaction as a value, so that a wrong code's counter is committed.
// (A constructor, not an aggregate: an aggregate would be constructible from an error, which makes
// outcome<judged> ambiguous.)
struct judged {
    judged(std::optional<error> r, verify_result v) : refusal(std::move(r)), result(std::move(v)) {}
    std::optional<error> refusal;
    verify_result result;
};

}  // namespace

async_outcome<verify_result> mysql_repository::verify_otp(verify_request request) {
    // A named job, not a temporary inside co_await: GCC 12 destroys such temporaries twice.
    auto job = [r = std::move(request)](connection& conn) {
        return in_transaction(conn, [&]() -> outcome<judged> {
            if (auto passed = enforce_limits(conn, r.limits, r.now); !passed) return passed.error();
            auto found = lock_otp(conn, r);
            if (!found) return fail(errc::otp_not_found, "no code was sent for this method_id; send one first");
            auto verdict = r.judge(found->otp);
            if (verdict.refusal) {
                if (!verdict.count_failure) return *verdict.refusal;
                count_failure(conn, r.method_id);
                return judged(verdict.refusal, verify_result{});
            }
            consume(conn, r, *found);
            auto session = apply_session_plan(conn, r, *found);
            if (!session) return session.error();
            return judged(std::nullopt, verify_result{r.method_id, found->via, found->user_id, std::move(*session)});
        });
    };
    auto judged_outcome = co_await pool_.run<judged>(std::move(job));
    if (!judged_outcome) co_return judged_outcome.error();
    if (judged_outcome->refusal) co_return *judged_outcome->refusal;
    co_return std::move(judged_outcome->result);
}

}  // namespace moonkey::mysql
