#include <fastcgi.h>
#include <fcgiapp.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "core/pool_state.hpp"
#include "fcgi/fcgi_input.hpp"
#include "fcgi/pool.hpp"
#include "handlers/app.hpp"
#include "handlers/dispatch.hpp"
#include "handlers/router.hpp"

namespace ems {
namespace {

volatile std::sig_atomic_t stop_requested = 0;    // SIGTERM, SIGINT: drain the queue, then exit
volatile std::sig_atomic_t retire_requested = 0;  // SIGUSR1: exit after the current request

void on_term(int) {
    stop_requested = 1;
}
void on_retire(int) {
    retire_requested = 1;
}
void on_reopen_logs(int) {
    log::request_reopen();
}

// request_terminate_timeout: SIGALRM ends the request with a 504 written
// straight to nginx's connection (three FastCGI records prepared at start:
// write(2) is all the handler does), then the worker exits and the master
// replaces it. The timer covers the work, not the writing of the answer.
struct Prebuilt {
    char bytes[1024];
    std::size_t size = 0;
    std::size_t id_at[3] = {};  // where the request id goes in each header
};
Prebuilt terminated_answer;
volatile int answer_fd = -1;

void record(Prebuilt& p, unsigned char type, const char* content, std::size_t len, int which) {
    unsigned char* h = reinterpret_cast<unsigned char*>(p.bytes + p.size);
    h[0] = FCGI_VERSION_1;
    h[1] = type;
    p.id_at[which] = p.size + 2;
    h[4] = static_cast<unsigned char>(len >> 8);
    h[5] = static_cast<unsigned char>(len & 0xff);
    h[6] = h[7] = 0;
    p.size += FCGI_HEADER_LEN;
    std::memcpy(p.bytes + p.size, content, len);
    p.size += len;
}

void prepare_terminated_answer() {
    static const char head_and_page[] =
        "Status: 504 Gateway Timeout\r\nContent-Type: text/html; charset=utf-8\r\n"
        "Cache-Control: no-store\r\n\r\n<!DOCTYPE html><html lang=\"en\"><head><meta "
        "charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\"><title>Timed out</title><link rel=\"stylesheet\" "
        "href=\"/static/app.css\"></head><body><main><h1>This took too long</h1><p>The "
        "server stopped working on this request. Please try again.</p></main></body></html>";
    const unsigned char end[8] = {0, 0, 0, 0, FCGI_REQUEST_COMPLETE, 0, 0, 0};
    record(terminated_answer, FCGI_STDOUT, head_and_page, sizeof head_and_page - 1, 0);
    record(terminated_answer, FCGI_STDOUT, "", 0, 1);
    record(terminated_answer, FCGI_END_REQUEST, reinterpret_cast<const char*>(end), sizeof end, 2);
}

void on_terminate(int) {
    const int fd = answer_fd;
    if (fd >= 0) {
        std::size_t done = 0;
        while (done < terminated_answer.size) {
            const ssize_t n =
                ::write(fd, terminated_answer.bytes + done, terminated_answer.size - done);
            if (n <= 0 && errno != EINTR) break;
            if (n > 0) done += static_cast<std::size_t>(n);
        }
    }
    _exit(worker_terminated);
}

void arm_terminate(const FCGX_Request& request, int seconds) {
    if (seconds <= 0) return;
    for (const auto at : terminated_answer.id_at) {
        terminated_answer.bytes[at] = static_cast<char>((request.requestId >> 8) & 0xff);
        terminated_answer.bytes[at + 1] = static_cast<char>(request.requestId & 0xff);
    }
    answer_fd = request.ipcFd;
    itimerval t{};
    t.it_value.tv_sec = seconds;
    ::setitimer(ITIMER_REAL, &t, nullptr);
}

void disarm_terminate() {
    itimerval t{};
    ::setitimer(ITIMER_REAL, &t, nullptr);
    answer_fd = -1;
}

// The stop signals stay blocked except while the worker waits for work: a
// stop never cuts a request short, and cannot slip in between the check of
// the flags and the wait (ppoll unblocks them atomically). Returns the mask
// to wait with.
sigset_t install_handlers() {
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    sa.sa_handler = on_retire;
    sigaction(SIGUSR1, &sa, nullptr);
    // From the master's SIGUSR1 (log rotation); blocked like the stop
    // signals, so it never interrupts a request's system calls.
    sa.sa_handler = on_reopen_logs;
    sigaction(SIGUSR2, &sa, nullptr);
    sa.sa_handler = on_terminate;
    sigaction(SIGALRM, &sa, nullptr);
    std::signal(SIGHUP, SIG_IGN);
    std::signal(SIGPIPE, SIG_IGN);
    sigset_t stop_set, waiting;
    sigemptyset(&stop_set);
    for (int s : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2}) sigaddset(&stop_set, s);
    sigprocmask(SIG_BLOCK, &stop_set, &waiting);
    for (int s : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2}) sigdelset(&waiting, s);
    return waiting;
}

