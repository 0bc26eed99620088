#include "fcgi/pool.hpp"

#include <fcgiapp.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <vector>

#include "core/log.hpp"
#include "core/pool_state.hpp"
#include "fcgi/listener.hpp"

namespace ems {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds first_backoff{100};
constexpr milliseconds max_backoff{5000};

struct Worker {
    bool retiring = false;  // asked to stop: not replaced when it exits
    bool ready = false;     // reported that it can serve
    int slot = -1;          // its place in the shared scoreboard
    bool killed_for_time = false;
};

constexpr milliseconds tick{250};  // how often the master looks at the scoreboard

std::string exit_text(int status) {
    return WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                               : "exit " + std::to_string(WEXITSTATUS(status));
}

int worker_count(const Config& c) {
    if (c.workers > 0) return c.workers;
    const auto cores = std::thread::hardware_concurrency();
    return static_cast<int>(cores ? 2 * cores : 4);
}

timespec to_timespec(Clock::duration d) {
    const auto ms = std::max<long long>(0, std::chrono::duration_cast<milliseconds>(d).count());
    return timespec{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000L};
}

class Master {
  public:
    Master(std::string config_path, Config config, int listen_fd);
    ~Master();
    int run();

  private:
    void spawn();
    void spawn_due();
    void spawn_mailer();
    void reap();
    void read_ready();
    void start_failed(pid_t pid, int status);
    void reload();
    void reopen_logs();
    void look_at_workers();
    void stop();

