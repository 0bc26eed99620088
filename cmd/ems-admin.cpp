// ems-admin: maintenance commands. One row per subcommand in `commands`;
// add check, repair, migrate... as rows with their own function.
//   ems-admin compact [--event N] --storage DIR
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include "fcgi/app.hpp"
#include "models/event_check.hpp"
#include "storage/file_storage.hpp"

namespace {

struct Command {
    const char* name;
    const char* help;
    int (*run)(int argc, char** argv);  // argv[0] is the subcommand name
};

// Options shared by subcommands: "--name value" pairs. `-c FILE` (config
// file) will map here too once the config reader exists.
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
        const auto config = ems::Config::load(config_path);
        ems::db::Db db(ems::db_options(config));
        ems::storage::FileStorage files{ems::storage::StorageOptions{config.storage_root}};
        const auto report = ems::events::check_consistency(db, files, repair);
        if (json) ems::events::print_json(report, std::cout);
        else ems::events::print_text(report, std::cout);
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
        std::cout << "schema version " << before << " -> " << ems::schema::current_version(db) << " (" << applied
                  << " migration(s) applied); the PHP tables were created only where absent\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "ems-admin migrate-schema: " << e.what() << "\n";
        return 1;
    }
}

const Command commands[] = {
    {"migrate-schema", "   create missing tables and apply ems_* migrations; needs -c CONFIG",
     migrate_schema_command},
    {"check", "[--repair] [--json]   report every disagreement between the database and the files "
              "(exit 0 consistent, 1 problems found, 2 could not run); needs -c CONFIG",
     check_command},
    {"repair", "   the same as check --repair", repair_command},
    {"compact", "[--event N] --storage DIR   fold participant journals into PHP-format JSON",
     compact_command},
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
