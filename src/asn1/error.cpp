#include "asn1/error.hpp"

#include <string>

namespace ascep::asn1 {
namespace {

class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "ascep.asn1"; }

    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev)) {
        case errc::malformed: return "malformed ASN.1";
        case errc::too_large: return "ASN.1 input exceeds the size limit";
        case errc::too_deep: return "ASN.1 nesting exceeds the depth limit";
        case errc::unsupported_algorithm: return "unsupported algorithm";
        }
        return "unknown asn1 error";
    }
};

} // namespace

const boost::system::error_category& error_category() noexcept
{
    static const category instance;
    return instance;
}

} // namespace ascep::asn1
