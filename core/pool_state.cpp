#include "core/pool_state.hpp"

#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <new>

namespace ems::pool_state {
namespace {

constexpr int max_slots = 256;
constexpr int max_routes = 128;  // the route table has about 60 rows
constexpr int statuses[] = {200, 201, 202, 204, 301, 302, 303, 304, 400, 401, 403, 404,
                            405, 409, 410, 413, 415, 422, 429, 500, 502, 503, 504};
constexpr int n_statuses = sizeof statuses / sizeof statuses[0];  // and one "other"
constexpr double buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
constexpr int n_buckets = sizeof buckets / sizeof buckets[0];  // and +Inf
constexpr const char* restart_names[] = {"recycled", "crashed", "terminated", "reload"};
constexpr const char* registration_names[] = {"registered", "pending", "already_registered",
                                              "refused"};

using Counter = std::atomic<std::uint64_t>;
static_assert(Counter::is_always_lock_free, "counters in shared memory must be lock-free");

struct Slot {
    std::atomic<int> pid;
    std::atomic<int> busy;
    std::atomic<std::int64_t> start_ns;  // CLOCK_MONOTONIC, the same for every process
    std::atomic<std::int64_t> last_ns;   // the last request's duration
    Counter requests;
    // Written by the slot's worker only; a reader may see a half-written
    // value (shown as is), never one without its terminating NUL.
    char method[8];
    char route[48];
    char request_id[40];
    char uid[40];
};

struct Shared {
    std::int64_t start_time;  // epoch seconds
    int slots;
    Counter accepted, slow_requests, max_children_reached, storage_errors, db_errors, db_reconnects;
    std::atomic<int> max_active, all_busy, listen_queue, max_listen_queue, listen_queue_len;
    Counter restarts[static_cast<int>(Restart::count_)];
    Counter registrations[static_cast<int>(Registration::count_)];
    Counter requests[max_routes + 1][n_statuses + 1];  // row max_routes: no route matched
    Counter latency[max_routes + 1][n_buckets + 1];
    Counter latency_sum_us[max_routes + 1];
    Slot slot[max_slots];
};

Shared* shared = nullptr;
int my_slot = -1;
std::vector<std::string> route_names;
std::map<std::string, int, std::less<>> route_index;
std::int64_t phase_ns[static_cast<int>(Phase::count_)] = {};
int phase_depth[static_cast<int>(Phase::count_)] = {};

std::int64_t mono_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

template <std::size_t N>
void put(char (&dst)[N], std::string_view s) {
    const auto n = std::min(s.size(), N - 1);
    std::memcpy(dst, s.data(), n);
    dst[n] = '\0';
}

template <std::size_t N>
std::string get(const char (&src)[N]) {
    char copy[N];
    std::memcpy(copy, src, N);
    copy[N - 1] = '\0';
    return copy;
}

int route_row(std::string_view route) {
    const auto it = route_index.find(route);
    return it == route_index.end() ? max_routes : it->second;
}

int status_column(int status) {
    for (int i = 0; i < n_statuses; ++i)
        if (statuses[i] == status) return i;
    return n_statuses;
}

// Text for a JSON string or a Prometheus label value: route names and
// methods are ours, but a request id or user id is quoted safely anyway.
std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c >= 0x20 && c != 0x7f) {
            out += ch;
        }
    }
    return out + "\"";
}

using Field = std::pair<const char*, std::string>;

// Fields as JSON members ("name":value, values already JSON) or as
// php-fpm's text lines ("name:" padded to 21, strings without quotes).
template <std::size_t N>
void append_fields(std::string& out, const Field (&fields)[N], bool json) {
    bool first = true;
    for (const auto& [name, value] : fields) {
        if (json) {
            out += (first ? "" : ",") + quoted(name) + ":" + value;
        } else {
            const bool is_text = value.size() >= 2 && value.front() == '"';
            char line[160];
            std::snprintf(line, sizeof line, "%-21s%s\n", (std::string(name) + ":").c_str(),
                          (is_text ? value.substr(1, value.size() - 2) : value).c_str());
            out += line;
        }
        first = false;
    }
}

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

}  // namespace

