#include "fcgi/listener.hpp"

#include <fcgiapp.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace ems {
namespace {

// The socket's owner, group and mode (listen_owner, listen_group,
// listen_mode): nginx's workers run as another user and must connect.
void set_socket_access(const std::string& path, const Config& c) {
    uid_t uid = static_cast<uid_t>(-1);
    gid_t gid = static_cast<gid_t>(-1);
    if (!c.listen_owner.empty()) {
        const passwd* pw = ::getpwnam(c.listen_owner.c_str());
        if (!pw) throw std::runtime_error("listen_owner: no user " + c.listen_owner);
        uid = pw->pw_uid;
    }
    if (!c.listen_group.empty()) {
        const group* gr = ::getgrnam(c.listen_group.c_str());
        if (!gr) throw std::runtime_error("listen_group: no group " + c.listen_group);
        gid = gr->gr_gid;
    }
    if ((uid != static_cast<uid_t>(-1) || gid != static_cast<gid_t>(-1)) &&
        ::chown(path.c_str(), uid, gid) != 0)
        throw std::runtime_error("cannot give the socket " + path + " to " + c.listen_owner + ":" +
                                 c.listen_group + ": " + std::strerror(errno));
    if (::chmod(path.c_str(), static_cast<mode_t>(c.listen_mode)) != 0)
        throw std::runtime_error("cannot set the mode of the socket " + path + ": " +
                                 std::strerror(errno));
}

}  // namespace

std::string unix_path(const std::string& listen) {
    return listen.rfind("unix:", 0) == 0 ? listen.substr(5) : std::string();
}

void set_nonblocking(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int open_listener(const Config& c) {
    std::string addr = c.listen;
    const auto path = unix_path(c.listen);
    if (!path.empty()) {
        addr = path;
        std::error_code ec;
        std::filesystem::create_directories(std::filesystem::path(addr).parent_path(), ec);
        std::filesystem::remove(addr, ec);  // a stale socket from an unclean stop
    }
    if (FCGX_Init() != 0) throw std::runtime_error("FCGX_Init failed");
    const int fd = FCGX_OpenSocket(addr.c_str(), c.listen_backlog);
    if (fd < 0) throw std::runtime_error("cannot listen on " + c.listen);
    if (!path.empty()) set_socket_access(addr, c);
    // Workers poll and then accept: whoever loses the race for a connection
    // gets EAGAIN rather than blocking (and missing a stop).
    set_nonblocking(fd);
    return fd;
}

std::pair<int, int> listen_queue(int fd, int backlog) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return {0, backlog};
    if (addr.ss_family == AF_INET || addr.ss_family == AF_INET6) {
        tcp_info info{};
        socklen_t n = sizeof info;
        if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &n) == 0)
            return {static_cast<int>(info.tcpi_unacked), static_cast<int>(info.tcpi_sacked)};
        return {0, backlog};
    }
    struct stat st {};
    if (addr.ss_family != AF_UNIX || ::fstat(fd, &st) != 0) return {0, backlog};
    const int nl = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (nl < 0) return {0, backlog};
    struct {
        nlmsghdr nlh;
        unix_diag_req req;
    } msg{};
    msg.nlh.nlmsg_len = sizeof msg;
    msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.nlh.nlmsg_flags = NLM_F_REQUEST;
    msg.req.sdiag_family = AF_UNIX;
    msg.req.udiag_states = 1u << 10;  // TCP_LISTEN
    msg.req.udiag_ino = static_cast<unsigned>(st.st_ino);
    msg.req.udiag_show = UDIAG_SHOW_RQLEN;
    msg.req.udiag_cookie[0] = msg.req.udiag_cookie[1] = ~0u;  // INET_DIAG_NOCOOKIE
    std::pair<int, int> out{0, backlog};
    if (::send(nl, &msg, sizeof msg, 0) == static_cast<ssize_t>(sizeof msg)) {
        alignas(nlmsghdr) char buf[1024];
        timeval tv{0, 200000};
        ::setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        const ssize_t n = ::recv(nl, buf, sizeof buf, 0);
        auto* h = reinterpret_cast<nlmsghdr*>(buf);
        if (n > 0 && NLMSG_OK(h, static_cast<unsigned>(n)) &&
            h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
            auto* m = static_cast<unix_diag_msg*>(NLMSG_DATA(h));
            int rest = static_cast<int>(h->nlmsg_len - NLMSG_LENGTH(sizeof *m));
            for (auto* a = reinterpret_cast<rtattr*>(m + 1); RTA_OK(a, rest); a = RTA_NEXT(a, rest))
                if (a->rta_type == UNIX_DIAG_RQLEN) {
                    const auto* q = static_cast<unix_diag_rqlen*>(RTA_DATA(a));
                    out = {static_cast<int>(q->udiag_rqueue), static_cast<int>(q->udiag_wqueue)};
                }
        }
    }
    ::close(nl);
    return out;
}

}  // namespace ems
