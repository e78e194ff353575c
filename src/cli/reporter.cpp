#include "cli/reporter.hpp"

#include <boost/json/serialize.hpp>

#include <cstdio>

namespace ascep::cli {

reporter::reporter(std::string operation, bool verbose, bool json)
    : operation_(std::move(operation)), verbose_(verbose), json_mode_(json)
{
}

void reporter::info(const std::string& text)
{
    if (!json_mode_)
        std::printf("ascep: %s\n", text.c_str());
}

void reporter::verbose(const std::string& text)
{
    if (verbose_ && !json_mode_)
        std::printf("ascep: %s\n", text.c_str());
}

void reporter::warn(const std::string& text)
{
    std::fprintf(stderr, "ascep: warning: %s\n", text.c_str());
    if (json_mode_) {
        auto& list = json_["warnings"];
        if (!list.is_array())
            list = boost::json::array();
        list.as_array().emplace_back(text);
    }
}

int reporter::finish(int exit_code)
{
    if (json_mode_) {
        json_["operation"] = operation_;
        json_["exit_code"] = exit_code;
        std::printf("%s\n", boost::json::serialize(json_).c_str());
    }
    std::fflush(stdout);
    return exit_code;
}

int reporter::finish(const failure& f)
{
    std::fprintf(stderr, "ascep: %s\n", f.message.c_str());
    json_["error"] = f.message;
    json_["outcome"] = entry_of(f.outcome).name;
    return finish(f.exit_code());
}

} // namespace ascep::cli
