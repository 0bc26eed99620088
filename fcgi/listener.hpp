// The pool's listening socket: opened by the master before it forks
// (php-fpm's listen, listen.backlog, listen.owner/group/mode), and the
// length of its accept queue for the status page.
#pragma once
#include <string>
#include <utility>

#include "core/config.hpp"

namespace ems {

// The path of a `unix:PATH` listen value; empty for HOST:PORT.
std::string unix_path(const std::string& listen);
void set_nonblocking(int fd);
// Binds and listens as configured; a unix socket gets listen_owner,
// listen_group and listen_mode. Non-blocking. Throws std::runtime_error.
int open_listener(const Config& c);
// Connections waiting to be accepted, and the queue's length (php-fpm's
// "listen queue" and "listen queue len"). TCP: TCP_INFO of the listening
// socket. A unix socket: the kernel's sock_diag (what `ss -xl` shows as
// Recv-Q and Send-Q), asked for this socket's inode.
std::pair<int, int> listen_queue(int fd, int backlog);

}  // namespace ems
