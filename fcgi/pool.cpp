#include "fcgi/pool.hpp"

#include <fcgiapp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <vector>

#include "fcgi/log.hpp"

namespace ems {
namespace {

struct Worker {
    bool retiring = false;  // asked to stop: not replaced when it exits
};

int worker_count(const Config& c) {
    if (c.workers > 0) return c.workers;
    const auto cores = std::thread::hardware_concurrency();
    return static_cast<int>(cores ? 2 * cores : 4);
}

int open_listener(const std::string& listen) {
    std::string addr = listen;
    bool is_unix = false;
    if (addr.rfind("unix:", 0) == 0) {
        addr = addr.substr(5);
        is_unix = true;
        std::error_code ec;
        std::filesystem::create_directories(std::filesystem::path(addr).parent_path(), ec);
        std::filesystem::remove(addr, ec);  // a stale socket from an unclean stop
    }
    if (FCGX_Init() != 0) throw std::runtime_error("FCGX_Init failed");
    const int fd = FCGX_OpenSocket(addr.c_str(), 1024);
    if (fd < 0) throw std::runtime_error("cannot listen on " + listen);
    // nginx's workers run as another user; the socket's folder is what
    // restricts access (var/run or /run/ems, mode 0750 with nginx's group).
    if (is_unix) ::chmod(addr.c_str(), 0666);
    return fd;
}

class Master {
public:
    Master(std::string config_path, Config config, int listen_fd)
        : config_path_(std::move(config_path)), config_(std::move(config)), listen_fd_(listen_fd) {}

    int run();

private:
    void spawn();
    void reap();
    void reload();
    void stop();

    std::string config_path_;
    Config config_;
    int listen_fd_;
    std::map<pid_t, Worker> workers_;
    bool stopping_ = false;
    int recent_failures_ = 0;
};

void Master::spawn() {
    const pid_t pid = fork();
    if (pid < 0) {
        log::error("fork failed");
        return;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        _exit(run_worker(listen_fd_, config_));
    }
    workers_[pid] = Worker{};
}

void Master::reap() {
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        const auto it = workers_.find(pid);
        if (it == workers_.end()) continue;
        const bool retiring = it->second.retiring;
        workers_.erase(it);
        const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (!clean) {
            log::error("worker " + std::to_string(pid) + " died (" +
                       (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                            : "exit " + std::to_string(WEXITSTATUS(status))) +
                       ")" + (stopping_ || retiring ? "" : "; replacing it"));
            ++recent_failures_;
        }
        if (stopping_ || retiring) continue;
        // A worker that cannot even start would otherwise be re-forked in a
        // tight loop; a short pause keeps the machine usable.
        if (recent_failures_ > 20) std::this_thread::sleep_for(std::chrono::milliseconds(200));
        spawn();
    }
}

void Master::reload() {
    try {
        config_ = Config::load(config_path_);
        log::info("SIGHUP: configuration re-read; replacing workers");
    } catch (const std::exception& e) {
        log::error(std::string("SIGHUP: keeping the old configuration: ") + e.what());
    }
    std::vector<pid_t> old;
    for (auto& [pid, w] : workers_)
        if (!w.retiring) old.push_back(pid);
    for (const pid_t pid : old) {
        workers_[pid].retiring = true;
        spawn();  // the new worker accepts before the old one leaves
        kill(pid, SIGTERM);
    }
}

void Master::stop() {
    stopping_ = true;
    log::info("stopping: waiting for in-flight requests");
    for (auto& [pid, w] : workers_) kill(pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!workers_.empty() && std::chrono::steady_clock::now() < deadline) {
        reap();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (auto& [pid, w] : workers_) kill(pid, SIGKILL);
    reap();
}

int Master::run() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    const int n = worker_count(config_);
    for (int i = 0; i < n; ++i) spawn();
    log::info("pool started with " + std::to_string(n) + " workers on " + config_.listen);
    while (true) {
        timespec timeout{1, 0};
        const int sig = sigtimedwait(&set, nullptr, &timeout);
        if (sig < 0) {
            recent_failures_ = 0;  // a quiet second
            continue;
        }
        if (sig == SIGCHLD) reap();
        if (sig == SIGHUP) reload();
        if (sig == SIGTERM || sig == SIGINT) break;
    }
    stop();
    log::info("pool stopped");
    return 0;
}

void write_pid_file(const std::string& path) {
    if (path.empty()) return;
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    std::ofstream(path) << getpid() << "\n";
}

}  // namespace

int run_pool(const std::string& config_path, Config config) {
    const int fd = open_listener(config.listen);
    write_pid_file(config.pid_file);
    Master master(config_path, config, fd);
    const int rc = master.run();
    if (config.listen.rfind("unix:", 0) == 0) {
        std::error_code ec;
        std::filesystem::remove(config.listen.substr(5), ec);
    }
    if (!config.pid_file.empty()) std::remove(config.pid_file.c_str());
    return rc;
}

}  // namespace ems
