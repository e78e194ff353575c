// Runs one command and writes what it cost to a file: "EXIT CPU_S WALL_S
// MAXRSS_KIB" (user+sys CPU and peak RSS from wait4(2), wall from
// CLOCK_MONOTONIC around posix_spawn and wait4).
//
//   child_rusage OUT.txt COMMAND [ARG ...]
//
// Why a program of its own: Linux carries the peak RSS of the process that
// forked into the child's ru_maxrss (exec keeps the larger of the two), so a
// command started by the Python benchmarks reads at least Python's ~10 MiB.
// Started from this small process, the figure is the command's own.
// Only libc is used, so that this process stays small.
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include <cstdio>

extern char** environ;

namespace {

double seconds(const timeval& t)
{
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

double now()
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s OUT.txt COMMAND [ARG ...]\n", argv[0]);
        return 2;
    }
    const double start = now();
    pid_t pid = 0;
    if (::posix_spawnp(&pid, argv[2], nullptr, nullptr, argv + 2, environ) != 0) {
        std::perror(argv[2]);
        return 127;
    }
    int status = 0;
    rusage ru{};
    if (::wait4(pid, &status, 0, &ru) != pid) {
        std::perror("wait4");
        return 1;
    }
    const double wall = now() - start;
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::FILE* out = std::fopen(argv[1], "w");
    if (out == nullptr) {
        std::perror(argv[1]);
        return 1;
    }
    std::fprintf(out, "%d %.6f %.6f %ld\n", code, seconds(ru.ru_utime) + seconds(ru.ru_stime), wall, ru.ru_maxrss);
    return std::fclose(out) == 0 ? code : 1;
}
