#include "fleet/device_files.hpp"

#include "keys/pkcs11_uri.hpp"
#include "cms/software_key.hpp"

#include "io/durable_file.hpp"
#include "keys/key_file.hpp"
#include "scep/csr.hpp"

#include <botan/auto_rng.h>
#include <botan/data_src.h>
#include <botan/pem.h>
#include <botan/rsa.h>

#include <filesystem>

namespace ascep::fleet {
namespace {

constexpr std::size_t max_file = 1024 * 1024;

/// Each worker thread has its own generator: AutoSeeded_RNG is not thread-safe.
Botan::RandomNumberGenerator& thread_rng()
{
    thread_local Botan::AutoSeeded_RNG rng;
    return rng;
}

std::string read_text(const std::string& path, std::string& why)
{
    std::vector<std::uint8_t> bytes;
    why = io::read_file(path, bytes, max_file);
    return std::string(bytes.begin(), bytes.end());
}

} // namespace

std::shared_ptr<Botan::Private_Key> load_private_key(const std::string& path, const keys::passphrase* pass,
                                                     std::string& why)
{
    auto key = keys::read_private_key(path, pass);
    if (!key) {
        why = key.error().message;
        return nullptr;
    }
    return *key;
}

namespace {

/// csr.pem as written here (PEM), and what it says, read without loading
/// its key (scep::read_csr): polling devices read it again for every poll.
struct stored_csr {
    std::vector<std::uint8_t> der;
    scep::csr_summary summary;
};

std::optional<stored_csr> load_csr(const std::string& path)
{
    std::string why;
    const auto text = read_text(path, why);
    if (!why.empty())
        return std::nullopt;
    try {
        Botan::DataSource_Memory src(text);
        std::string label;
        const auto der = Botan::PEM_Code::decode(src, label);
        if (label != "CERTIFICATE REQUEST" && label != "NEW CERTIFICATE REQUEST")
            return std::nullopt;
        auto summary = scep::read_csr(der);
        if (!summary)
            return std::nullopt;
        return stored_csr{{der.begin(), der.end()}, std::move(*summary)};
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

} // namespace

device_paths paths_for(const std::string& out_dir, const std::string& id)
{
    device_paths p;
    p.dir = out_dir + "/" + id;
    p.key = p.dir + "/key.pem";
    p.csr = p.dir + "/csr.pem";
    p.cert = p.dir + "/cert.pem";
    p.chain = p.dir + "/chain.pem";
    p.key_new = p.dir + "/key.new.pem";
    p.csr_new = p.dir + "/csr.new.pem";
    p.cert_new = p.dir + "/cert.new.pem";
    p.chain_new = p.dir + "/chain.new.pem";
    p.previous = p.dir + "/previous";
    return p;
}

std::shared_ptr<Botan::Private_Key> make_key_file(const std::string& path, unsigned bits, const keys::passphrase* pass,
                                                  std::string& why, std::error_code* code)
{
    std::shared_ptr<Botan::Private_Key> key;
    try {
        key = std::make_shared<Botan::RSA_PrivateKey>(thread_rng(), bits);
    } catch (const std::exception& e) {
        why = std::string("key generation failed: ") + e.what();
        return nullptr;
    }
    if (auto e = keys::write_private_key(path, *key, pass, thread_rng(), io::directory_sync::now, code); !e.empty()) {
        why = e;
        return nullptr;
    }
    return key;
}

void request_for(device_material& m, const device& d, const std::string& csr_path,
                 const std::string& default_challenge, bool reuse_csr)
{
    if (reuse_csr) {
        if (auto old = load_csr(csr_path); old && scep::csr_is_for(old->summary, *m.key)) {
            m.csr = std::move(old->der);
            m.key_ops = std::make_shared<const cms::software_key>(m.key);
            return;
        }
    }
    std::string why;
    scep::csr_fields fields;
    std::vector<scep::dn_attribute> subject = d.subject;
    if (subject.empty())
        subject.push_back({"CN", d.id});
    auto dn = scep::make_dn(subject, why);
    if (!dn) {
        m.error = "bad subject: " + why;
        m.key.reset();
        return;
    }
    fields.subject = std::move(*dn);
    fields.dns = d.dns;
    fields.ip = d.ip;
    fields.email = d.email;
    fields.challenge = d.challenge.empty() ? default_challenge : d.challenge;
    if (auto bad = scep::check_csr_fields(fields)) {
        m.error = *bad;
        m.key.reset();
        return;
    }
    try {
        auto ops = std::make_shared<const cms::software_key>(m.key);
        auto csr = scep::make_csr(*ops, fields);
        if (auto e = io::write_file_atomic(csr_path, Botan::PEM_Code::encode(csr, "CERTIFICATE REQUEST"), 0644,
                                           io::directory_sync::now, &m.write_error);
            !e.empty()) {
            m.error = e;
            m.key.reset();
            return;
        }
        m.csr = std::move(csr);
        m.key_ops = std::move(ops);
    } catch (const std::exception& e) {
        m.error = std::string("cannot make the request: ") + e.what();
        m.key.reset();
    }
}

device_material prepare_material(const device& d, const device_paths& paths, unsigned bits,
                                 const std::string& default_challenge, bool reuse_csr, const keys::passphrase* pass)
{
    device_material m;
    if (auto e = io::make_directory_durable(paths.dir, 0700, &m.write_error); !e.empty()) {
        m.error = e;
        return m;
    }
    std::string why;
    if (keys::is_pkcs11_uri(d.key_file)) {
        // A token key's every operation blocks on the token, and the fleet
        // signs and decrypts on its event loop; one-shot commands take them.
        why = "the key column names a PKCS#11 token key; fleet mode takes key files only (enroll a token key "
              "with ascep enroll -k URI)";
    } else if (!d.key_file.empty()) {
        m.key = load_private_key(d.key_file, pass, why);
    } else if (io::file_exists(paths.key)) {
        m.key = load_private_key(paths.key, pass, why);
    } else {
        m.key = make_key_file(paths.key, bits, pass, why, &m.write_error);
        m.generated_key = m.key != nullptr;
    }
    if (!m.key) {
        m.error = why;
        return m;
    }
    request_for(m, d, paths.csr, default_challenge, reuse_csr);
    return m;
}

std::string check_key_pass(const std::string& out_dir, const keys::passphrase* pass)
{
    std::error_code ec;
    for (std::filesystem::directory_iterator it(out_dir, ec), end; !ec && it != end; it.increment(ec)) {
        const auto key = it->path() / "key.pem";
        if (!it->is_directory(ec) || !std::filesystem::is_regular_file(key, ec))
            continue;
        std::vector<std::uint8_t> data;
        if (!io::read_file(key.string(), data, keys::max_key_file_size).empty() || !keys::is_encrypted_pkcs8(data))
            return {};
        if (auto k = keys::decode_private_key(data, key.string(), pass); !k)
            return k.error().message;
        return {};
    }
    return {};
}

std::optional<Botan::X509_Certificate> certificate_for_request(const std::string& cert_path,
                                                               const std::string& csr_path)
{
    if (!io::file_exists(cert_path))
        return std::nullopt;
    const auto csr = load_csr(csr_path);
    if (!csr)
        return std::nullopt;
    std::string why;
    const auto text = read_text(cert_path, why);
    if (!why.empty())
        return std::nullopt;
    try {
        Botan::DataSource_Memory src(text);
        Botan::X509_Certificate cert(src);
        if (cert.subject_public_key_algo().get_oid() != csr->summary.key_algorithm ||
            cert.subject_public_key_bitstring() != csr->summary.public_key_bits)
            return std::nullopt;
        return cert;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::optional<Botan::X509_Certificate> issued_certificate(const device_paths& paths)
{
    return certificate_for_request(paths.cert, paths.csr);
}

std::string write_issued(const device_paths& paths, const Botan::X509_Certificate& cert,
                         const std::vector<Botan::X509_Certificate>& chain, std::error_code& code)
{
    std::string pem;
    for (const auto& c : chain)
        pem += c.PEM_encode();
    // One directory sync for both: chain.pem matters only once cert.pem is there.
    if (auto e = io::write_file_atomic(paths.chain, pem, 0644, io::directory_sync::with_next_file, &code); !e.empty())
        return e;
    return io::write_file_atomic(paths.cert, cert.PEM_encode(), 0644, io::directory_sync::now, &code);
}

} // namespace ascep::fleet
