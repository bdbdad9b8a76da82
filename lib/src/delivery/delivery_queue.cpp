#include "moonkey/delivery/delivery_queue.hpp"

#include "moonkey/core/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace moonkey {
namespace asio = boost::asio;
using steady = batch_policy::clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

void log_failure(std::exception_ptr failure, char const* what) {
    if (!failure) return;
    try {
        std::rethrow_exception(failure);
    } catch (std::exception const& e) {
        log::error(what, {{"exception", e.what()}});
    }
}

}  // namespace

delivery_queue::delivery_queue(asio::any_io_executor ex, repository& repo, provider& sms, provider& email,
                               unix_clock clock, options opts)
    : ex_(ex),
      repo_(repo),
      clock_(std::move(clock)),
      opts_(opts),
      policy_(opts.policy),
      sms_{sms, {opts.policy.batch_linger, opts.policy.batch_linger_max}, {}},
      email_{email, {opts.policy.batch_linger, opts.policy.batch_linger_max}, {}},
      marker_(ex, repo, clock_, opts.marks),
      wake_(ex, steady::time_point::max()),
      finished_(ex, steady::time_point::max()),
      random_(std::random_device{}()) {}

std::size_t delivery_queue::depth() const {
    return sms_.ready.size() + email_.ready.size() + retries_.size() + sms_.in_flight_messages +
           email_.in_flight_messages;
}

bool delivery_queue::enqueue(outbound_message m) {
    if (full()) {
        log::warn("delivery queue full; the message waits for lease recovery", {{"message_id", m.id}});
        return false;
    }
    auto& l = lane_of(m.via);
    l.ready.push_back(waiting{std::move(m), steady::now()});
    if (l.ready.size() == 1 || l.ready.size() >= policy_.batch_max()) wake_.cancel();
    return true;
}

void delivery_queue::start() {
    if (opts_.marks.interval.count() > 0) marker_.start();
    running_ = true;
    asio::co_spawn(ex_, consume(), [this](std::exception_ptr failure) {
        log_failure(failure, "delivery consumer failed");
        running_ = false;
        finished_.cancel();
    });
}

asio::awaitable<void> delivery_queue::stop() {
    stopping_ = true;
    wake_.cancel();
    if (running_) co_await finished_.async_wait(use_tuple);
    co_await marker_.stop();
}

void delivery_queue::promote_due_retries(steady::time_point now) {
    while (!retries_.empty() && retries_.begin()->first <= now) {
        auto& l = lane_of(retries_.begin()->second.via);
        l.ready.push_back(waiting{std::move(retries_.begin()->second), now});
        retries_.erase(retries_.begin());
    }
}

asio::awaitable<void> delivery_queue::consume() {
    for (;;) {
        auto now = steady::now();
        if (!stopping_) promote_due_retries(now);
        auto wake_at = stopping_ || retries_.empty() ? steady::time_point::max() : retries_.begin()->first;
        for (lane* l : {&sms_, &email_}) {
            while (!l->ready.empty() && l->in_flight < opts_.concurrency) {
                auto oldest = l->ready.front().since;
                auto decision = policy_.next_flush(l->ready.size(), oldest, now, l->linger.linger(oldest));
                if (!decision.flush && !stopping_) {
                    wake_at = std::min(wake_at, decision.wake_at);
                    break;
                }
                std::vector<outbound_message> batch;
                auto n = std::min(l->ready.size(), policy_.batch_max());
                l->linger.flushed(oldest, now, n == policy_.batch_max());
                for (std::size_t i = 0; i < n; ++i) {
                    batch.push_back(std::move(l->ready.front().message));
                    l->ready.pop_front();
                }
                ++l->in_flight;
                l->in_flight_messages += batch.size();
                auto counted = std::make_shared<std::size_t>(batch.size());
                asio::co_spawn(ex_, send_batch(*l, std::move(batch), counted),
                               [this, l, counted](std::exception_ptr failure) {
                                   log_failure(failure, "delivery batch failed");
                                   --l->in_flight;
                                   l->in_flight_messages -= *counted;
                                   wake_.cancel();
                               });
            }
        }
        if (metrics_) {
            metrics_->set_queue_depth(depth());
            auto oldest = steady::time_point::max();
            for (lane* l : {&sms_, &email_})
                if (!l->ready.empty()) oldest = std::min(oldest, l->ready.front().since);
            auto age = oldest == steady::time_point::max() ? 0.0 : std::chrono::duration<double>(now - oldest).count();
            metrics_->set_oldest_unsent_age(age);
        }
        bool idle = sms_.ready.empty() && email_.ready.empty() && sms_.in_flight == 0 && email_.in_flight == 0;
        if (stopping_ && idle) break;
        wake_.expires_at(wake_at);
        co_await wake_.async_wait(use_tuple);
    }
    if (!retries_.empty())
        log::info("delivery stopped; scheduled retries go back to the outbox", {{"messages", retries_.size()}});
}

