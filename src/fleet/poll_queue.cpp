#include "fleet/poll_queue.hpp"

#include <algorithm>

namespace ascep::fleet {

std::optional<std::chrono::seconds> next_poll_in(const device_progress& p, std::chrono::seconds interval,
                                                 std::chrono::seconds max_time, unsigned max_count,
                                                 steady_clock::time_point now)
{
    if (p.request_messages >= max_count || !p.first_sent)
        return std::nullopt;
    const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - *p.first_sent);
    const auto remaining = max_time - elapsed;
    if (remaining <= std::chrono::seconds::zero())
        return std::nullopt;
    return std::min(interval, remaining);
}

void poll_queue::park(steady_clock::time_point due, parked_device d)
{
    // A multimap inserts after the devices already due at the same time (FIFO).
    by_due_.emplace(due, std::move(d));
}

std::optional<steady_clock::time_point> poll_queue::next_due() const
{
    if (by_due_.empty())
        return std::nullopt;
    return by_due_.begin()->first;
}

std::optional<parked_device> poll_queue::take_due(steady_clock::time_point now)
{
    if (by_due_.empty() || by_due_.begin()->first > now)
        return std::nullopt;
    auto node = by_due_.extract(by_due_.begin());
    return std::move(node.mapped());
}

std::vector<parked_device> poll_queue::take_all()
{
    std::vector<parked_device> all;
    all.reserve(by_due_.size());
    for (auto& [due, d] : by_due_)
        all.push_back(std::move(d));
    by_due_.clear();
    return all;
}

} // namespace ascep::fleet
