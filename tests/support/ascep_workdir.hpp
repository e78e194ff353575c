// What most integration tests of the ascep binary do in their temporary
// directory: name a file there, ask whether one exists, run `ascep`.
// Header-only: the including test program defines ASCEP_PATH (the binary
// under test). A fixture derives from it, so that `dir` exists before any
// member that needs it (a CA process started in it).
#pragma once

#include "run_process.hpp"
#include "temp_dir.hpp"

#include <sys/stat.h>

#include <string>
#include <vector>

namespace ascep::test {

struct ascep_workdir {
    temp_dir dir;

    std::string path(const std::string& name) const { return dir.file(name).string(); }

    bool exists(const std::string& name) const
    {
        struct stat st {};
        return ::stat(path(name).c_str(), &st) == 0;
    }

    static process_result ascep(std::vector<std::string> args)
    {
        args.insert(args.begin(), ASCEP_PATH);
        return run_process(args);
    }
};

} // namespace ascep::test