    std::string config_path_;
    Config config_;
    int listen_fd_;
    std::string socket_path_;  // unix socket: unlinked first on stop
    int ready_[2] = {-1, -1};  // pipe: workers write their pid once ready
    std::map<pid_t, Worker> workers_;
    bool stopping_ = false;
    // Back-off for workers that cannot start.
    int pending_ = 0;  // to spawn at next_spawn_
    Clock::time_point next_spawn_{};
    milliseconds backoff_{0};
    int failed_starts_ = 0;  // in the current burst
    // The mail sender (smtp_url set): its pid, and when to start it again.
    pid_t mailer_ = 0;
    Clock::time_point mailer_due_{};
};

Master::Master(std::string config_path, Config config, int listen_fd)
    : config_path_(std::move(config_path)),
      config_(std::move(config)),
      listen_fd_(listen_fd),
      socket_path_(unix_path(config_.listen)) {
    if (::pipe2(ready_, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    set_nonblocking(ready_[0]);
    set_nonblocking(ready_[1]);
}

Master::~Master() {
    ::close(ready_[0]);
    ::close(ready_[1]);
}

void Master::spawn() {
    const bool log_failure = failed_starts_ == 0;
    const int slot = pool_state::claim_slot(-1);  // the child writes its pid there
    const pid_t pid = fork();
    if (pid < 0) {
        pool_state::release_slot(slot);
        log::error("fork failed");
        return;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        ::close(ready_[0]);
        if (config_.process_priority != 0 &&
            ::setpriority(PRIO_PROCESS, 0, config_.process_priority) != 0)
            log::error("process_priority " + std::to_string(config_.process_priority) + ": " +
                       std::strerror(errno));
        _exit(run_worker(listen_fd_, config_, WorkerStart{ready_[1], log_failure, slot}));
    }
    workers_[pid] = Worker{false, false, slot, false};
}

void Master::spawn_mailer() {
    if (stopping_ || mailer_ != 0 || config_.smtp_url.empty() || Clock::now() < mailer_due_) return;
    const pid_t pid = fork();
    if (pid < 0) {
        log::error("fork failed (mail sender)");
        mailer_due_ = Clock::now() + std::chrono::seconds(1);
        return;
    }
    if (pid == 0) {
        ::close(ready_[0]);
        ::close(ready_[1]);
        ::close(listen_fd_);
        _exit(run_mail_sender(config_));
    }
    mailer_ = pid;
}

void Master::read_ready() {
    pid_t pids[64];
    ssize_t n;
    while ((n = ::read(ready_[0], pids, sizeof pids)) > 0) {
        for (ssize_t i = 0; i < n / static_cast<ssize_t>(sizeof(pid_t)); ++i) {
            const auto it = workers_.find(pids[i]);
            if (it != workers_.end()) it->second.ready = true;
            if (failed_starts_ > 0)
                log::info("workers start again after " + std::to_string(failed_starts_) +
                          " failed start(s)");
            failed_starts_ = 0;
            backoff_ = milliseconds(0);
        }
    }
}

// A worker that died before it could serve: retrying at once would fork
// in a tight loop for as long as the cause lasts (a read-only storage, a
// missing folder), so wait longer after each failure.
void Master::start_failed(pid_t pid, int status) {
    if (failed_starts_++ == 0)
        log::error("worker " + std::to_string(pid) + " could not start (" +
                   (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                        : "exit " + std::to_string(WEXITSTATUS(status))) +
                   "); retrying with a back-off of up to 5 s, quietly until a worker starts");
    backoff_ = backoff_.count() == 0 ? first_backoff : std::min(backoff_ * 2, max_backoff);
    next_spawn_ = Clock::now() + backoff_;
    ++pending_;
}

void Master::spawn_due() {
    if (pending_ == 0 || stopping_ || Clock::now() < next_spawn_) return;
    for (; pending_ > 0; --pending_) spawn();
}

void Master::reap() {
    read_ready();  // before deciding: a ready worker may die right after
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == mailer_) {
            mailer_ = 0;
            if (!stopping_ && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
                log::error("mail sender " + std::to_string(pid) + " died; restarting it in 1 s");
            mailer_due_ = Clock::now() + std::chrono::seconds(1);
            continue;
        }
        const auto it = workers_.find(pid);
        if (it == workers_.end()) continue;
        const Worker w = it->second;
        workers_.erase(it);
        const bool terminated =
            w.killed_for_time || (WIFEXITED(status) && WEXITSTATUS(status) == worker_terminated);
        if (terminated) {
            // The slot still holds the request the worker was ended in.
            pool_state::Busy b;
            pool_state::busy_request(w.slot, b);
            log::error("request_terminate_timeout: worker " + std::to_string(pid) + " ran " +
                       b.method + " " + (b.route.empty() ? "(no route yet)" : b.route) +
                       " request_id=" + b.request_id + " for " +
                       std::to_string(static_cast<int>(b.seconds)) +
                       " s; answered 504 and replaced (" + exit_text(status) + ")");
        }
        pool_state::release_slot(w.slot);
        if (stopping_) continue;
        if (w.retiring) {
            pool_state::count_restart(pool_state::Restart::reload);
            continue;
        }
        if (!w.ready) {
            start_failed(pid, status);
            continue;
        }
        const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        pool_state::count_restart(terminated ? pool_state::Restart::terminated
                                  : clean    ? pool_state::Restart::recycled
                                             : pool_state::Restart::crashed);
        if (!clean && !terminated)
            log::error("worker " + std::to_string(pid) + " died (" + exit_text(status) +
                       "); replacing it");
        spawn();
    }
}

void Master::reload() {
    try {
        config_ = Config::load(config_path_);
        log::use_journald(config_.log_target == "journald");
        log::reopen();  // the new workers inherit the reopened files
        log::info("SIGHUP: configuration re-read, logs reopened; replacing workers");
    } catch (const std::exception& e) {
        log::error(std::string("SIGHUP: keeping the old configuration: ") + e.what());
    }
    std::vector<pid_t> old;
    for (auto& [pid, w] : workers_)
        if (!w.retiring) old.push_back(pid);
    for (const pid_t pid : old) {
        workers_[pid].retiring = true;
        spawn();  // the new worker accepts before the old one leaves
        // Not SIGTERM: under load the queue is never empty, so an old worker
        // draining it would serve the old configuration indefinitely.
        kill(pid, SIGUSR1);
    }
    next_spawn_ = Clock::now();  // an operator's reload retries a failed start at once
    if (mailer_ != 0) kill(mailer_, SIGTERM);  // replaced, with the new configuration, once reaped
    mailer_due_ = Clock::now();
}

// Every tick: the listen queue, and the backstop of request_terminate_timeout: a worker
// still busy 2 s after its own timer should have ended the request (its
// SIGALRM answer) is killed.
void Master::look_at_workers() {
    for (auto& [pid, w] : workers_) {
        pool_state::Busy b;
        if (config_.request_terminate_timeout > 0 && !w.killed_for_time &&
            pool_state::busy_request(w.slot, b) &&
            b.seconds > config_.request_terminate_timeout + 2) {
            w.killed_for_time = true;
            kill(pid, SIGKILL);
        }
    }
    const auto q = listen_queue(listen_fd_, config_.listen_backlog);
    pool_state::set_listen_queue(q.first, q.second);
}

// php-fpm's SIGUSR1: the master reopens the logs by path, then each child
// is told (SIGUSR2) to reopen before its next line. Lines written in
// between go to the renamed file: none is lost.
void Master::reopen_logs() {
    log::reopen();
    for (auto& [pid, w] : workers_) kill(pid, SIGUSR2);
    if (mailer_ != 0) kill(mailer_, SIGUSR2);
    log::info("SIGUSR1: logs reopened");
}

// Unlink first so that new connections fail at once (nginx answers 502
// instead of queueing behind a pool that is leaving); keep the socket open
// until the workers have served what is already queued on it.
void Master::stop() {
    stopping_ = true;
    pending_ = 0;
    if (!socket_path_.empty()) ::unlink(socket_path_.c_str());
    const int grace = std::max(0, config_.shutdown_grace);
    log::info("stopping: finishing running and queued requests (up to " + std::to_string(grace) +
              " s)");
    for (auto& [pid, w] : workers_) kill(pid, SIGTERM);
    if (mailer_ != 0) kill(mailer_, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::seconds(grace);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    reap();
    while ((!workers_.empty() || mailer_ != 0) && Clock::now() < deadline) {
        const auto wait = to_timespec(
            std::min<Clock::duration>(deadline - Clock::now(), std::chrono::seconds(1)));
        sigtimedwait(&chld, nullptr, &wait);
        reap();
    }
    if (mailer_ != 0) {
        kill(mailer_, SIGKILL);
        waitpid(mailer_, nullptr, 0);
        mailer_ = 0;
    }
    if (workers_.empty()) return;
    log::error("stopping: " + std::to_string(workers_.size()) + " worker(s) still busy after " +
               std::to_string(grace) + " s; killing them");
    for (auto& [pid, w] : workers_) kill(pid, SIGKILL);
    for (auto& [pid, w] : workers_) waitpid(pid, nullptr, 0);
    workers_.clear();
}

int Master::run() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&set, s);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    // The master sends SIGUSR2, never takes it; children inherit "ignored"
    // until they install their own handling (a fresh worker cannot be
    // killed by a rotation that comes before its handler).
    std::signal(SIGUSR2, SIG_IGN);
    const int n = worker_count(config_);
    for (int i = 0; i < n; ++i) spawn();
    spawn_mailer();
    log::info("pool started with " + std::to_string(n) + " workers on " + config_.listen);
    while (true) {
        auto wait = std::chrono::duration_cast<Clock::duration>(tick);
        if (pending_ > 0) wait = std::min<Clock::duration>(wait, next_spawn_ - Clock::now());
        const timespec timeout = to_timespec(wait);
        const int sig = sigtimedwait(&set, nullptr, &timeout);
        if (sig == SIGCHLD) reap();
        if (sig == SIGHUP) reload();
        if (sig == SIGUSR1) reopen_logs();
        if (sig == SIGTERM || sig == SIGINT) break;
        read_ready();
        spawn_due();
        spawn_mailer();
        look_at_workers();
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
    const int fd = open_listener(config);
    pool_state::create(worker_count(config) * 2 + 8);  // room for a reload's overlap
    pool_state::set_listen_queue(0, config.listen_backlog);
    write_pid_file(config.pid_file);
    int rc = 0;
    {
        Master master(config_path, config, fd);
        rc = master.run();
    }
    // The socket's path went first, in Master::stop(); removing it again
    // here could remove a new pool's socket.
    ::close(fd);
    if (!config.pid_file.empty()) std::remove(config.pid_file.c_str());
    return rc;
}

}  // namespace ems
