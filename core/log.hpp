// The error log and the access log: JSON lines (one object per line,
// fields in docs/OPERATIONS.md "Logs"), appended with O_APPEND so the
// workers of the pool can share the files.
//
// Rotation: SIGUSR1 to the pool's master (php-fpm's signal) reopens every
// log by path in the master, the workers and the mail sender
// (request_reopen from a signal handler; the next line is written to the
// new file), so logrotate can rename the files without copytruncate.
#pragma once
#include <string>
#include <string_view>

namespace ems::log {

// `text` as a JSON string with its quotes: controls as \n, \r, \t, \u00XX;
// text that is not valid UTF-8 has each byte >= 0x80 written as \u00XX.
// Every logged value goes through it, so nothing a client sends (a %0a in a
// path, a CR in a header) can start a line of its own or hide text from a
// terminal.
std::string json_string(std::string_view text);

// One log object, built field by field: Line().str("method", m).num("status", 200).
class Line {
  public:
    Line& str(std::string_view key, std::string_view value);
    Line& num(std::string_view key, double value);
    Line& num(std::string_view key, long long value);
    std::string text() const { return text_ + "}"; }

  private:
    void key(std::string_view k);
    std::string text_ = "{";
};

// Opens log_dir/error.log, log_dir/access.log and the slow log (`slowlog`,
// empty: log_dir/slow.log); before this, or when they cannot be opened,
// lines go to stderr (the slow log's: nowhere).
void open(const std::string& log_dir, const std::string& slowlog = "");
// log_target = journald: every line goes to the systemd journal instead
// (sd_journal_send: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER=ems-fcgi, and
// EMS_LOG=error|access|slow, EMS_REQUEST_ID); the files stay open for a line
// the journal refuses.
void use_journald(bool on);
// Opens the files again by path (after a rename by logrotate).
void reopen();
// Async-signal-safe: the next line written reopens the files first.
void request_reopen() noexcept;
// {"time","level":"error"|"warning"|"info","pid","message"}; a request's
// failure also carries nginx's request id ("request_id"), so the error id
// a visitor reports finds nginx's line too.
void error(const std::string& message);
void error(const std::string& message, std::string_view request_id);
void warning(const std::string& message);
void info(const std::string& message);
// One object (a Line's text) to access.log, or to the slow log.
void access(const std::string& json_object);
void slow(const std::string& json_object);
// The stamp of every line: time::iso8601_utc of now.
std::string now_iso8601();

}  // namespace ems::log
