#include "cli/files.hpp"

#include "io/durable_file.hpp"
#include "keys/key_file.hpp"
#include "scep/ca_certs.hpp"
#include "scep/csr.hpp"

#include <botan/data_src.h>
#include <botan/pem.h>
#include <botan/x509_key.h>

#include <algorithm>

namespace ascep::cli {
namespace {

bool is_pem(const bytes& data, const char* label)
{
    const std::string marker = std::string("-----BEGIN ") + label + "-----";
    return std::search(data.begin(), data.end(), marker.begin(), marker.end()) != data.end();
}

} // namespace

bool file_exists(const std::string& path)
{
    return io::file_exists(path);
}

file_result<bytes> read_file(const std::string& path)
{
    bytes data;
    if (auto error = io::read_file(path, data, max_file_size); !error.empty())
        return file_failure(error);
    return data;
}

file_result<std::shared_ptr<Botan::Private_Key>> load_private_key(const std::string& path,
                                                                  const keys::passphrase* pass)
{
    auto key = keys::read_private_key(path, pass);
    if (!key)
        return file_failure(key.error().message);
    return *key;
}

file_result<Botan::X509_Certificate> load_certificate(const std::string& path)
{
    auto all = load_certificates(path);
    if (!all)
        return all.error();
    return all->front();
}

file_result<std::vector<Botan::X509_Certificate>> load_certificates(const std::string& path)
{
    auto data = read_file(path);
    if (!data)
        return data.error();
    std::vector<Botan::X509_Certificate> out;
    try {
        if (!is_pem(*data, "CERTIFICATE")) {
            out.emplace_back(data->data(), data->size());
            return out;
        }
        Botan::DataSource_Memory src(*data);
        while (true) {
            std::string label;
            Botan::secure_vector<std::uint8_t> der;
            try {
                der = Botan::PEM_Code::decode(src, label);
            } catch (const std::exception&) {
                break; // no further PEM block
            }
            if (label == "CERTIFICATE" || label == "X509 CERTIFICATE")
                out.emplace_back(der.data(), der.size());
        }
    } catch (const std::exception& e) {
        return file_failure(path + ": not a certificate (" + e.what() + ")");
    }
    if (out.empty())
        return file_failure(path + ": no certificate in the file");
    return out;
}

file_result<std::vector<Botan::X509_Certificate>> load_ca_certificates(const std::string& base)
{
    std::vector<Botan::X509_Certificate> out;
    const auto add_file = [&](const std::string& path) -> file_result<void> {
        auto data = read_file(path);
        if (!data)
            return data.error();
        auto certs = scep::parse_ca_certs(*data);
        if (!certs)
            return file_failure(path + ": no usable CA certificate (" + certs.error().message() + ")");
        for (auto& c : *certs)
            if (std::find(out.begin(), out.end(), c) == out.end())
                out.push_back(std::move(c));
        return {};
    };
    if (file_exists(base))
        if (auto r = add_file(base); !r)
            return r.error();
    for (int i = 0;; ++i) {
        const std::string name = base + "-" + std::to_string(i);
        if (!file_exists(name))
            break;
        if (auto r = add_file(name); !r)
            return r.error();
    }
    if (out.empty())
        return file_failure("cannot read CA certificate (-c) " + base + " (nor " + base + "-0, ...)");
    return out;
}

file_result<request_file> load_request(const std::string& path)
{
    auto data = read_file(path);
    if (!data)
        return data.error();
    request_file out;
    static constexpr std::string_view pem_begin = "-----BEGIN ";
    if (std::search(data->begin(), data->end(), pem_begin.begin(), pem_begin.end()) != data->end()) {
        try {
            Botan::DataSource_Memory src(*data);
            std::string label;
            const auto der = Botan::PEM_Code::decode(src, label);
            if (label != "CERTIFICATE REQUEST" && label != "NEW CERTIFICATE REQUEST")
                return file_failure(path + ": not a PKCS#10 request (PEM label " + label + ")");
            out.der.assign(der.begin(), der.end());
        } catch (const std::exception& e) {
            return file_failure(path + ": not a PKCS#10 request (" + e.what() + ")");
        }
    } else {
        out.der = std::move(*data);
    }
    auto csr = scep::read_csr(out.der);
    if (!csr)
        return file_failure(path + ": not a PKCS#10 request");
    out.csr = std::move(*csr);
    try {
        const std::unique_ptr<Botan::Public_Key> key(Botan::X509::load_key(out.csr.subject_public_key_info));
        if (!scep::csr_signature_verifies(out.der, *key))
            return file_failure(path + ": the request's self-signature does not verify");
    } catch (const std::exception& e) {
        return file_failure(path + ": the request's public key cannot be read (" + e.what() + ")");
    }
    return out;
}

file_result<void> write_file_atomic(const std::string& path, std::span<const std::uint8_t> content, mode_t mode)
{
    if (auto error = io::write_file_atomic(path, content, mode); !error.empty())
        return file_failure(error);
    return {};
}

file_result<void> write_text_atomic(const std::string& path, const std::string& text, mode_t mode)
{
    return write_file_atomic(path, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, mode);
}

} // namespace ascep::cli