void create(int slots) {
    if (shared) return;
    void* p =
        ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    shared = new (p) Shared{};  // zeroed by mmap; constructed for the atomics
    shared->start_time = ::time(nullptr);
    shared->slots = std::clamp(slots, 1, max_slots);
}

bool active() {
    return shared != nullptr;
}

int claim_slot(int pid) {
    if (!shared) return -1;
    for (int i = 0; i < shared->slots; ++i) {
        Slot& s = shared->slot[i];
        int free = 0;
        if (s.pid.compare_exchange_strong(free, pid)) {
            s.busy = 0;
            s.requests = 0;
            s.last_ns = 0;
            return i;
        }
    }
    return -1;
}

void release_slot(int slot) {
    if (!shared || slot < 0 || slot >= shared->slots) return;
    shared->slot[slot].busy = 0;
    shared->slot[slot].pid = 0;
}

void count_restart(Restart cause) {
    if (shared) ++shared->restarts[static_cast<int>(cause)];
}

// With `total` workers: updates max active and, each time every worker has
// become busy, max children reached.
int observe_busy(int total) {
    if (!shared) return 0;
    int busy = 0;
    for (int i = 0; i < shared->slots; ++i)
        if (shared->slot[i].pid && shared->slot[i].busy) ++busy;
    int seen = shared->max_active;
    while (busy > seen && !shared->max_active.compare_exchange_weak(seen, busy)) {
    }
    // php-fpm counts the times every child was busy when more work came;
    // here: each time the pool becomes fully busy.
    const int full = total > 0 && busy >= total;
    if (full && !shared->all_busy) ++shared->max_children_reached;
    shared->all_busy = full;
    return busy;
}

void set_listen_queue(int queued, int max_len) {
    if (!shared) return;
    shared->listen_queue = queued;
    shared->listen_queue_len = max_len;
    int seen = shared->max_listen_queue;
    while (queued > seen && !shared->max_listen_queue.compare_exchange_weak(seen, queued)) {
    }
}

bool busy_request(int slot, Busy& out) {
    if (!shared || slot < 0 || slot >= shared->slots) return false;
    const Slot& s = shared->slot[slot];
    if (!s.busy) return false;
    out.pid = s.pid;
    out.seconds = static_cast<double>(mono_ns() - s.start_ns) / 1e9;
    out.method = get(s.method);
    out.route = get(s.route);
    out.request_id = get(s.request_id);
    return true;
}

void set_my_slot(int slot) {
    my_slot = shared && slot >= 0 && slot < shared->slots ? slot : -1;
    if (my_slot >= 0) shared->slot[my_slot].pid = static_cast<int>(::getpid());
}

void set_routes(const std::vector<std::string>& names) {
    route_names.clear();
    route_index.clear();
    for (const auto& n : names) {
        if (static_cast<int>(route_names.size()) >= max_routes) break;
        if (route_index.emplace(n, static_cast<int>(route_names.size())).second)
            route_names.push_back(n);
    }
}

void begin_request(std::string_view method, std::string_view request_id) {
    reset_phases();
    if (!shared || my_slot < 0) return;
    Slot& s = shared->slot[my_slot];
    put(s.method, method);
    put(s.route, "");
    put(s.request_id, request_id);
    put(s.uid, "");
    s.start_ns = mono_ns();
    s.busy = 1;
    ++shared->accepted;
    int workers = 0;
    for (int i = 0; i < shared->slots; ++i)
        if (shared->slot[i].pid) ++workers;
    observe_busy(workers);
}

void set_route(std::string_view route, std::string_view uid) {
    if (!shared || my_slot < 0) return;
    put(shared->slot[my_slot].route, route);
    put(shared->slot[my_slot].uid, uid);
}

void end_request(std::string_view route, int status, double seconds) {
    if (!shared) return;
    const int row = route_row(route);
    ++shared->requests[row][status_column(status)];
    int b = 0;
    while (b < n_buckets && seconds > buckets[b]) ++b;
    ++shared->latency[row][b];
    shared->latency_sum_us[row] += static_cast<std::uint64_t>(seconds * 1e6);
    if (my_slot >= 0) shared->slot[my_slot].last_ns = static_cast<std::int64_t>(seconds * 1e9);
}

void finish_request() {
    if (!shared || my_slot < 0) return;
    ++shared->slot[my_slot].requests;
    shared->slot[my_slot].busy = 0;
}

