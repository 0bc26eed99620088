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
    // Throws std::runtime_error naming the tag the row may not use: only
    // {{name}} {{email}} {{joined_at}} {{status}} {{approve_url}}
    // {{decline_url}} {{remove_url}} {{joined_display}} {{status_label}}
    // {{status_tag}} {{csrf_token}}, {{! comments}} and the sections
    // {{#pending}} / {{^pending}}; escaping always on.
    explicit RowTemplate(std::string_view text);
    // Appends the row, escaped; csrf_token is the page's, already escaped.
    void render(const pages::ParticipantRow& row, std::string_view csrf_token,
                std::string& out) const;

    // In the order of pages::ParticipantRow's string members; csrf last.
    enum class Field {
        name,
        email,
        joined_at,
        status,
        approve_url,
        decline_url,
        remove_url,
        joined_display,
        status_label,
        status_tag,
        csrf
    };

  private:
    struct Op {
        enum class Kind { text, newline, field, section, end } kind = Kind::text;
        std::string text;       // text, newline
        Field field{};          // field
        bool inverted = false;  // section: {{^pending}}
        std::size_t end = 0;    // section: the index of its end op
    };
    static Op op(Op::Kind kind, std::string text = {});
    std::vector<Op> ops_;
};

// Appends s with & < > " ' escaped as kainjow escapes them.
void append_escaped(std::string& out, std::string_view s);

}  // namespace ems
