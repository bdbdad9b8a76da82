#include "moonkey/delivery/console_provider.hpp"

#include "moonkey/core/log.hpp"
#include "moonkey/delivery/message_text.hpp"

#include <boost/json/serialize.hpp>


namespace moonkey {

boost::asio::awaitable<outcome<void>> console_provider::send(std::span<outbound_message const> batch) {
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
        line["text"] = sms_text(m);
        log::write_line(boost::json::serialize(line));
    }
    co_return outcome<void>{};
}

}  // namespace moonkey