void count_registration(Registration outcome) {
    if (shared) ++shared->registrations[static_cast<int>(outcome)];
}
void count_storage_error() {
    if (shared) ++shared->storage_errors;
}
void count_db_error() {
    if (shared) ++shared->db_errors;
}
void count_db_reconnect() {
    if (shared) ++shared->db_reconnects;
}
void count_slow_request() {
    if (shared) ++shared->slow_requests;
}

void reset_phases() {
    std::fill(std::begin(phase_ns), std::end(phase_ns), 0);
    std::fill(std::begin(phase_depth), std::end(phase_depth), 0);
}

double phase_seconds(Phase p) {
    return static_cast<double>(phase_ns[static_cast<int>(p)]) / 1e9;
}

// Nested scopes of one phase (a storage call inside another) count once.
Scope::Scope(Phase p)
    : phase_(p), start_ns_(mono_ns()), outer_(phase_depth[static_cast<int>(p)]++ == 0) {}

Scope::~Scope() {
    --phase_depth[static_cast<int>(phase_)];
    if (outer_) phase_ns[static_cast<int>(phase_)] += mono_ns() - start_ns_;
}

std::string status_text(bool json, bool full, const std::string& pool_name) {
    if (!shared) return json ? "{}" : "";
    int idle = 0, busy = 0;
    for (int i = 0; i < shared->slots; ++i) {
        if (!shared->slot[i].pid) continue;
        (shared->slot[i].busy ? busy : idle) += 1;
    }
    const std::int64_t now = ::time(nullptr);
    char start[64];
    const time_t st = static_cast<time_t>(shared->start_time);
    tm t{};
    ::gmtime_r(&st, &t);
    std::strftime(start, sizeof start, "%d/%b/%Y:%H:%M:%S +0000", &t);
    const Field fields[] = {
        {"pool", quoted(pool_name)},
        {"process manager", quoted("static")},
        {"start time", json ? std::to_string(shared->start_time) : start},
        {"start since", std::to_string(now - shared->start_time)},
        {"accepted conn", std::to_string(shared->accepted.load())},
        {"listen queue", std::to_string(shared->listen_queue.load())},
        {"max listen queue", std::to_string(shared->max_listen_queue.load())},
        {"listen queue len", std::to_string(shared->listen_queue_len.load())},
        {"idle processes", std::to_string(idle)},
        {"active processes", std::to_string(busy)},
        {"total processes", std::to_string(idle + busy)},
        {"max active processes", std::to_string(shared->max_active.load())},
        {"max children reached", std::to_string(shared->max_children_reached.load())},
        {"slow requests", std::to_string(shared->slow_requests.load())},
    };
    std::string out = json ? "{" : "";
    append_fields(out, fields, json);
    if (full) {
        out += json ? ",\"processes\":[" : "";
        bool first_worker = true;
        for (int i = 0; i < shared->slots; ++i) {
            const Slot& s = shared->slot[i];
            if (!s.pid) continue;
            const bool b = s.busy;
            const double dur = b ? static_cast<double>(mono_ns() - s.start_ns) / 1e9
                                 : static_cast<double>(s.last_ns) / 1e9;
            const Field w[] = {
                {"pid", std::to_string(s.pid.load())},
                {"state", quoted(b ? "Running" : "Idle")},
                {"requests", std::to_string(s.requests.load())},
                {"request duration", std::to_string(static_cast<long long>(dur * 1e6))},
                {"request method", quoted(get(s.method))},
                {"request uri", quoted(get(s.route))},
                {"user", quoted(get(s.uid))},
                {"request id", quoted(get(s.request_id))},
            };
            if (json) {
                out += first_worker ? "{" : ",{";
                append_fields(out, w, true);
                out += "}";
            } else {
                out += "\n************************\n";
                append_fields(out, w, false);
            }
            first_worker = false;
        }
        out += json ? "]" : "";
    }
    return out + (json ? "}" : "");
}

