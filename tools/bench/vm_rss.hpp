// The benchmarks' memory reading: this process's VmRSS, in KiB (-1 when
// /proc cannot be read). Callers malloc_trim(0) first, so that freed
// buffers do not count.
#pragma once

#include <fstream>
#include <string>

namespace ascep::bench {

inline long vm_rss_kib()
{
    std::ifstream f("/proc/self/status");
    for (std::string line; std::getline(f, line);)
        if (line.rfind("VmRSS:", 0) == 0)
            return std::stol(line.substr(6));
    return -1;
}

} // namespace ascep::bench
