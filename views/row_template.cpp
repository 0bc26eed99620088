#include "views/row_template.hpp"

#include <stdexcept>

namespace ems {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

bool field_named(std::string_view name, RowTemplate::Field& f) {
    using F = RowTemplate::Field;
    static constexpr std::pair<std::string_view, F> fields[] = {
        {"name", F::name},
        {"email", F::email},
        {"joined_at", F::joined_at},
        {"status", F::status},
        {"approve_url", F::approve_url},
        {"decline_url", F::decline_url},
        {"remove_url", F::remove_url},
        {"joined_display", F::joined_display},
        {"status_label", F::status_label},
        {"status_tag", F::status_tag},
        {"csrf_token", F::csrf}};
    for (const auto& [n, v] : fields)
        if (n == name) {
            f = v;
            return true;
        }
    return false;
}

// The row's member for each Field but csrf, in the enum's order.
constexpr std::string_view pages::ParticipantRow::*members[] = {
    &pages::ParticipantRow::name,         &pages::ParticipantRow::email,
    &pages::ParticipantRow::joined_at,    &pages::ParticipantRow::status,
    &pages::ParticipantRow::approve_url,  &pages::ParticipantRow::decline_url,
    &pages::ParticipantRow::remove_url,   &pages::ParticipantRow::joined_display,
    &pages::ParticipantRow::status_label, &pages::ParticipantRow::status_tag};

}  // namespace

void append_escaped(std::string& out, std::string_view s) {
    std::size_t from = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char* rep = nullptr;
        switch (s[i]) {
            case '&':
                rep = "&amp;";
                break;
            case '<':
                rep = "&lt;";
                break;
            case '>':
                rep = "&gt;";
                break;
            case '"':
                rep = "&quot;";
                break;
            case '\'':
                rep = "&apos;";
                break;
            default:
                continue;
        }
        out.append(s.substr(from, i - from));
        out.append(rep);
        from = i + 1;
    }
    out.append(s.substr(from));
}

RowTemplate::Op RowTemplate::op(Op::Kind kind, std::string text) {
    Op o;
    o.kind = kind;
    o.text = std::move(text);
    return o;
}

RowTemplate::RowTemplate(std::string_view text) {
    std::vector<std::size_t> open;  // indexes of the sections not closed yet
    std::string literal;
    const auto flush_text = [&] {
        if (!literal.empty()) ops_.push_back(op(Op::Kind::text, std::move(literal)));
        literal.clear();
    };
    for (std::size_t i = 0; i < text.size();) {
        if (text.compare(i, 2, "{{") == 0) {
            const auto close = text.find("}}", i + 2);
            if (close == std::string_view::npos)
                throw std::runtime_error("participant row: a {{ without }}");
            const auto tag = trim(text.substr(i + 2, close - i - 2));
            i = close + 2;
            if (tag.empty()) throw std::runtime_error("participant row: an empty tag");
            const char sigil = tag[0];
            if (sigil == '!') continue;
            flush_text();
            const auto name =
                trim(tag.substr(sigil == '#' || sigil == '^' || sigil == '/' ? 1 : 0));
            if (sigil == '#' || sigil == '^') {
                if (name != "pending")
                    throw std::runtime_error(
                        "participant row: only {{#pending}} and {{^pending}} "
                        "sections, not {{" +
                        std::string(tag) + "}}");
                open.push_back(ops_.size());
                ops_.push_back(op(Op::Kind::section));
                ops_.back().inverted = sigil == '^';
            } else if (sigil == '/') {
                if (open.empty() || name != "pending")
                    throw std::runtime_error("participant row: unexpected {{" + std::string(tag) +
                                             "}}");
                ops_[open.back()].end = ops_.size();
                open.pop_back();
                ops_.push_back(op(Op::Kind::end));
            } else {
                Field f{};
                if (!field_named(tag, f))
                    throw std::runtime_error("participant row: no field {{" + std::string(tag) +
                                             "}} (raw output and other tags are not allowed)");
                ops_.push_back(op(Op::Kind::field));
                ops_.back().field = f;
            }
            continue;
        }
        const char c = text[i];
        if (c == '\n' || c == '\r') {
            flush_text();
            const std::size_t n = (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
            ops_.push_back(op(Op::Kind::newline, std::string(text.substr(i, n))));
            i += n;
            continue;
        }
        literal += c;
        ++i;
    }
    flush_text();
    if (!open.empty()) throw std::runtime_error("participant row: {{#pending}} without its end");
}

// kainjow's line rule, kept: a line that a rendered section touched and
// that holds only spaces and tabs is dropped with its line end.
void RowTemplate::render(const pages::ParticipantRow& row, std::string_view csrf,
                         std::string& out) const {
    std::size_t line_start = out.size();
    bool touched = false;
    for (std::size_t i = 0; i < ops_.size(); ++i) {
        const auto& op = ops_[i];
        switch (op.kind) {
            case Op::Kind::text:
                out += op.text;
                break;
            case Op::Kind::newline: {
                bool blank = touched;
                for (std::size_t k = line_start; blank && k < out.size(); ++k)
                    blank = out[k] == ' ' || out[k] == '\t';
                if (blank)
                    out.resize(line_start);
                else
                    out += op.text;
                line_start = out.size();
                touched = false;
                break;
            }
            case Op::Kind::field:
                if (op.field == Field::csrf)
                    out += csrf;
                else
                    append_escaped(out, row.*members[static_cast<int>(op.field)]);
                break;
            case Op::Kind::section:
                if (row.pending == op.inverted)
                    i = op.end;  // skipped: kainjow leaves the line as it is
                else
                    touched = true;
                break;
            case Op::Kind::end:
                touched = true;
                break;
        }
    }
}

}  // namespace ems
