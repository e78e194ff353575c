// What the command line prints: sscep's lines with our program name as the
// prefix ("ascep: pkistatus: PENDING"), or, with --json, one result object on
// stdout and nothing else there.
#pragma once

#include "cli/failure.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace ascep::cli {

class reporter {
public:
    reporter(std::string operation, bool verbose, bool json);

    /// A line sscep always prints ("certificate written as cert.crt").
    void info(const std::string& text);
    /// A line only -v shows ("valid response from server").
    void verbose(const std::string& text);
    /// stderr, always: "ascep: warning: ...".
    void warn(const std::string& text);

    /// Fields of the --json result object.
    boost::json::object& json() { return json_; }
    bool verbose_enabled() const { return verbose_; }

    /// Ends the run: prints the error line (stderr) or the JSON object, and
    /// returns the exit code.
    int finish(int exit_code);
    int finish(const failure& f);

private:
    std::string operation_;
    bool verbose_;
    bool json_mode_;
    boost::json::object json_;
};

} // namespace ascep::cli
