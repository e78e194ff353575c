// client_state: the TLS context, made once at the first https:// request,
// and the pool of idle kept-alive connections.
#include "transport/client_state.hpp"

#include <openssl/ssl.h>

#include <filesystem>

namespace ascep::transport::detail {

asio::ssl::context* client_state::tls_context()
{
    if (tls_ctx)
        return &*tls_ctx;
    if (!tls_setup_error.empty())
        return nullptr;
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression);
    const auto& t = opts.tls;
    error_code ec;
    if (t.insecure) {
        ctx.set_verify_mode(asio::ssl::verify_none);
    } else {
        ctx.set_verify_mode(asio::ssl::verify_peer);
        if (!t.ca_file.empty()) {
            ctx.load_verify_file(t.ca_file, ec);
            if (ec)
                tls_setup_error = "cannot load trust anchors from " + t.ca_file + ": " + ec.message();
        }
        if (!ec && !t.ca_path.empty()) {
            std::error_code fs_ec;
            if (!std::filesystem::is_directory(t.ca_path, fs_ec))
                tls_setup_error = "trust anchor directory " + t.ca_path + " is not a directory";
            else
                ctx.add_verify_path(t.ca_path, ec);
            if (ec)
                tls_setup_error = "cannot use trust anchor directory " + t.ca_path + ": " + ec.message();
        }
        if (t.ca_file.empty() && t.ca_path.empty()) {
            ctx.set_default_verify_paths(ec);
            if (ec)
                tls_setup_error = "cannot load the system trust store: " + ec.message();
        }
    }
    if (!tls_setup_error.empty())
        return nullptr;
    tls_ctx.emplace(std::move(ctx));
    return &*tls_ctx;
}

std::unique_ptr<connection> client_state::take_idle(const std::string& key)
{
    const auto it = idle.find(key);
    if (it == idle.end() || it->second.empty())
        return nullptr;
    auto c = std::move(it->second.back());
    it->second.pop_back();
    return c;
}

void client_state::give_back(const std::string& key, std::unique_ptr<connection> c)
{
    auto& list = idle[key];
    if (list.size() < opts.max_idle_per_host)
        list.push_back(std::move(c));
}

} // namespace ascep::transport::detail
