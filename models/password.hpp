// Password hashing with libcrypt (libxcrypt): bcrypt $2y$, the scheme PHP's
// password_hash(PASSWORD_DEFAULT) writes and password_verify accepts.
//
// Every hash and verify holds one of this host's hash slots, so sign-ups
// cannot take every core and every worker: at most `concurrency` run at
// once, as many more wait up to wait_ms, the rest get ServiceUnavailable
// (503, Retry-After) at once. The slots are a SysV semaphore set created by
// the pool's master before it forks, shared by its workers; SEM_UNDO gives
// back the slot of a worker that dies mid-hash (kill -9 included). A CPU
// bound is per host by nature, so a host-local semaphore is the right
// scope; nothing another host must see is kept here.
#pragma once
#include <string>

namespace ems::password {

// Creates the set (concurrency 0: half the cores, at least 1). Called by
// the master before forking; a process that never called it (ems-admin,
// tests) gets its own set at the first hash.
void open_hash_slots(int concurrency, int wait_ms);
// Removes the set; only in the process that opened it.
void close_hash_slots();
// One slot for its lifetime; throws ServiceUnavailable when none is free.
class HashSlot {
  public:
    HashSlot();
    ~HashSlot();
    HashSlot(const HashSlot&) = delete;
    HashSlot& operator=(const HashSlot&) = delete;

  private:
    bool held_ = false;
};

// A new $2y$ hash at `cost` (10..16) with a salt from the OS.
std::string hash(const std::string& plain, int cost);
// Constant-time check of plain against a PHP- or ems-written hash.
bool verify(const std::string& plain, const std::string& stored);
// The same bcrypt work as verify() against a hash at `cost`, for an e-mail
// with no account: a sign-in must not tell by its speed who has one.
void verify_dummy(const std::string& plain, int cost);
// True when stored is not $2y$ at `cost` or more: rehash at next sign-in.
bool needs_rehash(const std::string& stored, int cost);

}  // namespace ems::password
