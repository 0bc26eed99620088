// ems-admin: maintenance commands. One row per subcommand in `commands`;
// add check, repair, migrate... as rows with their own function.
//   ems-admin compact [--event N] --storage DIR
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <string>

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

const Command commands[] = {
    {"compact", "[--event N] --storage DIR   fold participant journals into PHP-format JSON",
     compact_command},
};

int usage(std::ostream& out) {
    out << "usage: ems-admin COMMAND [options]\n";
    for (const Command& c : commands) out << "  " << c.name << " " << c.help << "\n";
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage(std::cerr);
    if (!std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help")) return usage(std::cout), 0;
    for (const Command& c : commands)
        if (argv[1] == std::string(c.name)) return c.run(argc - 1, argv + 1);
    std::cerr << "ems-admin: unknown command " << argv[1] << "\n";
    return usage(std::cerr);
}
