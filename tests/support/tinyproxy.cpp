#include "tinyproxy.hpp"

#include <fstream>
#include <sstream>

namespace ascep::test {

tinyproxy::tinyproxy(tinyproxy_options opts) : opts_(std::move(opts)), port_(free_port())
{
    std::ostringstream conf;
    conf << "Port " << port_ << "\n"
         << "Listen 127.0.0.1\n"
         << "Timeout 60\n"
         << "LogFile \"" << dir_.file("tinyproxy.log").string() << "\"\n"
         << "LogLevel Info\n"
         << "PidFile \"" << dir_.file("tinyproxy.pid").string() << "\"\n"
         << "MaxClients 50\n"
         << "Allow 127.0.0.1\n"
         << "BasicAuth " << opts_.user << " " << opts_.password << "\n"
         << "DisableViaHeader Yes\n";
    for (const auto p : opts_.connect_ports)
        conf << "ConnectPort " << p << "\n";
    const auto file = dir_.write("tinyproxy.conf", conf.str());
    process_.emplace(std::vector<std::string>{"tinyproxy", "-d", "-c", file.string()}, dir_.file("stderr.log"));
    process_->wait_for_port(port_);
}

std::string tinyproxy::log() const
{
    std::ifstream in(dir_.file("tinyproxy.log"));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace ascep::test
