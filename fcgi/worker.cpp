#include <fcgiapp.h>
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <csignal>

#include "fcgi/app.hpp"
#include "fcgi/dispatch.hpp"
#include "fcgi/fcgi_input.hpp"
#include "fcgi/log.hpp"
#include "fcgi/pool.hpp"

namespace ems {
namespace {

volatile std::sig_atomic_t stop_requested = 0;
int worker_listen_fd = -1;

// Closing our copy of the listening socket makes a blocked accept() fail,
// so a worker waiting for work leaves at once; the master keeps the socket.
void on_term(int) {
    stop_requested = 1;
    FCGX_ShutdownPending();
    if (worker_listen_fd >= 0) {
        ::close(worker_listen_fd);
        worker_listen_fd = -1;
    }
}

void install_handlers(sigset_t& term_set) {
    struct sigaction sa {};
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: accept() must return EINTR
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    std::signal(SIGHUP, SIG_IGN);
    std::signal(SIGPIPE, SIG_IGN);
    sigemptyset(&term_set);
    sigaddset(&term_set, SIGTERM);
    sigaddset(&term_set, SIGINT);
}

// Returns the size of what was sent.
std::size_t serve_one(FCGX_Request& request, App& app) {
    FcgiInput input(request);
    Request req(input);
    Response res = dispatch(req, app);
    const auto out = serialize_cgi(res, req.method() == "HEAD");
    FCGX_PutStr(out.data(), static_cast<int>(out.size()), request.out);
    return out.size() + req.body().size();
}

}  // namespace

int run_worker(int listen_fd, const Config& config) {
    sigset_t term_set;
    install_handlers(term_set);
    worker_listen_fd = listen_fd;
    App app(config);
    FCGX_Request request;
    FCGX_InitRequest(&request, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
    long served = 0;
    while (!stop_requested && (config.max_requests <= 0 || served < config.max_requests)) {
        if (FCGX_Accept_r(&request) < 0) break;
        // A stop signal during a request waits until the answer is sent:
        // in-flight requests always finish.
        sigprocmask(SIG_BLOCK, &term_set, nullptr);
        std::size_t bytes = 0;
        try {
            bytes = serve_one(request, app);
        } catch (const std::exception& e) {
            log::error(std::string("request failed outside the dispatcher: ") + e.what());
        }
        FCGX_Finish_r(&request);
        // A large page or upload leaves freed heap that glibc keeps; give it
        // back so an idle worker stays small (a pool is sized by its RSS).
        if (bytes > 1024 * 1024) malloc_trim(0);
        ++served;
        sigprocmask(SIG_UNBLOCK, &term_set, nullptr);
    }
    FCGX_Free(&request, 0);
    return 0;
}

}  // namespace ems
