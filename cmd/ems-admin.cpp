// ems-admin: maintenance commands, one row per subcommand in `commands`
// (`ems-admin --help` lists them). `-c CONFIG` before the subcommand names
// the server's configuration file.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cmd/admin_backup.hpp"
#include "cmd/admin_migrate.hpp"
#include "core/actor.hpp"
#include "core/time.hpp"
#include "handlers/app.hpp"
#include "handlers/event_mail.hpp"
#include "models/config_store.hpp"
#include "models/event_check.hpp"
#include "storage/file_storage.hpp"

namespace {

struct Command {
    const char* name;
    const char* help;
    int (*run)(int argc, char** argv);  // argv[0] is the subcommand name
};

// "--name value" options of a subcommand.
struct Args {
    std::map<std::string, std::string> values;
    std::optional<std::string> error;
    std::optional<std::string> get(const std::string& name) const {
        auto it = values.find(name);
        return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
};

Args parse_args(int argc, char** argv, std::initializer_list<const char*> allowed) {
    Args args;
    for (int i = 1; i < argc; ++i) {
        std::string name = argv[i];
        bool known = false;
        for (const char* a : allowed) known = known || name == a;
        if (!known) return args.error = "unknown option " + name, args;
        if (i + 1 >= argc) return args.error = "missing value for " + name, args;
        args.values[name] = argv[++i];
    }
    return args;
}

int compact_command(int argc, char** argv) {
    Args args = parse_args(argc, argv, {"--event", "--storage"});
    auto storage_dir = args.get("--storage");
    if (args.error || !storage_dir) {
        std::cerr << "ems-admin compact: " << args.error.value_or("--storage DIR is required")
                  << "\n";
        return 1;
    }
    if (auto refusal = ems::backup::foreign_owner_refusal(*storage_dir, "compact ...");
        !refusal.empty()) {
        std::cerr << "ems-admin compact: " << refusal << "\n";
        return 1;
    }
    try {
        ems::storage::FileStorage storage{ems::storage::StorageOptions{*storage_dir}};
        if (auto event = args.get("--event")) {
            auto id = ems::storage::parse_event_id(*event);
            if (!id) throw ems::storage::InvalidId("invalid event id '" + *event + "'");
            storage.compact(*id);
            std::cout << "compacted event " << *id << "\n";
        } else {
            storage.compact_all();
            std::cout << "compacted " << storage.list_participant_events().size() << " events\n";
        }
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "ems-admin compact: " << e.what() << "\n";
        return 1;
    }
}

// The config file given with `-c FILE` before the subcommand ("" = defaults + EMS_* env).
std::string config_path;

// check [--repair] [--json]: every disagreement between the database and
// the files (docs/EVENTS.md lists the kinds). Exit 0 consistent, 1 problems
// found (repaired or not: the output says which), 2 could not run.
int check_command(int argc, char** argv) {
    bool repair = false, json = false;
    for (int i = 1; i < argc; ++i) {
        if (argv[i] == std::string("--repair")) {
            repair = true;
        } else if (argv[i] == std::string("--json")) {
            json = true;
        } else {
            std::cerr << "ems-admin check: unknown option " << argv[i] << "\n";
            return 2;
        }
    }
    try {
        ems::ConfigStore store(ems::Config::load(config_path));
        const auto report = ems::events::check_consistency(store.db(), store.files(), repair);
        if (json)
            ems::events::print_json(report, std::cout);
        else
            ems::events::print_text(report, std::cout);
        return report.exit_code();
    } catch (const std::exception& e) {
        std::cerr << "ems-admin check: " << e.what() << "\n";
        return 2;
    }
}

int repair_command(int argc, char** argv) {
    if (argc > 1) {
        std::cerr << "ems-admin repair: no options\n";
        return 2;
    }
    char repair_flag[] = "--repair";
    char* args[] = {argv[0], repair_flag};
    return check_command(2, args);
}

// send-digests: the organizers' daily summaries of registrations waiting
// for approval (scripts/systemd/ems-digest.timer runs it every morning).
// Safe to run twice or on several hosts: each summary goes once a day.
int send_digests_command(int argc, char** argv) {
    std::string day;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--day") && i + 1 < argc) {
            day = argv[++i];
        } else {
            std::cerr << "ems-admin send-digests: unknown option or missing value: " << argv[i]
                      << "\n";
            return 2;
        }
    }
    try {
        const auto config = ems::Config::load(config_path);
        if (!config.time_zone.empty()) ems::time::use_zone(config.time_zone);  // today, there
        if (day.empty()) {
            const std::time_t now = std::time(nullptr);
            std::tm local{};
            localtime_r(&now, &local);
            char buf[16];
            std::strftime(buf, sizeof buf, "%Y-%m-%d", &local);
            day = buf;
        }
        if (day.size() != 10 || day[4] != '-' || day[7] != '-' ||
            day.find_first_not_of("0123456789-") != std::string::npos) {
            std::cerr << "ems-admin send-digests: --day must be YYYY-MM-DD\n";
            return 2;
        }
        ems::App app(config);
        const int sent = ems::send_pending_digests(app, day, std::cout);
        std::cout << sent << " summaries queued for " << day << "\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "ems-admin send-digests: " << e.what() << "\n";
        return 1;
    }
}