asio::awaitable<void> delivery_queue::send_batch(lane& l, std::vector<outbound_message> batch,
                                                 std::shared_ptr<std::size_t> in_flight) {
    auto now_unix = clock_();
    std::vector<std::string> expired, sent, retried;
    std::vector<failed_message> failed;
    std::vector<outbound_message> to_send;
    for (auto& m : batch) {
        if (batch_policy::expired(m.expires_at, now_unix)) {
            expired.push_back(m.id);
        } else if (m.lease_until > 0 && m.lease_until <= now_unix) {
            continue;  // the lease ran out while it waited: lease recovery owns it now
        } else {
            to_send.push_back(std::move(m));
        }
    }
    std::int64_t lease_until = 0;
    if (!to_send.empty()) {
        auto results = co_await l.out.send(to_send);
        ++stats_.batches;
        stats_.largest_batch = std::max(stats_.largest_batch, to_send.size());
        auto now = steady::now();
        now_unix = clock_();
        for (std::size_t i = 0; i < to_send.size(); ++i) {
            auto& m = to_send[i];
            auto result = i < results.size() ? results[i] : delivery_result::retry("no result from the provider");
            if (result.what == delivery_result::outcome::sent) {
                sent.push_back(m.id);
                continue;
            }
            if (result.what == delivery_result::outcome::failed) {
                failed.push_back({m.id, result.reason});
                continue;
            }
            ++m.attempts;
            std::uniform_real_distribution<double> unit(0.0, 1.0);
            auto decision = policy_.after_failure(static_cast<unsigned>(m.attempts), result.retry_after, m.expires_at,
                                                  now_unix, now, unit(random_));
            using verdict = batch_policy::retry_decision::verdict;
            if (decision.what == verdict::give_up) {
                failed.push_back({m.id, "gave up after " + std::to_string(m.attempts) + " tries: " + result.reason});
            } else if (decision.what == verdict::expired) {
                expired.push_back(m.id);
            } else {
                auto delay = std::chrono::ceil<std::chrono::seconds>(decision.at - now).count();
                m.lease_until = now_unix + delay + opts_.lease.count();
                lease_until = std::max(lease_until, m.lease_until);
                retried.push_back(m.id);
                log::debug("delivery retry scheduled",
                          {{"message_id", m.id}, {"provider", l.out.name()}, {"reason", result.reason}});
                retries_.emplace(decision.at, std::move(m));
            }
        }
    }
    // The provider has answered: the messages to retry count in retries_ now, the others have left.
    // Counting them in flight until the marks below are written would count the retried ones twice
    // for that long, and the queue would refuse messages (503 before the commit, or left to lease
    // recovery after it) while not full.
    l.in_flight_messages -= *in_flight;
    *in_flight = 0;
    if (auto which = core_metrics::provider_from_name(l.out.name()); metrics_ && which) {
        using outcome_t = core_metrics::message_outcome;
        if (!to_send.empty()) metrics_->delivery_batch(*which, to_send.size());
        metrics_->delivery_outcome(*which, outcome_t::sent, sent.size());
        metrics_->delivery_outcome(*which, outcome_t::failed, failed.size());
        metrics_->delivery_outcome(*which, outcome_t::expired, expired.size());
        metrics_->delivery_outcome(*which, outcome_t::retry, retried.size());
        for (std::size_t i = 0; i < failed.size() + retried.size(); ++i) metrics_->provider_error(*which);
    }
    stats_.sent += sent.size();
    stats_.failed += failed.size();
    stats_.expired += expired.size();
    stats_.retried += retried.size();
    for (auto const& f : failed) log::warn("delivery failed", {{"message_id", f.id}, {"reason", f.reason}});
    auto warn_if = [](outcome<void> const& r, char const* what) {
        if (!r) log::warn(what, {{"error", r.error().message}});
    };
    if (!sent.empty() && opts_.marks.interval.count() > 0) {
        marker_.mark(std::move(sent));
    } else if (!sent.empty()) {
        warn_if(co_await repo_.mark_sent(std::move(sent), now_unix), "could not mark a batch sent");
    }
    if (!failed.empty()) warn_if(co_await repo_.mark_failed(std::move(failed), now_unix), "could not mark failures");
    if (!expired.empty()) warn_if(co_await repo_.mark_expired(std::move(expired)), "could not mark expiries");
    if (!retried.empty())
        warn_if(co_await repo_.extend_lease(std::move(retried), lease_until), "could not extend leases");
}

}  // namespace moonkey
