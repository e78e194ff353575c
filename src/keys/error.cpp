#include "keys/error.hpp"

namespace ascep::keys {
namespace {

class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "ascep.keys"; }
    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev)) {
        case errc::unreadable: return "cannot read the key file";
        case errc::not_a_key: return "not a private key";
        case errc::not_rsa: return "not an RSA key";
        case errc::passphrase_needed: return "the key is encrypted and no passphrase was given";
        case errc::wrong_passphrase: return "wrong passphrase";
        case errc::legacy_encryption: return "the key is encrypted in a legacy format";
        case errc::unsupported_encryption: return "the key is encrypted with an unsupported scheme";
        case errc::write_failed: return "cannot write the key file";
        }
        return "unknown key file error";
    }
};

} // namespace

const boost::system::error_category& error_category() noexcept
{
    static const category instance;
    return instance;
}

} // namespace ascep::keys
