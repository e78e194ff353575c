#include "run_process.hpp"

#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <system_error>

extern char** environ;

namespace ascep::test {

namespace {

[[noreturn]] void throw_errno(int err, const char* what)
{
    throw std::system_error(err, std::generic_category(), what);
}

// Both ends closed on scope exit, whatever the path out.
struct pipe_pair {
    int read_end = -1;
    int write_end = -1;

    pipe_pair()
    {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0)
            throw_errno(errno, "pipe2");
        read_end = fds[0];
        write_end = fds[1];
    }
    pipe_pair(const pipe_pair&) = delete;
    pipe_pair& operator=(const pipe_pair&) = delete;
    ~pipe_pair()
    {
        close_read();
        close_write();
    }
    void close_read()
    {
        if (read_end >= 0)
            ::close(read_end);
        read_end = -1;
    }
    void close_write()
    {
        if (write_end >= 0)
            ::close(write_end);
        write_end = -1;
    }
};

struct file_actions {
    posix_spawn_file_actions_t actions;

    file_actions() { ::posix_spawn_file_actions_init(&actions); }
    file_actions(const file_actions&) = delete;
    file_actions& operator=(const file_actions&) = delete;
    ~file_actions() { ::posix_spawn_file_actions_destroy(&actions); }
};

pid_t spawn(const std::vector<std::string>& argv, const pipe_pair& out, const pipe_pair& err)
{
    if (argv.empty())
        throw std::system_error(EINVAL, std::generic_category(), "run_process: empty argv");
    file_actions fa;
    ::posix_spawn_file_actions_addopen(&fa.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    // dup2 clears O_CLOEXEC on the new descriptor; the originals close on exec.
    ::posix_spawn_file_actions_adddup2(&fa.actions, out.write_end, STDOUT_FILENO);
    ::posix_spawn_file_actions_adddup2(&fa.actions, err.write_end, STDERR_FILENO);

    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str())); // exec's signature; it does not write them
    args.push_back(nullptr);

    pid_t pid = 0;
    const int rc = ::posix_spawnp(&pid, args[0], &fa.actions, nullptr, args.data(), environ);
    if (rc != 0)
        throw_errno(rc, ("posix_spawnp " + argv[0]).c_str());
    return pid;
}

// Reads both pipes until both reach EOF. Both at once: a child that fills
// the stderr pipe while we block on stdout would otherwise never finish.
void drain(pipe_pair& out, pipe_pair& err, process_result& result,
           const std::function<void(const std::string&)>& on_line)
{
    std::size_t line_start = 0;
    std::array<pollfd, 2> fds{{{out.read_end, POLLIN, 0}, {err.read_end, POLLIN, 0}}};
    std::array<std::string*, 2> sinks{&result.output, &result.errors};
    int open_count = 2;
    while (open_count > 0) {
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR)
                continue;
            throw_errno(errno, "poll");
        }
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            char buf[4096];
            const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                sinks[i]->append(buf, static_cast<std::size_t>(n));
                for (std::size_t nl; i == 0 && on_line && (nl = result.output.find('\n', line_start)) != std::string::npos;
                     line_start = nl + 1)
                    on_line(result.output.substr(line_start, nl - line_start));
            } else if (n == 0 || errno != EINTR) {
                fds[i].fd = -1; // poll ignores negative descriptors
                --open_count;
            }
        }
    }
}

int wait_for_exit(pid_t pid)
{
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            throw_errno(errno, "waitpid");
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

} // namespace

process_result run_process(const std::vector<std::string>& argv)
{
    return run_process(argv, {});
}

process_result run_process(const std::vector<std::string>& argv,
                           const std::function<void(const std::string&)>& on_line)
{
    return run_process(argv, on_line, {});
}

process_result run_process(const std::vector<std::string>& argv,
                           const std::function<void(const std::string&)>& on_line,
                           const std::function<void(pid_t)>& on_started)
{
    pipe_pair out;
    pipe_pair err;
    const pid_t pid = spawn(argv, out, err);
    // Our copies of the write ends must go, or the reads below never see EOF.
    out.close_write();
    err.close_write();
    if (on_started)
        on_started(pid);

    process_result result;
    drain(out, err, result, on_line);
    result.exit_code = wait_for_exit(pid);
    return result;
}

} // namespace ascep::test
