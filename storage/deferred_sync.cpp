// DeferredSync (file_storage.hpp): journal writes made durable after the
// caller's own locks are released, by an fdatasync that runs beside the
// caller's commit.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "core/log.hpp"
#include "storage/file_storage.hpp"
#include "storage/fs_util.hpp"

namespace ems::storage {
namespace {

thread_local DeferredSync* innermost = nullptr;

int datasync(int fd) {
    return ::fdatasync(fd) == 0 ? 0 : errno;
}

// One thread per process runs the fdatasyncs in order (started at the first
// one: a worker is forked long before). It blocks every signal: the worker's
// handlers (the request timeout's SIGALRM, SIGTERM, SIGUSR2) stay with the
// worker's own thread.
class SyncThread {
  public:
    std::future<int> submit(int fd) {
        std::packaged_task<int()> task([fd] { return datasync(fd); });
        auto f = task.get_future();
        {
            std::lock_guard<std::mutex> guard(mutex_);
            if (!started_) start();
            if (!started_) {
                task();  // no thread to be had: sync in place
                return f;
            }
            queue_.push_back(std::move(task));
        }
        wake_.notify_one();
        return f;
    }

  private:
    void start() {
        sigset_t all, old;
        ::sigfillset(&all);
        ::pthread_sigmask(SIG_SETMASK, &all, &old);
        try {
            std::thread([this] { run(); }).detach();
            started_ = true;
        } catch (const std::system_error&) {
        }
        ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    }
    [[noreturn]] void run() {
        for (;;) {
            std::packaged_task<int()> task;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, [this] { return !queue_.empty(); });
                task = std::move(queue_.front());
                queue_.pop_front();
            }
            task();
        }
    }
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::packaged_task<int()>> queue_;
    bool started_ = false;
};

std::future<int> start_datasync(int fd) {
    // Never destroyed: the thread may be waiting in it at exit.
    static auto* thread = new SyncThread;
    return thread->submit(fd);
}

}  // namespace

struct DeferredSync::Pending {
    int fd;
    std::filesystem::path path;
    std::future<int> synced;  // 0 or the errno of fdatasync
};

DeferredSync::DeferredSync() : outer_(innermost) {
    innermost = this;
}

DeferredSync::~DeferredSync() {
    innermost = outer_;
    if (pending_.empty()) return;
    if (outer_) {
        for (auto& p : pending_) outer_->pending_.push_back(std::move(p));
        return;
    }
    try {
        sync();
    } catch (const std::exception& e) {
        log::error(std::string("deferred journal sync: ") + e.what());
    }
}

DeferredSync* DeferredSync::active() {
    return innermost;
}

void DeferredSync::keep(int fd, std::filesystem::path path) {
    pending_.push_back(Pending{fd, std::move(path), start_datasync(fd)});
}

void DeferredSync::sync() {
    int error = 0;
    std::filesystem::path failed;
    for (auto& p : pending_) {
        const int e = p.synced.get();
        ::close(p.fd);
        if (e && !error) {
            error = e;
            failed = p.path;
        }
    }
    pending_.clear();
    if (error) {
        errno = error;
        throw_errno("fdatasync", failed);
    }
}

}  // namespace ems::storage
