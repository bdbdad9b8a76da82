#include "moonkey/delivery/twilio_provider.hpp"

#include "moonkey/core/crypto.hpp"
#include "moonkey/delivery/http_client.hpp"
#include "moonkey/delivery/message_text.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <exception>
#include <utility>

namespace moonkey {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

// application/x-www-form-urlencoded, as Twilio reads it.
void append_form_field(std::string& out, std::string_view name, std::string_view value) {
    static constexpr char hex[] = "0123456789ABCDEF";
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    for (unsigned char c : value) {
        bool const alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (alnum || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
}

// "Twilio error 21211: The 'To' number is not a valid phone number." from Twilio's JSON error, or
// "Twilio answered <status>" when the body is not one.
std::string twilio_error(http_response const& res) {
    std::string reason = "Twilio answered " + std::to_string(res.result_int());
    boost::system::error_code ec;
    auto json = boost::json::parse(res.body(), ec);
    if (ec || !json.is_object()) return reason;
    auto const& obj = json.get_object();
    auto const* message = obj.if_contains("message");
    if (!message || !message->is_string()) return reason;
    if (auto const* code = obj.if_contains("code"); code && code->is_int64())
        reason += " (error " + std::to_string(code->get_int64()) + ")";
    return reason + ": " + std::string(message->get_string());
}

}  // namespace

struct twilio_provider::impl {
    impl(asio::any_io_executor e, twilio_options o) : ex(e), opts(std::move(o)) {
        if (opts.max_concurrency == 0) opts.max_concurrency = 1;
        auto parsed = parse_http_origin(opts.base_url);
        if (!parsed) {
            config_error = "Twilio base URL: " + parsed.error().message;
            return;
        }
        std::string base_path = parsed->target.substr(0, parsed->target.find('?'));
        while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
        target = base_path + "/2010-04-01/Accounts/" + opts.account_sid + "/Messages.json";
        authorization = "Basic " + crypto::base64_encode(opts.account_sid + ":" + opts.auth_token);
        http_client_options client_opts;
        client_opts.timeout = opts.timeout;
        client_opts.max_connections = opts.max_concurrency;
        client_opts.max_waiting = 4096;
        client.emplace(std::move(e), std::move(*parsed), client_opts);
    }

    asio::awaitable<delivery_result> send_one(outbound_message const& m) {
        if (m.via != channel::sms) co_return delivery_result::failed("Twilio sends SMS only");
        std::string const& from = m.style.sms_from.empty() ? opts.from : m.style.sms_from;
        std::string form;
        append_form_field(form, "To", m.to);
        append_form_field(form, from.starts_with("MG") ? "MessagingServiceSid" : "From", from);
        append_form_field(form, "Body", sms_text(m));

        http_request req{bhttp::verb::post, target, 11};
        req.set(bhttp::field::authorization, authorization);
        req.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
        req.set(bhttp::field::accept, "application/json");
        req.set("I-Twilio-Idempotency-Token", m.id);
        req.body() = std::move(form);

        auto answer = co_await client->request(std::move(req));
        if (!answer) co_return delivery_result::retry("Twilio: " + answer.error().message);
        auto const status = answer->result_int();
        if (status >= 200 && status < 300) co_return delivery_result::sent();
        if (status == 429 || status >= 500)
            co_return delivery_result::retry(twilio_error(*answer),
                                             retry_after_of(*answer, std::chrono::system_clock::now()));
        co_return delivery_result::failed(twilio_error(*answer));
    }

    asio::any_io_executor ex;
    twilio_options opts;
    std::string config_error;
    std::string target;
    std::string authorization;
    std::optional<http_client> client;
};

twilio_provider::twilio_provider(asio::any_io_executor ex, twilio_options opts)
    : impl_(std::make_unique<impl>(std::move(ex), std::move(opts))) {}

twilio_provider::~twilio_provider() = default;

// Every message goes out at once; the client holds all but max_concurrency of them in its queue.
asio::awaitable<std::vector<delivery_result>> twilio_provider::send(std::span<outbound_message const> batch) {
    if (!impl_->client)
        co_return std::vector<delivery_result>(batch.size(), delivery_result::failed(impl_->config_error));
    std::vector<delivery_result> results(batch.size());
    std::size_t pending = batch.size();
    asio::steady_timer all_done(impl_->ex, asio::steady_timer::time_point::max());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto finished = [&results, &pending, &all_done, i](std::exception_ptr e, delivery_result r) {
            results[i] = e ? delivery_result::retry("Twilio: unexpected exception") : std::move(r);
            if (--pending == 0) all_done.cancel();
        };
        asio::co_spawn(impl_->ex, impl_->send_one(batch[i]), std::move(finished));
    }
    while (pending > 0) co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return results;
}

void twilio_provider::stop() {
    if (impl_->client) impl_->client->stop();
}

}  // namespace moonkey
