// The process pool: php-fpm's `pm = static` for ems. One master opens the
// listening socket, forks `workers` children that accept on it, replaces a
// child that dies, recycles one after `max_requests`, drains on SIGTERM and
// replaces every child on SIGHUP (config re-read) without closing the socket.
//
// SIGHUP: every worker is replaced; each old one gets SIGUSR1 (finish the
// current request, then exit) once its successor is forked.
//
// A worker that cannot start (it exits before reporting ready) is retried
// with an exponential back-off, 100 ms doubling to 5 s, reset once a worker
// starts; the master logs the first failure of such a burst, not each one.
//
// With smtp_url set the master also keeps one mail sender child, which
// delivers the outbox off the request path (restarted 1 s after it dies,
// replaced on SIGHUP, stopped with the workers).
//
// SIGTERM drains: the socket's path is unlinked (new connections fail at
// once), each worker finishes its request and every connection already
// queued on the socket, then exits; after `shutdown_grace` seconds the
// master kills what is left.
#pragma once
#include <string>

#include "core/config.hpp"

namespace ems {

// The exit status of a worker whose App could not be built, and of one
// that ended a request at request_terminate_timeout.
inline constexpr int worker_start_failed = 78;
inline constexpr int worker_terminated = 124;

struct WorkerStart {
    int ready_fd = -1;        // the worker writes its pid here once it can serve
    bool log_failure = true;  // log why it could not start (once per burst)
    int slot = -1;            // its place in the scoreboard (core/pool_state)
};

// Runs the master until SIGTERM/SIGINT; returns the process exit code.
int run_pool(const std::string& config_path, Config config);
// The accept loop of one worker; returns when asked to stop or recycled.
int run_worker(int listen_fd, const Config& config, const WorkerStart& start);
// The mail sender child (fcgi/mail_sender.cpp), forked when smtp_url is
// set; returns on SIGTERM, SIGINT or SIGHUP.
int run_mail_sender(const Config& config);

}  // namespace ems
