#include "tls_front.hpp"

#include "run_process.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ascep::test {
namespace {

void openssl(const std::vector<std::string>& args)
{
    std::vector<std::string> argv{"openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_process(argv);
    if (!r.succeeded())
        throw std::runtime_error("openssl " + args.front() + " failed: " + r.errors);
}

// A self-signed CA certificate and key (P-256, two days).
void make_ca(const temp_dir& dir, const std::string& name, const std::string& cn)
{
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
             dir.file(name + ".key").string(), "-out", dir.file(name + ".crt").string(), "-days", "2", "-subj",
             "/CN=" + cn, "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
             "keyUsage=critical,keyCertSign,cRLSign"});
}

// A server certificate for `san`, issued by ca.crt.
void make_server(const temp_dir& dir, const std::string& name, const std::string& cn, const std::string& san)
{
    const auto ext = dir.write(name + ".ext", "subjectAltName=" + san +
                                                  "\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
                                                  "extendedKeyUsage=serverAuth\n");
    openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
             dir.file(name + ".key").string(), "-out", dir.file(name + ".csr").string(), "-subj", "/CN=" + cn});
    openssl({"x509", "-req", "-in", dir.file(name + ".csr").string(), "-CA", dir.file("ca.crt").string(), "-CAkey",
             dir.file("ca.key").string(), "-CAcreateserial", "-out", dir.file(name + ".crt").string(), "-days", "2",
             "-extfile", ext.string()});
}

} // namespace

tls_front::tls_front(std::uint16_t upstream_port) : port_(free_port()), other_port_(free_port())
{
    make_ca(dir_, "ca", "ascep throwaway TLS CA");
    make_ca(dir_, "wrong-ca", "ascep unrelated TLS CA");
    make_server(dir_, "server", "localhost", "DNS:localhost,IP:127.0.0.1");
    make_server(dir_, "other", "other.example.test", "DNS:other.example.test");
    std::filesystem::create_directories(ca_dir());
    std::filesystem::copy_file(ca_cert(), ca_dir() / "ca.pem");
    openssl({"rehash", ca_dir().string()});
    std::filesystem::create_directories(dir_.file("tmp"));

    const auto d = dir_.path().string();
    auto server_block = [&](std::uint16_t port, const std::string& cert) {
        return "  server {\n"
               "    listen 127.0.0.1:" + std::to_string(port) + " ssl;\n"
               "    ssl_certificate " + d + "/" + cert + ".crt;\n"
               "    ssl_certificate_key " + d + "/" + cert + ".key;\n"
               "    ssl_protocols TLSv1.2 TLSv1.3;\n"
               "    keepalive_timeout 30s;\n"
               "    location / {\n"
               "      proxy_pass http://127.0.0.1:" + std::to_string(upstream_port) + ";\n"
               "      proxy_http_version 1.1;\n"
               "      proxy_set_header Connection \"\";\n"
               "    }\n"
               "  }\n";
    };
    const std::string conf = "daemon off;\n"
                             "master_process off;\n"
                             "worker_processes 1;\n"
                             "error_log " + d + "/error.log info;\n"
                             "pid " + d + "/nginx.pid;\n"
                             "events { worker_connections 64; }\n"
                             "http {\n"
                             "  access_log " + d + "/access.log;\n"
                             "  client_body_temp_path " + d + "/tmp/body;\n"
                             "  proxy_temp_path " + d + "/tmp/proxy;\n"
                             "  fastcgi_temp_path " + d + "/tmp/fastcgi;\n"
                             "  uwsgi_temp_path " + d + "/tmp/uwsgi;\n"
                             "  scgi_temp_path " + d + "/tmp/scgi;\n" +
                             server_block(port_, "server") + server_block(other_port_, "other") + "}\n";
    const auto file = dir_.write("nginx.conf", conf);
    process_.emplace(std::vector<std::string>{"nginx", "-p", d, "-e", d + "/error.log", "-c", file.string()},
                     dir_.file("nginx.out"));
    process_->wait_for_port(port_);
    process_->wait_for_port(other_port_);
}

std::string tls_front::access_log() const
{
    std::ifstream in(dir_.file("access.log"));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace ascep::test