// migrate-schema: what ems-fcgi does at start with auto_migrate = true, for
// deployments that apply schema changes as a separate, reviewed step.
int migrate_schema_command(int argc, char**) {
    if (argc > 1) {
        std::cerr << "ems-admin migrate-schema: no options\n";
        return 2;
    }
    try {
        const auto config = ems::Config::load(config_path);
        ems::db::Db db(ems::db_options(config));
        const int before = ems::schema::current_version(db);
        const int applied = ems::schema::migrate(db);
        std::cout << "schema version " << before << " -> " << ems::schema::current_version(db)
                  << " (" << applied
                  << " migration(s) applied); the PHP tables were created only where absent\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "ems-admin migrate-schema: " << e.what() << "\n";
        return 1;
    }
}

// Options of repair-list and merge-journal: --event N, --dry-run, and the
// storage as --storage DIR or from the global -c CONFIG.
struct ListCommandArgs {
    std::int64_t event_id = 0;
    bool dry_run = false;
    std::string storage_root;
};

std::optional<ListCommandArgs> parse_list_args(const char* name, int argc, char** argv) {
    ListCommandArgs out;
    std::optional<std::string> storage, event;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--dry-run") {
            out.dry_run = true;
        } else if ((arg == "--event" || arg == "--storage") && i + 1 < argc) {
            (arg == "--event" ? event : storage) = argv[++i];
        } else {
            std::cerr << "ems-admin " << name << ": unknown option or missing value: " << arg
                      << "\n";
            return std::nullopt;
        }
    }
    auto id = event ? ems::storage::parse_event_id(*event) : std::nullopt;
    if (!id) {
        std::cerr << "ems-admin " << name << ": --event N is required (a valid event id)\n";
        return std::nullopt;
    }
    out.event_id = *id;
    out.storage_root = storage ? *storage : ems::Config::load(config_path).storage_root;
    return out;
}

// Runs list command `name` on the storage its options name: `body(files,
// event_id, dry_run, out)` does the work and writes what it did to `out`,
// printed after "event N: " (or "event N (dry run, nothing changed): ").
// Exit 2 when the options are wrong or the command fails.
template <typename Body>
int run_list_command(const char* name, int argc, char** argv, Body body) {
    try {
        auto args = parse_list_args(name, argc, argv);
        if (!args) return 2;
        ems::storage::FileStorage files{ems::storage::StorageOptions{args->storage_root}};
        std::ostringstream out;
        const int rc = body(files, args->event_id, args->dry_run, out);
        std::cout << "event " << args->event_id
                  << (args->dry_run ? " (dry run, nothing changed): " : ": ") << out.str();
        return rc;
    } catch (const std::exception& e) {
        std::cerr << "ems-admin " << name << ": " << e.what() << "\n";
        return 2;
    }
}

void print_lines(std::ostream& out, const char* label, const std::vector<std::string>& lines) {
    for (const auto& line : lines) out << label << line << "\n";
}

// repair-list --event N [--dry-run]: rebuild a damaged participant list.
// Exit 0 rebuilt with nothing lost, 1 something could not be recovered, 2
// could not run.
int repair_list_command(int argc, char** argv) {
    return run_list_command(
        "repair-list", argc, argv,
        [](ems::storage::FileStorage& files, std::int64_t id, bool dry_run, std::ostream& out) {
            const auto r = files.repair_list(id, ems::admin_actor, dry_run);
            out << (dry_run ? "would rebuild " : "rebuilt ") << r.entries << " entries ("
                << r.from_file << " from participants/" << id << ".json, " << r.records_applied
                << " journal records applied)\n";
            print_lines(out, "could not recover: ", r.lost);
            print_lines(out, "note: ", r.notes);
            return r.complete() ? 0 : 1;
        });
}

