#include "cms/error.hpp"

#include <string>

namespace ascep::cms {
namespace {

class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "ascep.cms"; }

    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev)) {
        case errc::malformed: return "malformed PKCS#7/CMS structure";
        case errc::too_large: return "PKCS#7/CMS input exceeds the size limit";
        case errc::too_deep: return "PKCS#7/CMS input nests too deeply";
        case errc::unsupported_algorithm: return "unsupported algorithm in PKCS#7/CMS";
        case errc::wrong_content_type: return "unexpected PKCS#7 content type";
        case errc::bad_signature: return "PKCS#7 signature does not verify";
        case errc::digest_mismatch: return "PKCS#7 messageDigest does not match the content";
        case errc::content_type_mismatch: return "PKCS#7 contentType attribute does not match the content";
        case errc::missing_attribute: return "PKCS#7 signed attributes lack contentType or messageDigest";
        case errc::signer_mismatch: return "PKCS#7 signer is not the expected certificate";
        case errc::no_matching_recipient: return "no PKCS#7 recipient matches our key";
        case errc::decryption_failed: return "PKCS#7 decryption failed";
        case errc::invalid_key: return "key cannot be used for this PKCS#7 operation";
        }
        return "unknown cms error";
    }
};

} // namespace

const boost::system::error_category& error_category() noexcept
{
    static const category instance;
    return instance;
}

} // namespace ascep::cms
