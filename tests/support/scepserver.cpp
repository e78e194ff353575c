#include "scepserver.hpp"

#include "run_process.hpp"

#include <stdexcept>

namespace ascep::test {

scepserver::scepserver(const std::string& challenge) : port_(free_port())
{
    const auto depot = dir_.file("depot").string();
    const auto init = run_process({"scepserver", "ca", "-init", "-depot", depot});
    if (!init.succeeded())
        throw std::runtime_error("scepserver ca -init failed: " + init.errors);
    process_.emplace(std::vector<std::string>{"scepserver", "-depot", depot, "-port", std::to_string(port_),
                                              "-challenge", challenge, "-allowrenew", "0"},
                     dir_.file("server.log"));
    process_->wait_for_port(port_);
}

} // namespace ascep::test
