#include "testca/faults.hpp"

#include "io/duration.hpp"

#include <array>
#include <charconv>
#include <cstdio>
#include <stdexcept>
#include <utility>

namespace ascep::testca {
namespace {

struct fault_name {
    fault_kind kind;
    std::string_view text;
};

constexpr std::array<fault_name, 15> names = {{
    {fault_kind::delay, "delay"},
    {fault_kind::http500, "http500"},
    {fault_kind::http503, "http503"},
    {fault_kind::close_before, "close-before"},
    {fault_kind::close_mid, "close-mid"},
    {fault_kind::truncate, "truncate"},
    {fault_kind::content_type, "content-type"},
    {fault_kind::trickle, "trickle"},
    {fault_kind::pending_then_failure, "pending-then-failure"},
    {fault_kind::bad_signature, "bad-signature"},
    {fault_kind::wrong_nonce, "wrong-nonce"},
    {fault_kind::wrong_transaction_id, "wrong-transaction-id"},
    {fault_kind::wrong_key, "wrong-key"},
    {fault_kind::wrong_recipient, "wrong-recipient"},
    {fault_kind::no_ra, "no-ra"},
}};

std::string all_names()
{
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "" : ", ") + std::string(n.text);
    return out;
}

/// "250ms", or any io duration ("2s", "1m"); a bare number is seconds.
std::optional<std::chrono::milliseconds> parse_millis(std::string_view text)
{
    if (text.size() > 2 && text.substr(text.size() - 2) == "ms") {
        unsigned v = 0;
        const auto digits = text.substr(0, text.size() - 2);
        const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
        if (ec != std::errc{} || p != digits.data() + digits.size())
            return std::nullopt;
        return std::chrono::milliseconds(v);
    }
    const auto d = io::parse_duration(text, 's');
    if (!d)
        return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

std::optional<unsigned> parse_count(std::string_view text)
{
    unsigned v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc{} || p != text.data() + text.size())
        return std::nullopt;
    return v;
}

std::string format_millis(std::chrono::milliseconds d)
{
    if (d.count() % 1000 == 0)
        return std::to_string(d.count() / 1000) + "s";
    return std::to_string(d.count()) + "ms";
}

fault_spec parse_item(std::string_view item)
{
    const std::string quoted = "'" + std::string(item) + "'";
    fault_spec f;
    if (const auto at = item.find('@'); at != std::string_view::npos) {
        const std::string p(item.substr(at + 1));
        char* end = nullptr;
        const double v = p.empty() ? -1 : std::strtod(p.c_str(), &end);
        if (p.empty() || end != p.c_str() + p.size() || !(v > 0.0 && v <= 1.0))
            throw std::invalid_argument("--faults " + quoted + ": the probability after @ must be a number above 0 and at most 1");
        f.probability = v;
        item = item.substr(0, at);
    }
    std::string_view value;
    bool has_value = false;
    if (const auto eq = item.find('='); eq != std::string_view::npos) {
        value = item.substr(eq + 1);
        has_value = true;
        item = item.substr(0, eq);
    }
    bool known = false;
    for (const auto& n : names)
        if (n.text == item) {
            f.kind = n.kind;
            known = true;
        }
    if (!known)
        throw std::invalid_argument("--faults " + quoted + ": unknown fault '" + std::string(item) + "' (known: " +
                                    all_names() + ")");
    switch (f.kind) {
    case fault_kind::delay:
    case fault_kind::trickle: {
        if (!has_value && f.kind == fault_kind::delay)
            throw std::invalid_argument("--faults " + quoted + ": delay needs a duration, e.g. delay=1s or delay=250ms");
        const auto d = has_value ? parse_millis(value) : std::optional<std::chrono::milliseconds>(std::chrono::seconds(1));
        if (!d || *d > std::chrono::minutes(10))
            throw std::invalid_argument("--faults " + quoted + ": the duration must be like 250ms, 2s or 1m, at most 10m");
        f.duration = *d;
        break;
    }
    case fault_kind::http503: {
        const auto c = has_value ? parse_count(value) : std::optional<unsigned>(1);
        if (!c || *c > 3600)
            throw std::invalid_argument("--faults " + quoted + ": http503=N wants Retry-After seconds from 0 to 3600");
        f.count = *c;
        break;
    }
    case fault_kind::pending_then_failure: {
        const auto c = has_value ? parse_count(value) : std::optional<unsigned>(1);
        if (!c || *c > 1000000)
            throw std::invalid_argument("--faults " + quoted + ": pending-then-failure=N wants a number of polls");
        f.count = *c;
        break;
    }
    default:
        if (has_value)
            throw std::invalid_argument("--faults " + quoted + ": " + std::string(item) + " takes no value");
    }
    return f;
}

} // namespace

std::string_view name(fault_kind k)
{
    for (const auto& n : names)
        if (n.kind == k)
            return n.text;
    return "?";
}

bool is_transport_fault(fault_kind k)
{
    return k <= fault_kind::trickle;
}

std::vector<fault_spec> parse_fault_list(std::string_view list)
{
    std::vector<fault_spec> out;
    while (true) {
        const auto comma = list.find(',');
        const auto item = list.substr(0, comma);
        if (item.empty())
            throw std::invalid_argument("--faults: an empty item in '" + std::string(list) + "'");
        out.push_back(parse_item(item));
        if (comma == std::string_view::npos)
            break;
        list = list.substr(comma + 1);
    }
    return out;
}

std::string to_string(const std::vector<fault_spec>& faults)
{
    std::string out;
    for (const auto& f : faults) {
        if (!out.empty())
            out += ',';
        out += name(f.kind);
        switch (f.kind) {
        case fault_kind::delay:
        case fault_kind::trickle: out += "=" + format_millis(f.duration); break;
        case fault_kind::http503:
        case fault_kind::pending_then_failure: out += "=" + std::to_string(f.count); break;
        default: break;
        }
        if (f.probability < 1.0) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "@%g", f.probability);
            out += buf;
        }
    }
    return out;
}

fault_plan::fault_plan(std::vector<fault_spec> faults, std::uint64_t seed) : faults_(std::move(faults)), gen_(seed) {}

bool fault_plan::lists(fault_kind k) const
{
    for (const auto& f : faults_)
        if (f.kind == k)
            return true;
    return false;
}

std::string transport_faults::names() const
{
    std::string out;
    if (delay)
        out = "delay";
    if (reply)
        out += (out.empty() ? "" : ",") + std::string(name(reply->kind));
    return out;
}

bool transport_faults::skips_request() const
{
    return reply && (reply->kind == fault_kind::http500 || reply->kind == fault_kind::http503);
}

transport_faults combine_transport(const std::vector<fault_spec>& hit)
{
    transport_faults t;
    for (const auto& f : hit) {
        if (f.kind == fault_kind::delay)
            t.delay = t.delay.value_or(std::chrono::milliseconds(0)) + f.duration;
        else if (!t.reply)
            t.reply = f;
    }
    return t;
}

} // namespace ascep::testca