// True when a connection is queued on the listening socket. Blocks until
// one is, or until a stop is asked for. After SIGTERM only what is already
// queued counts (a zero-timeout poll), so a stopping pool drains its queue;
// after SIGUSR1 (a reload) nothing does: the new workers take the queue.
bool wait_for_work(int listen_fd, const sigset_t& waiting) {
    for (;;) {
        pollfd p{listen_fd, POLLIN, 0};
        if (retire_requested) return false;
        if (stop_requested) return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
        const int r = ::ppoll(&p, 1, nullptr, &waiting);
        if (r > 0) return (p.revents & POLLIN) != 0;
        if (r < 0 && errno != EINTR) return false;
    }
}

// A streamed response's way out, in chunks of about 32 KiB, so a 5 MB page
// is never one string. Each chunk is one FastCGI record written with one
// writev on nginx's connection (FCGX_PutStr would cut it into 8 KiB records
// and four writes; its buffer is flushed first, and FCGX_Finish_r writes
// the end records after). The first chunk stops the terminate timer: its
// 504 cannot follow bytes already sent, and from there on the time is the
// client's (nginx's send_timeout bounds a client that stops reading).
class FcgiOutput final : public ResponseOutput {
  public:
    explicit FcgiOutput(FCGX_Request& request) : request_(request) {}
    void start(std::string head) override {
        buf_ = std::move(head);
        buf_.reserve(chunk + 4096);
        started_ = true;
    }
    void write(std::string_view bytes) override {
        if (broken_) throw ClientGone();
        buf_.append(bytes);
        body_ += bytes.size();
        if (buf_.size() >= chunk) flush();
    }
    bool sent_any() const override { return sent_; }
    void discard() override {
        buf_.clear();
        body_ = 0;
        started_ = false;
    }
    void finish() override { flush(); }
    void abort() override { aborted_ = true; }
    std::size_t body_bytes() const override { return body_; }
    bool started() const { return started_; }
    bool aborted() const { return aborted_; }

  private:
    static constexpr std::size_t chunk = 32 * 1024;
    void flush() {
        if (buf_.empty()) return;
        if (!sent_) {
            disarm_terminate();
            sent_ = true;
            if (FCGX_FFlush(request_.out) < 0) fail();
        }
        for (std::size_t at = 0; at < buf_.size();) {
            const std::size_t n = std::min<std::size_t>(buf_.size() - at, 0xffff);
            if (!write_record(buf_.data() + at, n)) fail();
            at += n;
        }
        buf_.clear();
    }
    bool write_record(const char* data, std::size_t n) {
        unsigned char h[FCGI_HEADER_LEN] = {FCGI_VERSION_1,
                                            FCGI_STDOUT,
                                            static_cast<unsigned char>(request_.requestId >> 8),
                                            static_cast<unsigned char>(request_.requestId & 0xff),
                                            static_cast<unsigned char>(n >> 8),
                                            static_cast<unsigned char>(n & 0xff),
                                            0,
                                            0};
        iovec v[2] = {{h, sizeof h}, {const_cast<char*>(data), n}};
        std::size_t left = sizeof h + n;
        int first = 0;
        while (left > 0) {
            const ssize_t w = ::writev(request_.ipcFd, v + first, 2 - first);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) return false;
            left -= static_cast<std::size_t>(w);
            for (auto done = static_cast<std::size_t>(w); done > 0 && first < 2;) {
                const std::size_t take = std::min(done, v[first].iov_len);
                v[first].iov_base = static_cast<char*>(v[first].iov_base) + take;
                v[first].iov_len -= take;
                done -= take;
                if (v[first].iov_len == 0) ++first;
            }
        }
        return true;
    }
    [[noreturn]] void fail() {
        broken_ = true;
        buf_.clear();
        throw ClientGone();
    }
    FCGX_Request& request_;
    std::string buf_;
    std::size_t body_ = 0;
    bool started_ = false, sent_ = false, broken_ = false, aborted_ = false;
};

