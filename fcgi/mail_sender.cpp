// The pool's mail sender: one child of the master, forked when smtp_url is
// set, that delivers the outbox (models/mail_queue.hpp) off the request
// path. It is restarted by the master if it dies; a message it was sending
// when killed goes back to the queue after the claim timeout.
#include <signal.h>

#include <chrono>
#include <csignal>
#include <ctime>

#include "core/log.hpp"
#include "fcgi/pool.hpp"
#include "models/mail_queue.hpp"

namespace ems {

int run_mail_sender(const Config& config) {
    // SIGTERM, SIGINT and SIGHUP stay blocked (as in the master): the sender
    // looks for them between messages and while it waits, so a message is
    // never cut in the middle of its SMTP session.
    // SIGUSR2 (the master's log rotation) is taken in the same waits.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR2}) sigaddset(&stop_signals, s);
    sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
    std::signal(SIGUSR2, SIG_DFL);  // the master ignores it; blocked here, so queued
    auto asked_to_stop = [&] {
        sigset_t pending;
        sigpending(&pending);
        for (int s : {SIGTERM, SIGINT, SIGHUP})
            if (sigismember(&pending, s)) return true;
        return false;
    };
    const auto transport = mail::smtp_transport(config);
    log::info("mail sender started for " + config.outbox_dir);
    while (!asked_to_stop()) {
        try {
            mail::deliver_due(config, transport, asked_to_stop);
        } catch (const std::exception& e) {  // the outbox folder itself
            log::error(std::string("mail sender: ") + e.what());
        }
        // A new message waits at most a second; a stop ends the wait.
        const timespec second{1, 0};
        const int sig = sigtimedwait(&stop_signals, nullptr, &second);
        if (sig == SIGUSR2) {
            log::reopen();
            continue;
        }
        if (sig > 0) break;
    }
    return 0;
}

}  // namespace ems
