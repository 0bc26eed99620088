// bin/test-storage_op: one storage operation in its own process, so a test
// can run it under strace and read the exact system-call order.
//   test-storage_op ROOT save-event ID | compact ID | add ID UID | count ID | inspect
// count prints the number of participants (exit 1 with the message on a
// corrupt list); inspect prints one line per inspect_lists() problem:
// "<event_id> <kind> <path> <records> <detail>".
#include <iostream>
#include <string>

#include "storage/file_storage.hpp"

using namespace ems::storage;

int main(int argc, char** argv) {
    if (argc < 3 || (argc < 4 && std::string(argv[2]) != "inspect")) {
        std::cerr << "usage: test-storage_op ROOT save-event ID | compact ID | add ID UID | "
                     "count ID | inspect\n";
        return 2;
    }
    try {
        FileStorage storage{StorageOptions{argv[1]}};
        const std::string op = argv[2];
        if (op == "inspect") {
            for (const ListProblem& p : storage.inspect_lists())
                std::cout << p.event_id << " " << p.kind << " " << p.path << " " << p.records << " "
                          << p.detail << "\n";
            return 0;
        }
        const auto id = parse_event_id(argv[3]);
        if (!id) throw InvalidId("bad event id");
        Json::Value doc(Json::objectValue);
        doc["eventid"] = Json::Int64(*id);
        doc["eventname"] = "strace \u00e9";
        if (op == "save-event") {
            storage.save_event_data(*id, doc, "test");
        } else if (op == "compact") {
            storage.compact(*id);
        } else if (op == "count") {
            std::cout << storage.count_participants(*id) << "\n";
        } else if (op == "add" && argc > 4) {
            doc["uid"] = argv[4];
            storage.add_participant_to_event(*id, argv[4], doc, "test");
        } else {
            std::cerr << "unknown op " << op << "\n";
            return 2;
        }
    } catch (const std::exception& e) {
        std::cerr << "test-storage_op: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