// Returns the size of what was sent; `aborted` when the response was cut
// short (the FastCGI request must then end without its end record).
std::size_t serve_one(FCGX_Request& request, App& app, bool& aborted) {
    FcgiInput input(request);
    Request req(input);
    FcgiOutput streamed(request);
    Response res = dispatch(req, app, &streamed);
    disarm_terminate();
    aborted = streamed.aborted();
    if (streamed.started()) return streamed.body_bytes() + req.body().size();
    const auto out = serialize_cgi(res, req.method() == "HEAD");
    FCGX_PutStr(out.data(), static_cast<int>(out.size()), request.out);
    return out.size() + req.body().size();
}

void report_ready(int fd) {
    if (fd < 0) return;
    const pid_t pid = getpid();
    // One write of a few bytes to a pipe is atomic; the master reads it
    // to tell a worker that could not start from one that died later.
    [[maybe_unused]] const auto n = ::write(fd, &pid, sizeof pid);
}

}  // namespace

// The listening socket is non-blocking (set by the master), so an accept
// that loses the race for a connection to another worker returns EAGAIN
// instead of blocking past a stop.
int run_worker(int listen_fd, const Config& config, const WorkerStart& start) {
    const sigset_t waiting = install_handlers();
    std::unique_ptr<App> app;
    try {
        app = std::make_unique<App>(config);
    } catch (const std::exception& e) {
        if (start.log_failure) log::error(std::string("worker cannot start: ") + e.what());
        return worker_start_failed;
    }
    pool_state::set_my_slot(start.slot);
    std::vector<std::string> names{"ping", "status", "metrics"};
    for (const auto& r : routes()) names.emplace_back(r.name);
    pool_state::set_routes(names);
    prepare_terminated_answer();
    report_ready(start.ready_fd);
    FCGX_Request request;
    FCGX_InitRequest(&request, listen_fd, 0);
    long served = 0;
    while (config.max_requests <= 0 || served < config.max_requests) {
        if (!wait_for_work(listen_fd, waiting)) break;
        const int rc = FCGX_Accept_r(&request);
        if (rc == -EAGAIN || rc == -EINTR) continue;  // another worker took it
        if (rc < 0) break;
        std::size_t bytes = 0;
        bool aborted = false;
        const char* method = FCGX_GetParam("REQUEST_METHOD", request.envp);
        const char* request_id = FCGX_GetParam("REQUEST_ID", request.envp);
        pool_state::begin_request(method ? method : "", request_id ? request_id : "");
        arm_terminate(request, config.request_terminate_timeout);
        try {
            bytes = serve_one(request, *app, aborted);
        } catch (const std::exception& e) {
            log::error(std::string("request failed outside the dispatcher: ") + e.what());
        }
        disarm_terminate();
        if (aborted)
            FCGX_Free(&request, 1);  // close without the end record: nginx sees a cut response
        else
            FCGX_Finish_r(&request);
        pool_state::finish_request();
        // A large page or upload leaves freed heap that glibc keeps; give it
        // back so an idle worker stays small (a pool is sized by its RSS).
        if (bytes > 1024 * 1024) malloc_trim(0);
        ++served;
    }
    FCGX_Free(&request, 0);
    return 0;
}

}  // namespace ems
