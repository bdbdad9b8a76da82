#include "moonkey/delivery/webhook_provider.hpp"

#include "moonkey/core/crypto.hpp"
#include "moonkey/delivery/http_client.hpp"
#include "moonkey/delivery/message_text.hpp"
#include "moonkey/delivery/webhook_signature.hpp"

#include <boost/json/serialize.hpp>

namespace moonkey {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

// {"messages":[…]} of SPEC §6; subject and html are "" for SMS.
std::string batch_body(std::span<outbound_message const> batch) {
    boost::json::array messages;
    messages.reserve(batch.size());
    for (auto const& m : batch) {
        bool const email = m.via == channel::email;
        messages.push_back(boost::json::object{
            {"id", m.id},
            {"app_id", m.owner.app_id},
            {"environment", to_string(m.owner.env)},
            {"channel", to_string(m.via)},
            {"to", m.to},
            {"code", m.code},
            {"expires_at", m.expires_at},
            {"locale", m.locale},
            {"subject", email ? email_subject(m) : std::string()},
            {"text", email ? email_text(m) : sms_text(m)},
            {"html", email ? email_html(m) : std::string()},
        });
    }
    return boost::json::serialize(boost::json::object{{"messages", std::move(messages)}});
}

}  // namespace

struct webhook_provider::impl {
    impl(asio::any_io_executor ex, webhook_options o) : opts(std::move(o)) {
        auto parsed = parse_http_origin(opts.url);
        if (!parsed) {
            config_error = "webhook URL: " + parsed.error().message;
            return;
        }
        target = parsed->target;
        http_client_options client_opts;
        client_opts.timeout = opts.timeout;
        client_opts.max_connections = 4;
        client_opts.max_waiting = 64;
        client.emplace(std::move(ex), std::move(*parsed), client_opts);
    }

    webhook_options opts;
    std::string config_error;
    std::string target;
    std::optional<http_client> client;
};

webhook_provider::webhook_provider(asio::any_io_executor ex, webhook_options opts)
    : impl_(std::make_unique<impl>(std::move(ex), std::move(opts))) {}

webhook_provider::~webhook_provider() = default;

asio::awaitable<std::vector<delivery_result>> webhook_provider::send(
    std::span<outbound_message const> batch) {
    if (batch.empty()) co_return std::vector<delivery_result>();
    if (!impl_->client)
        co_return std::vector<delivery_result>(batch.size(), delivery_result::failed(impl_->config_error));

    std::string body = batch_body(batch);
    std::string const id = "whb_" + crypto::random_base62(24);
    auto const timestamp =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();

    http_request req{bhttp::verb::post, impl_->target, 11};
    req.set(bhttp::field::content_type, "application/json");
    req.set("webhook-id", id);
    req.set("webhook-timestamp", std::to_string(timestamp));
    req.set("webhook-signature", webhook_signature(impl_->opts.secret, id, timestamp, body));
    req.body() = std::move(body);

    auto answer = co_await impl_->client->request(std::move(req));
    if (!answer)
        co_return std::vector<delivery_result>(batch.size(),
                                               delivery_result::retry("webhook: " + answer.error().message));
    auto const status = answer->result_int();
    if (status >= 200 && status < 300)
        co_return std::vector<delivery_result>(batch.size(), delivery_result::sent());
    std::string const reason = "webhook answered " + std::to_string(status);
    if (status == 429 || status >= 500)
        co_return std::vector<delivery_result>(
            batch.size(),
            delivery_result::retry(reason, retry_after_of(*answer, std::chrono::system_clock::now())));
    co_return std::vector<delivery_result>(batch.size(), delivery_result::failed(reason));
}

void webhook_provider::stop() {
    if (impl_->client) impl_->client->stop();
}

}  // namespace moonkey
