#include "cli/files.hpp"

#include "asn1/oids.hpp"

#include <botan/data_src.h>
#include <botan/pem.h>
#include <botan/pkcs8.h>
#include <botan/rsa.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace ascep::cli {
namespace {

std::string errno_text()
{
    return std::strerror(errno);
}

bool is_pem(const bytes& data, const char* label)
{
    const std::string marker = std::string("-----BEGIN ") + label + "-----";
    return std::search(data.begin(), data.end(), marker.begin(), marker.end()) != data.end();
}

} // namespace

bool file_exists(const std::string& path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

file_result<bytes> read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return file_failure("cannot read " + path + ": " + errno_text());
    bytes data;
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        data.insert(data.end(), buf, buf + in.gcount());
        if (data.size() > max_file_size)
            return file_failure(path + " is larger than " + std::to_string(max_file_size) + " bytes");
    }
    return data;
}

file_result<std::shared_ptr<Botan::Private_Key>> load_private_key(const std::string& path)
{
    auto data = read_file(path);
    if (!data)
        return data.error();
    try {
        if (is_pem(*data, "RSA PRIVATE KEY")) {
            // PKCS#1, what `openssl genrsa -traditional` and older OpenSSL write.
            Botan::DataSource_Memory src(*data);
            std::string label;
            const auto der = Botan::PEM_Code::decode(src, label);
            const Botan::AlgorithmIdentifier alg(asn1::oids::rsa_encryption,
                                                 Botan::AlgorithmIdentifier::USE_NULL_PARAM);
            return std::shared_ptr<Botan::Private_Key>(std::make_shared<Botan::RSA_PrivateKey>(alg, der));
        }
        if (is_pem(*data, "ENCRYPTED PRIVATE KEY"))
            return file_failure(path + ": encrypted private keys are not supported; decrypt it with openssl pkey");
        Botan::DataSource_Memory src(*data);
        std::shared_ptr<Botan::Private_Key> key = Botan::PKCS8::load_key(src);
        if (key->algo_name() != "RSA")
            return file_failure(path + ": SCEP needs an RSA key, this is " + key->algo_name());
        return key;
    } catch (const std::exception& e) {
        return file_failure(path + ": not a usable private key (" + e.what() + ")");
    }
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

file_result<Botan::PKCS10_Request> load_request(const std::string& path)
{
    auto data = read_file(path);
    if (!data)
        return data.error();
    try {
        Botan::DataSource_Memory src(*data);
        Botan::PKCS10_Request req(src);
        if (!req.check_signature(*req.subject_public_key()))
            return file_failure(path + ": the request's self-signature does not verify");
        return req;
    } catch (const std::exception& e) {
        return file_failure(path + ": not a PKCS#10 request (" + e.what() + ")");
    }
}

file_result<void> write_file_atomic(const std::string& path, std::span<const std::uint8_t> content, mode_t mode)
{
    const std::filesystem::path target(path);
    const auto dir = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    std::string tmp = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0)
        return file_failure("cannot write " + path + ": " + errno_text());
    bool ok = ::fchmod(fd, mode) == 0;
    std::size_t done = 0;
    while (ok && done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0;
        if (ok)
            done += static_cast<std::size_t>(n);
    }
    ok = ok && ::fsync(fd) == 0;
    const std::string why = ok ? std::string() : errno_text();
    ok = ::close(fd) == 0 && ok;
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string reason = why.empty() ? errno_text() : why;
        ::unlink(tmp.c_str());
        return file_failure("cannot write " + path + ": " + reason);
    }
    // Make the rename itself durable.
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return {};
}

file_result<void> write_text_atomic(const std::string& path, const std::string& text, mode_t mode)
{
    return write_file_atomic(path, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, mode);
}

} // namespace ascep::cli
