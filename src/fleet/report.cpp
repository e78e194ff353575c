#include "fleet/report.hpp"

#include "io/durable_file.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace ascep::fleet {

std::string write_report(const std::string& path, const tally& counts, const std::vector<report_entry>& devices,
                         std::int64_t duration_ms)
{
    boost::json::object root;
    root["total"] = counts.total;
    root["issued"] = counts.issued;
    root["issued_before"] = counts.already;
    root["renewed"] = counts.renewed;
    root["pending"] = counts.pending;
    root["failed"] = counts.failed;
    root["not_finished"] = counts.interrupted;
    root["duration_ms"] = duration_ms;
    boost::json::array list;
    list.reserve(devices.size());
    for (const auto& d : devices) {
        boost::json::object o;
        o["id"] = d.id;
        o["status"] = d.status;
        if (!d.transaction_id.empty())
            o["transaction_id"] = d.transaction_id;
        if (!d.detail.empty())
            o[d.status == "issued" || d.status == "skipped" || d.status == "renewed" ? "serial" : "reason"] = d.detail;
        if (!d.old_serial.empty())
            o["old_serial"] = d.old_serial;
        if (!d.not_after.empty())
            o["not_after"] = d.not_after;
        o["messages"] = d.messages;
        o["retries"] = d.retries;
        o["duration_ms"] = d.duration_ms;
        list.push_back(std::move(o));
    }
    root["devices"] = std::move(list);
    return io::write_file_atomic(path, boost::json::serialize(root) + "\n");
}

} // namespace ascep::fleet
