// The pool's shared state: one block of shared memory made by the master
// before it forks (php-fpm's scoreboard), written by the workers and read
// by whoever renders /status and /metrics, so the figures cover the whole
// pool and survive a worker's recycling. Outside the pool (ems-admin, the
// unit tests) there is no block and every call here does nothing.
//
// Per worker: a slot (pid, busy or idle, the request's start, method,
// route, request id, user, requests served). Pool-wide: accepted requests,
// slow requests, max active processes, max children reached, restarts by
// cause, requests by route and status, a latency histogram per route,
// registrations by outcome, storage and database errors, reconnects, and
// the listen queue the master measures. Field names: docs/OPERATIONS.md.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ems::pool_state {

enum class Restart { recycled, crashed, terminated, reload, count_ };
enum class Registration { registered, pending, already_registered, refused, count_ };
enum class Phase { db, storage, render, count_ };

// Master, before forking: the block for up to `slots` workers (idempotent).
void create(int slots);
bool active();

// ---- the master ------------------------------------------------------------
int claim_slot(int pid);  // -1 when every slot is taken
void release_slot(int slot);
void count_restart(Restart cause);
// Busy workers now; updates max active and max children reached (also done
// by each worker as a request begins).
int observe_busy(int total);
void set_listen_queue(int queued, int max_len);
struct Busy {
    int pid = 0;
    double seconds = 0;
    std::string method, route, request_id;
};
// The slot's request, when it is busy.
bool busy_request(int slot, Busy& out);

// ---- a worker ----------------------------------------------------------------
void set_my_slot(int slot);
// The route names (from the route table), the same in every worker: the
// index of a name is its row in the counters.
void set_routes(const std::vector<std::string>& names);
void begin_request(std::string_view method, std::string_view request_id);
void set_route(std::string_view route, std::string_view uid);
// The answer's route, status and time (dispatch), then the worker's
// "idle again" once the answer is written.
void end_request(std::string_view route, int status, double seconds);
void finish_request();
void count_registration(Registration outcome);
void count_storage_error();
void count_db_error();
void count_db_reconnect();
void count_slow_request();

// Time spent per phase in the current request (a process has one request
// at a time): a Scope adds its lifetime to the phase.
void reset_phases();
double phase_seconds(Phase p);
class Scope {
  public:
    explicit Scope(Phase p);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

  private:
    Phase phase_;
    std::int64_t start_ns_;
    bool outer_;
};

// ---- the pages -----------------------------------------------------------------
// php-fpm's status page: plain text, or JSON; `full` adds one entry per worker.
std::string status_text(bool json, bool full, const std::string& pool_name);
// Prometheus text exposition format 0.0.4.
std::string metrics_text();

}  // namespace ems::pool_state
