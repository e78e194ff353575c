#include "testca_process.hpp"

#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace ascep::test {
namespace {

std::string read_all(const std::filesystem::path& p)
{
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

testca_process::testca_process(std::string bin, const temp_dir& dir, std::vector<std::string> opts)
    : binary(std::move(bin)), state(dir.file("state")), log_dir(dir.path()), options(std::move(opts))
{
    start("127.0.0.1:0");
}

std::filesystem::path testca_process::log() const
{
    return log_dir / ("server-" + std::to_string(starts) + ".log");
}

std::filesystem::path testca_process::url_file() const
{
    return log_dir / ("url-" + std::to_string(starts) + ".txt");
}

void testca_process::start(const std::string& listen)
{
    ++starts;
    std::vector<std::string> argv{binary, "--dir", state.string(), "--listen", listen, "--url-file",
                                  url_file().string()};
    argv.insert(argv.end(), options.begin(), options.end());
    process.emplace(argv, log());
    // CA key generation takes a while, under ASan all the more. The URL file
    // appears, whole, once the server listens.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
        if (std::filesystem::exists(url_file())) {
            std::istringstream lines(read_all(url_file()));
            urls.clear();
            url.clear();
            for (std::string line; std::getline(lines, line);) {
                const auto space = line.find(' ');
                const auto u = space == std::string::npos ? line : line.substr(space + 1);
                if (space != std::string::npos)
                    urls[line.substr(0, space)] = u;
                if (url.empty())
                    url = u;
            }
            if (url.empty())
                throw std::runtime_error("ascep-testca wrote an empty --url-file");
            const auto after_scheme = url.find("://") + 3;
            const auto colon = url.find(':', url.find(']', after_scheme) == std::string::npos ? after_scheme
                                                                                               : url.find(']', after_scheme));
            port = static_cast<std::uint16_t>(std::stoi(url.substr(colon + 1)));
            return;
        }
        if (!process->running())
            throw std::runtime_error("ascep-testca exited before writing its URL file:\n" + read_all(log()));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("ascep-testca wrote no URL file:\n" + read_all(log()));
}

void testca_process::crash_and_restart()
{
    process->kill(9);
    start("127.0.0.1:" + std::to_string(port));
}

void testca_process::restart_with(std::vector<std::string> opts)
{
    process->kill(SIGTERM);
    options = std::move(opts);
    start("127.0.0.1:0");
}

process_result testca_process::command(std::vector<std::string> args) const
{
    std::vector<std::string> argv{binary, args.front(), "--dir", state.string()};
    argv.insert(argv.end(), args.begin() + 1, args.end());
    return run_process(argv);
}

process_result testca_process::serve_expecting_exit(std::vector<std::string> opts, int limit_seconds) const
{
    std::vector<std::string> argv{"timeout", std::to_string(limit_seconds), binary, "--dir", state.string(),
                                  "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), opts.begin(), opts.end());
    return run_process(argv);
}

} // namespace ascep::test
