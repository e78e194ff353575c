#include "asn1/rfc3339.hpp"

#include <ctime>

namespace ascep::asn1 {

std::string rfc3339(std::chrono::system_clock::time_point t)
{
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm utc{};
    ::gmtime_r(&secs, &utc);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buf;
}

std::string rfc3339(const Botan::X509_Time& t)
{
    if (!t.time_is_set())
        return "(not set)";
    return rfc3339(t.to_std_timepoint());
}

} // namespace ascep::asn1