std::string metrics_text() {
    if (!shared) return "";
    std::string out;
    auto family = [&](const char* name, const char* type, const char* help) {
        out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    };
    auto route_label = [&](int row) {
        return row < static_cast<int>(route_names.size()) ? route_names[row] : std::string("none");
    };
    family("ems_http_requests_total", "counter", "Requests answered, by route and status.");
    for (int r = 0; r <= max_routes; ++r)
        for (int c = 0; c <= n_statuses; ++c)
            if (const auto n = shared->requests[r][c].load())
                out += "ems_http_requests_total{route=" + quoted(route_label(r)) + ",status=\"" +
                       (c < n_statuses ? std::to_string(statuses[c]) : "other") + "\"} " +
                       std::to_string(n) + "\n";
    family("ems_http_request_duration_seconds", "histogram", "Time in the pool, by route.");
    for (int r = 0; r <= max_routes; ++r) {
        std::uint64_t cum = 0;
        for (int b = 0; b <= n_buckets; ++b) cum += shared->latency[r][b].load();
        if (!cum) continue;
        const auto label = quoted(route_label(r));
        std::uint64_t acc = 0;
        for (int b = 0; b <= n_buckets; ++b) {
            acc += shared->latency[r][b].load();
            out += "ems_http_request_duration_seconds_bucket{route=" + label + ",le=\"" +
                   (b < n_buckets ? fmt(buckets[b]) : "+Inf") + "\"} " + std::to_string(acc) + "\n";
        }
        out += "ems_http_request_duration_seconds_sum{route=" + label + "} " +
               fmt(static_cast<double>(shared->latency_sum_us[r].load()) / 1e6) + "\n";
        out += "ems_http_request_duration_seconds_count{route=" + label + "} " +
               std::to_string(acc) + "\n";
    }
    family("ems_registrations_total", "counter", "Registration attempts, by outcome.");
    for (int i = 0; i < static_cast<int>(Registration::count_); ++i)
        out += std::string("ems_registrations_total{outcome=\"") + registration_names[i] + "\"} " +
               std::to_string(shared->registrations[i].load()) + "\n";
    family("ems_storage_errors_total", "counter", "Requests answered 503 for a storage fault.");
    out += "ems_storage_errors_total " + std::to_string(shared->storage_errors.load()) + "\n";
    family("ems_db_errors_total", "counter", "Requests answered 503 for a database fault.");
    out += "ems_db_errors_total " + std::to_string(shared->db_errors.load()) + "\n";
    family("ems_db_reconnects_total", "counter", "Database connections opened again.");
    out += "ems_db_reconnects_total " + std::to_string(shared->db_reconnects.load()) + "\n";
    family("ems_slow_requests_total", "counter", "Requests slower than request_slowlog_timeout.");
    out += "ems_slow_requests_total " + std::to_string(shared->slow_requests.load()) + "\n";
    family("ems_worker_restarts_total", "counter", "Workers replaced, by cause.");
    for (int i = 0; i < static_cast<int>(Restart::count_); ++i)
        out += std::string("ems_worker_restarts_total{cause=\"") + restart_names[i] + "\"} " +
               std::to_string(shared->restarts[i].load()) + "\n";
    int idle = 0, busy = 0;
    for (int i = 0; i < shared->slots; ++i)
        if (shared->slot[i].pid) (shared->slot[i].busy ? busy : idle) += 1;
    family("ems_pool_processes", "gauge", "Workers, by state.");
    out += "ems_pool_processes{state=\"idle\"} " + std::to_string(idle) + "\n";
    out += "ems_pool_processes{state=\"active\"} " + std::to_string(busy) + "\n";
    family("ems_pool_listen_queue", "gauge", "Connections waiting on the pool's socket.");
    out += "ems_pool_listen_queue " + std::to_string(shared->listen_queue.load()) + "\n";
    family("ems_pool_accepted_total", "counter", "Requests accepted by the pool.");
    out += "ems_pool_accepted_total " + std::to_string(shared->accepted.load()) + "\n";
    family("ems_pool_max_children_reached_total", "counter", "Times every worker was busy.");
    out += "ems_pool_max_children_reached_total " +
           std::to_string(shared->max_children_reached.load()) + "\n";
    family("ems_pool_start_time_seconds", "gauge", "When the pool started (Unix time).");
    out += "ems_pool_start_time_seconds " + std::to_string(shared->start_time) + "\n";
    return out;
}

}  // namespace ems::pool_state
