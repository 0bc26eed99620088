// The participant row of the manage page, compiled once from the page's
// own template (the text between {{#participants}} and {{/participants}}
// in views/event_manage.mustache) and rendered straight from typed rows:
// no template data per row, for the whole list of 10,000 rows. It renders
// what kainjow renders for the same text (escaping, and its rule that drops
// a line left blank by a section), which Views checks at start.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "views/pages.hpp"

namespace ems {

class RowTemplate {
  public:
    // What a row may name: {{field}} for each of `fields` (escaped, except
    // those also in `raw`: given already escaped), {{#flag}} / {{^flag}}
    // for each of `flags`, and {{! comments}}. `what` names the row in
    // errors ("participant row").
    struct Names {
        std::string what;
        std::vector<std::string> fields, flags, raw;
    };
    // Throws std::runtime_error naming the tag the row may not use.
    RowTemplate(std::string_view text, Names names);
    // The participant row: {{name}} {{email}} {{joined_at}} {{status}}
    // {{approve_url}} {{decline_url}} {{remove_url}} {{joined_display}}
    // {{status_label}} {{status_tag}} {{csrf_token}} and the sections
    // {{#pending}} / {{^pending}}.
    explicit RowTemplate(std::string_view text);
    // Appends the row: values[i] for names.fields[i], flags[j] for names.flags[j].
    void render(const std::vector<std::string_view>& values, const std::vector<bool>& flags,
                std::string& out) const;
    // The participant row; csrf_token is the page's, already escaped.
    void render(const pages::ParticipantRow& row, std::string_view csrf_token,
                std::string& out) const;

  private:
    struct Op {
        enum class Kind { text, newline, field, section, end } kind = Kind::text;
        std::string text;       // text, newline
        std::size_t index = 0;  // field: into values; section: into flags
        bool raw = false;       // field: written as given
        bool inverted = false;  // section: {{^flag}}
        std::size_t end = 0;    // section: the index of its end op
    };
    static Op op(Op::Kind kind, std::string text = {});
    std::vector<Op> ops_;
};

// Appends s with & < > " ' escaped as kainjow escapes them.
void append_escaped(std::string& out, std::string_view s);

}  // namespace ems
