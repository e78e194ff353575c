#include "fleet/renewal_files.hpp"

#include "io/durable_file.hpp"
#include "keys/key_file.hpp"

#include <botan/data_src.h>
#include <botan/auto_rng.h>

namespace ascep::fleet {
namespace {

constexpr std::size_t max_file = 1024 * 1024;

/// Copies `from` into `to` (atomically, fsync'ed); a missing `from` (no
/// chain.pem) is nothing to keep.
std::string keep_copy(const std::string& from, const std::string& to, mode_t mode, io::directory_sync sync)
{
    if (!io::file_exists(from))
        return {};
    return io::copy_file_durable(from, to, mode, sync);
}

} // namespace

renewal_files renewal_files_in(const device_paths& paths)
{
    return {io::file_exists(paths.key_new), io::file_exists(paths.cert_new)};
}

renewal_step next_renewal_step(const renewal_files& files, std::optional<device_state> journal)
{
    if (files.cert_new)
        return renewal_step::finish_swap;
    if (files.key_new)
        return journal == device_state::renewal_pending ? renewal_step::poll : renewal_step::resend;
    return renewal_step::none;
}

std::string current_key_path(const device& d, const device_paths& paths)
{
    return io::file_exists(paths.key) || d.key_file.empty() ? paths.key : d.key_file;
}

std::optional<Botan::X509_Certificate> read_certificate(const std::string& path)
{
    std::vector<std::uint8_t> bytes;
    if (!io::read_file(path, bytes, max_file).empty())
        return std::nullopt;
    try {
        Botan::DataSource_Memory src(bytes);
        return Botan::X509_Certificate(src);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

device_material prepare_renewal_material(const device& d, const device_paths& paths, unsigned bits,
                                         const std::string& default_challenge, bool reuse_key, bool under_way,
                                         const keys::passphrase* pass)
{
    device_material m;
    std::string why;
    m.old_key = load_private_key(current_key_path(d, paths), pass, why);
    if (!m.old_key) {
        m.error = why;
        return m;
    }
    m.old_cert = read_certificate(paths.cert);
    if (!m.old_cert || m.old_cert->subject_public_key_bitstring() != m.old_key->public_key_bits()) {
        m.error = paths.cert + " is not a certificate for the device's key; it cannot sign the renewal";
        m.old_key.reset();
        return m;
    }
    if (io::file_exists(paths.key_new)) {
        m.key = load_private_key(paths.key_new, pass, why);
    } else if (under_way) {
        m.error = paths.key_new + " is missing, but its renewal request was sent; a new key would not be "
                                  "what the CA issues for";
        return m;
    } else if (reuse_key) {
        // The same key under the new name: the swap below is the same for both.
        // Written again rather than copied, so that it is encrypted under
        // --key-pass like every key of this run (salt and IV fresh).
        Botan::AutoSeeded_RNG rng;
        if (auto e = keys::write_private_key(paths.key_new, *m.old_key, pass, rng, io::directory_sync::now,
                                             &m.write_error);
            !e.empty())
            why = e;
        else
            m.key = m.old_key;
    } else {
        m.key = make_key_file(paths.key_new, bits, pass, why, &m.write_error);
        m.generated_key = m.key != nullptr;
    }
    if (!m.key) {
        m.error = why;
        return m;
    }
    request_for(m, d, paths.csr_new, default_challenge, true);
    return m;
}

std::string install_renewed(const device& d, const device_paths& paths, const Botan::X509_Certificate& cert,
                            const std::vector<Botan::X509_Certificate>& chain)
{
    std::string pem;
    for (const auto& c : chain)
        pem += c.PEM_encode();
    if (auto e = io::write_file_atomic(paths.chain_new, pem, 0644, io::directory_sync::with_next_file); !e.empty())
        return e;
    if (auto e = io::write_file_atomic(paths.cert_new, cert.PEM_encode()); !e.empty())
        return e;
    return finish_swap(d, paths);
}

std::string finish_swap(const device& d, const device_paths& paths, unsigned max_steps)
{
    unsigned steps = 0;
    auto may_go_on = [&steps, max_steps] { return steps++ < max_steps; };
    const bool copies_pending = io::file_exists(paths.key_new);
    const auto& new_csr = io::file_exists(paths.csr_new) ? paths.csr_new : paths.csr;
    if (!certificate_for_request(paths.cert_new, new_csr))
        return paths.cert_new + " is not a certificate for the key of " + new_csr +
               "; the swap is not completed (move it away to renew again)";

    if (copies_pending) {
        // key.pem and cert.pem are still the old pair: keep copies first.
        if (auto e = io::make_directory_durable(paths.previous); !e.empty())
            return e;
        const auto later = io::directory_sync::with_next_file;
        const struct {
            std::string from, name;
            mode_t mode;
            io::directory_sync sync;
        } copies[] = {{current_key_path(d, paths), "key.pem", 0600, later},
                      {paths.csr, "csr.pem", 0644, later},
                      {paths.chain, "chain.pem", 0644, later},
                      {paths.cert, "cert.pem", 0644, io::directory_sync::now}};
        for (const auto& c : copies) {
            if (!may_go_on())
                return {};
            if (auto e = keep_copy(c.from, paths.previous + "/" + c.name, c.mode, c.sync); !e.empty())
                return e;
        }
        // cert.pem goes first (its copy is in previous/ now), so that no
        // moment leaves the new key.pem beside the old cert.pem: a crash
        // from here on leaves a device without cert.pem, which the next
        // run's look_at_device completes from cert.new.pem before anything
        // looks for a certificate.
        if (!may_go_on())
            return {};
        if (auto e = io::remove_durable(paths.cert); !e.empty())
            return e;
        if (!may_go_on())
            return {};
        if (auto e = io::rename_durable(paths.key_new, paths.key); !e.empty())
            return e;
    }
    for (const auto* from_to : {&paths.csr_new, &paths.chain_new}) {
        if (!io::file_exists(*from_to))
            continue;
        if (!may_go_on())
            return {};
        const auto& to = from_to == &paths.csr_new ? paths.csr : paths.chain;
        if (auto e = io::rename_durable(*from_to, to); !e.empty())
            return e;
    }
    if (!may_go_on())
        return {};
    return io::rename_durable(paths.cert_new, paths.cert);
}

device_on_disk look_at_device(const device& d, const device_paths& paths)
{
    device_on_disk out;
    if (io::file_exists(paths.cert_new)) {
        out.error = finish_swap(d, paths);
        if (!out.error.empty())
            return out;
        out.replaced = read_certificate(paths.previous + "/cert.pem");
    }
    out.files = renewal_files_in(paths);
    out.issued = issued_certificate(paths);
    return out;
}

} // namespace ascep::fleet
