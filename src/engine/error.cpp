#include "engine/error.hpp"

#include <string>

namespace ascep::engine {
namespace {

class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "ascep.engine"; }

    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev)) {
        case errc::wrong_content_type: return "unexpected Content-Type in the SCEP response";
        case errc::empty_response: return "empty SCEP response";
        case errc::cancelled: return "cancelled";
        }
        return "unknown engine error";
    }
};

} // namespace

const boost::system::error_category& error_category() noexcept
{
    static const category instance;
    return instance;
}

} // namespace ascep::engine
