// The process pool: php-fpm's `pm = static` for ems. One master opens the
// listening socket, forks `workers` children that accept on it, replaces a
// child that dies, recycles one after `max_requests`, drains on SIGTERM and
// replaces every child on SIGHUP (config re-read) without closing the socket.
#pragma once
#include <string>

#include "fcgi/config.hpp"

namespace ems {

// Runs the master until SIGTERM/SIGINT; returns the process exit code.
int run_pool(const std::string& config_path, Config config);
// The accept loop of one worker; returns when asked to stop or recycled.
int run_worker(int listen_fd, const Config& config);

}  // namespace ems
