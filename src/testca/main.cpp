// ascep-testca: a SCEP test CA for tests and CI pipelines (docs/testca.md,
// ascep-testca(1)). `serve` (the default) runs the server (serve.cpp); the
// other commands change the state directory of a running or stopped server
// (admin_commands.cpp). The command line is command_line.cpp's.
#include "testca/admin_commands.hpp"
#include "testca/command_line.hpp"
#include "testca/serve.hpp"

#include <iostream>

int main(int argc, char** argv)
{
    using namespace ascep::testca;
    try {
        const auto c = parse_command_line(std::vector<std::string>(argv, argv + argc));
        if (c.help) {
            std::cout << usage_text;
            return 0;
        }
        if (c.command == "serve")
            return serve(c);
        return run_admin_command(c);
    } catch (const usage_error& e) {
        std::cerr << "ascep-testca: " << e.what() << "\n" << usage_text;
        return 64;
    } catch (const std::exception& e) {
        std::cerr << "ascep-testca: " << e.what() << "\n";
        return 1;
    }
}