// merge-journal --event N [--dry-run]: apply journals kept aside (their
// JSON file was rewritten outside ems) to the current list. Exit 0 merged,
// 1 some records could not be read, 2 could not run.
int merge_journal_command(int argc, char** argv) {
    return run_list_command(
        "merge-journal", argc, argv,
        [](ems::storage::FileStorage& files, std::int64_t id, bool dry_run, std::ostream& out) {
            const auto m = files.merge_kept_journal(id, ems::admin_actor, dry_run);
            out << m.files.size() << " kept journal(s)\n";
            print_lines(out, "journal: ", m.files);
            for (const auto& [label, uids] : {std::pair{"added", &m.added},
                                              {"replaced", &m.replaced},
                                              {"removed", &m.removed}}) {
                out << label << " " << uids->size() << ":";
                for (const auto& uid : *uids) out << " " << uid;
                out << "\n";
            }
            out << "unchanged " << m.unchanged << "\n";
            print_lines(out, "could not recover: ", m.lost);
            return m.lost.empty() ? 0 : 1;
        });
}

const Command commands[] = {
    {"migrate-schema", "   create missing tables and apply ems_* migrations; needs -c CONFIG",
     migrate_schema_command},
    {"send-digests",
     "[--day YYYY-MM-DD]   mail organizers who chose a daily summary the registrations "
     "waiting for their approval, once a day across runs and hosts; needs -c CONFIG",
     send_digests_command},
    {"check",
     "[--repair] [--json]   report every disagreement between the database and the files "
     "(exit 0 consistent, 1 problems found, 2 could not run); needs -c CONFIG",
     check_command},
    {"repair", "   the same as check --repair", repair_command},
    {"compact", "[--event N] --storage DIR   fold participant journals into PHP-format JSON",
     compact_command},
    {"migrate-to-files",
     "[--dry-run] [--verify] [--event N]   move a PHP deployment's users, events and "
     "registrations (attendedevents, event_participants) into the files; idempotent, "
     "resumable (exit 0 done, 1 --verify found differences, 2 error); needs -c CONFIG",
     [](int argc, char** argv) {
         return ems::migration::migrate_to_files_command(argc, argv, config_path);
     }},
    {"rekey-uids",
     "[--map uid-map.tsv] [--dry-run]   after PHP's uid-to-GUID script: move old integer "
     "uids' registrations and files to their GUIDs (exit 0 done, 2 error); needs -c CONFIG",
     [](int argc, char** argv) {
         return ems::migration::rekey_uids_command(argc, argv, config_path);
     }},
    {"repair-list",
     "--event N [--dry-run] [--storage DIR]   rebuild a damaged participant list from every "
     "valid record; damaged files kept in .ems/damaged (exit 0 done, 1 something lost, 2 error)",
     repair_list_command},
    {"merge-journal",
     "--event N [--dry-run] [--storage DIR]   apply journals kept aside in .ems/journal/kept "
     "(exit 0 done, 1 something lost, 2 error)",
     merge_journal_command},
    {"backup",
     "--out FILE [--force] | --verify FILE   an encrypted archive (age, key: backup_key) of "
     "the database and the storage as of one instant, or check one without restoring "
     "(exit 0 done, 1 failed); needs -c CONFIG",
     [](int argc, char** argv) { return ems::backup::backup_command(argc, argv, config_path); }},
    {"restore",
     "FILE [--force]   restore a backup into an empty database and storage, then check "
     "(exit 0 restored and consistent, 1 failed or problems found); needs -c CONFIG",
     [](int argc, char** argv) { return ems::backup::restore_command(argc, argv, config_path); }},
};

int usage(std::ostream& out) {
    out << "usage: ems-admin [-c CONFIG] COMMAND [options]\n";
    for (const Command& c : commands) out << "  " << c.name << " " << c.help << "\n";
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 3 && !std::strcmp(argv[1], "-c")) {
        config_path = argv[2];
        argv[2] = argv[0];
        argc -= 2;
        argv += 2;
    }
    if (argc < 2) return usage(std::cerr);
    if (!std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help")) return usage(std::cout), 0;
    for (const Command& c : commands)
        if (argv[1] == std::string(c.name)) return c.run(argc - 1, argv + 1);
    std::cerr << "ems-admin: unknown command " << argv[1] << "\n";
    return usage(std::cerr);
}
