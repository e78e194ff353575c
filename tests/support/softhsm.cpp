#include "softhsm.hpp"

#include "run_process.hpp"

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <sys/stat.h>

#include <cstdlib>

namespace ascep::test {

softhsm::softhsm(const temp_dir& dir, std::string label, std::string pin)
    : label_(std::move(label)), pin_(std::move(pin)), store_(dir.file("softhsm-tokens"))
{
    std::filesystem::create_directories(store_);
    const auto conf = dir.write("softhsm2.conf", "directories.tokendir = " + store_.string() +
                                                     "\nobjectstore.backend = file\nlog.level = ERROR\n");
    ::setenv("SOFTHSM2_CONF", conf.c_str(), 1);
    pin_file_ = dir.write("token.pin", pin_ + "\n");
    ::chmod(pin_file_.c_str(), 0600);
    // The PIN on this argv is the test token's, in a test.
    const auto r = run_process({"softhsm2-util", "--init-token", "--free", "--label", label_, "--pin", pin_,
                                "--so-pin", "so-pin-0000"});
    if (r.exit_code != 0)
        throw std::runtime_error("softhsm2-util --init-token failed: " + r.output + r.errors);
}

std::string softhsm::objects() const
{
    const auto r = run_process({"pkcs11-tool", "--module", module, "--token-label", label_, "--login", "--pin", pin_,
                                "--list-objects"});
    if (r.exit_code != 0)
        throw std::runtime_error("pkcs11-tool --list-objects failed: " + r.output + r.errors);
    return r.output;
}

std::vector<std::filesystem::path> private_key_files(const std::filesystem::path& root,
                                                     const std::filesystem::path& except)
{
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
        if (!e.is_regular_file())
            continue;
        const auto p = e.path().string();
        if (p.starts_with(except.string()))
            continue;
        std::ifstream in(e.path(), std::ios::binary);
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (text.find("PRIVATE KEY") != std::string::npos)
            out.push_back(e.path());
    }
    return out;
}

} // namespace ascep::test
