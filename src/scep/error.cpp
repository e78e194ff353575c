#include "scep/error.hpp"

#include <string>

namespace ascep::scep {
namespace {

class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "ascep.scep"; }

    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev)) {
        case errc::missing_attribute: return "SCEP attribute missing or malformed";
        case errc::unexpected_message_type: return "unexpected SCEP messageType";
        case errc::bad_attribute_value: return "SCEP pkiStatus or failInfo out of range";
        case errc::signer_count: return "SCEP message must have exactly one signer";
        case errc::transaction_id_mismatch: return "reply transactionID does not match the request";
        case errc::recipient_nonce_mismatch: return "reply recipientNonce does not match our senderNonce";
        case errc::untrusted_signer: return "reply is not signed by the CA/RA certificate";
        case errc::missing_content: return "SUCCESS reply carries no certificate or CRL";
        case errc::wrong_public_key: return "issued certificate is not for our public key";
        case errc::bad_input: return "unusable SCEP input";
        case errc::ambiguous_ca: return "the CA certificates do not say which one issues or which one encrypts";
        }
        return "unknown scep error";
    }
};

} // namespace

const boost::system::error_category& error_category() noexcept
{
    static const category instance;
    return instance;
}

} // namespace ascep::scep
