#include "moonkey/delivery/console_provider.hpp"

#include "moonkey/core/log.hpp"
#include "moonkey/delivery/message_text.hpp"

#include <boost/json/serialize.hpp>


namespace moonkey {

boost::asio::awaitable<std::vector<delivery_result>> console_provider::send(std::span<outbound_message const> batch) {
    for (auto const& m : batch) {
        boost::json::object line;
        line["time"] = log::timestamp();
        line["level"] = "info";
        line["msg"] = "delivery";
        line["provider"] = "console";
        line["message_id"] = m.id;
        line["channel"] = to_string(m.via);
        line["to"] = m.to;
        line["code"] = m.code;
        if (m.via == channel::sms) {
            line["text"] = sms_text(m);
        } else {
            line["subject"] = email_subject(m);
            line["text"] = email_text(m);
        }
        log::write_line(boost::json::serialize(line));
    }
    co_return std::vector<delivery_result>(batch.size(), delivery_result::sent());
}

}  // namespace moonkey
