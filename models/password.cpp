#include "models/password.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <thread>

#include "core/errors.hpp"
#include "core/log.hpp"
#include "core/text.hpp"

namespace ems::password {
namespace {

// Semaphore 0: slots hashing; 1: admissions (hashing + waiting, twice the slots).
int set_id = -1;
pid_t set_owner = 0;
int slot_wait_ms = 1000;

union semun {
    int val;
    semid_ds* buf;
    unsigned short* array;
};

void close_at_exit() {
    close_hash_slots();
}

[[noreturn]] void busy() {
    throw ServiceUnavailable(
        "The server is busy with other sign-ins and sign-ups. Please try again in a few seconds.",
        2);
}

}  // namespace

void open_hash_slots(int concurrency, int wait_ms) {
    close_hash_slots();
    const int n = concurrency > 0
                      ? concurrency
                      : std::max(1, static_cast<int>(std::thread::hardware_concurrency() / 2));
    const int id = ::semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
    if (id < 0) throw std::runtime_error(std::string("semget: ") + std::strerror(errno));
    unsigned short values[2] = {static_cast<unsigned short>(n), static_cast<unsigned short>(2 * n)};
    semun arg{};
    arg.array = values;
    if (::semctl(id, 0, SETALL, arg) != 0) {
        ::semctl(id, 0, IPC_RMID);
        throw std::runtime_error(std::string("semctl: ") + std::strerror(errno));
    }
    set_id = id;
    set_owner = ::getpid();
    slot_wait_ms = wait_ms;
}

void close_hash_slots() {
    if (set_id >= 0 && set_owner == ::getpid()) ::semctl(set_id, 0, IPC_RMID);
    set_id = -1;
}

HashSlot::HashSlot() {
    if (set_id < 0) {
        open_hash_slots(0, slot_wait_ms);
        std::atexit(close_at_exit);
    }
    sembuf enter{1, -1, IPC_NOWAIT | SEM_UNDO};
    if (::semop(set_id, &enter, 1) != 0) {
        if (errno == EAGAIN) busy();
        log::error(std::string("hash slots unusable, hashing unbounded: ") + std::strerror(errno));
        return;
    }
    sembuf take{0, -1, SEM_UNDO};
    const timespec wait{slot_wait_ms / 1000, (slot_wait_ms % 1000) * 1000000L};
    if (::semtimedop(set_id, &take, 1, &wait) != 0) {
        sembuf leave{1, 1, SEM_UNDO};
        ::semop(set_id, &leave, 1);
        busy();
    }
    held_ = true;
}

HashSlot::~HashSlot() {
    if (!held_) return;
    sembuf out[2] = {{0, 1, SEM_UNDO}, {1, 1, SEM_UNDO}};
    ::semop(set_id, out, 2);
}

std::string hash(const std::string& plain, int cost) {
    const HashSlot slot;
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (!crypt_gensalt_rn("$2y$", static_cast<unsigned long>(cost), nullptr, 0, salt, sizeof salt))
        throw std::runtime_error("crypt_gensalt_rn failed");
    auto data = std::make_unique<crypt_data>();
    const char* out = crypt_rn(plain.c_str(), salt, data.get(), sizeof(crypt_data));
    if (!out || out[0] == '*') throw std::runtime_error("crypt_rn failed");
    return out;
}

bool verify(const std::string& plain, const std::string& stored) {
    if (stored.size() < 20 || stored[0] != '$') return false;
    // A NUL inside the password would be cut by crypt(); refuse instead.
    if (plain.find('\0') != std::string::npos) return false;
    const HashSlot slot;
    auto data = std::make_unique<crypt_data>();
    const char* out = crypt_rn(plain.c_str(), stored.c_str(), data.get(), sizeof(crypt_data));
    if (!out || out[0] == '*') return false;
    const auto len = std::strlen(out);
    return len == stored.size() && CRYPTO_memcmp(out, stored.data(), len) == 0;
}

void verify_dummy(const std::string& plain, int cost) {
    // One random hash per cost and process, made on first use.
    static std::map<int, std::string> dummies;
    auto it = dummies.find(cost);
    if (it == dummies.end()) it = dummies.emplace(cost, hash(random_hex(16), cost)).first;
    verify(plain, it->second);
}

bool needs_rehash(const std::string& stored, int cost) {
    if (stored.rfind("$2y$", 0) != 0 || stored.size() < 7) return true;
    return std::atoi(stored.substr(4, 2).c_str()) < cost;
}

}  // namespace ems::password
