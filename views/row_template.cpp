#include "views/row_template.hpp"

#include <optional>
#include <stdexcept>

namespace ems {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

std::optional<std::size_t> index_of(const std::vector<std::string>& names, std::string_view name) {
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == name) return i;
    return std::nullopt;
}

const RowTemplate::Names& participant_names() {
    static const RowTemplate::Names names{
        "participant row",
        {"name", "email", "joined_at", "status", "approve_url", "decline_url", "remove_url",
         "joined_display", "status_label", "status_tag", "csrf_token"},
        {"pending"},
        {"csrf_token"}};
    return names;
}

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

RowTemplate::RowTemplate(std::string_view text) : RowTemplate(text, participant_names()) {}

RowTemplate::RowTemplate(std::string_view text, Names names) {
    const std::string& what = names.what;
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
                throw std::runtime_error(what + ": a {{ without }}");
            const auto tag = trim(text.substr(i + 2, close - i - 2));
            i = close + 2;
            if (tag.empty()) throw std::runtime_error(what + ": an empty tag");
            const char sigil = tag[0];
            if (sigil == '!') continue;
            flush_text();
            const auto name =
                trim(tag.substr(sigil == '#' || sigil == '^' || sigil == '/' ? 1 : 0));
            if (sigil == '#' || sigil == '^') {
                const auto flag = index_of(names.flags, name);
                if (!flag)
                    throw std::runtime_error(what + ": no section {{" + std::string(tag) + "}}");
                open.push_back(ops_.size());
                ops_.push_back(op(Op::Kind::section));
                ops_.back().index = *flag;
                ops_.back().inverted = sigil == '^';
            } else if (sigil == '/') {
                if (open.empty() || index_of(names.flags, name) != ops_[open.back()].index)
                    throw std::runtime_error(what + ": unexpected {{" + std::string(tag) + "}}");
                ops_[open.back()].end = ops_.size();
                open.pop_back();
                ops_.push_back(op(Op::Kind::end));
            } else {
                const auto field = index_of(names.fields, tag);
                if (!field)
                    throw std::runtime_error(what + ": no field {{" + std::string(tag) +
                                             "}} (raw output and other tags are not allowed)");
                ops_.push_back(op(Op::Kind::field));
                ops_.back().index = *field;
                ops_.back().raw = index_of(names.raw, tag).has_value();
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
    if (!open.empty()) throw std::runtime_error(what + ": a section without its end");
}

// kainjow's line rule, kept: a line that a rendered section touched and
// that holds only spaces and tabs is dropped with its line end.
void RowTemplate::render(const std::vector<std::string_view>& values,
                         const std::vector<bool>& flags, std::string& out) const {
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
                if (op.raw)
                    out += values.at(op.index);
                else
                    append_escaped(out, values.at(op.index));
                break;
            case Op::Kind::section:
                if (flags.at(op.index) == op.inverted)
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

void RowTemplate::render(const pages::ParticipantRow& row, std::string_view csrf,
                         std::string& out) const {
    // In participant_names()'s order.
    thread_local std::vector<std::string_view> values(11);
    thread_local std::vector<bool> flags(1);
    values[0] = row.name;
    values[1] = row.email;
    values[2] = row.joined_at;
    values[3] = row.status;
    values[4] = row.approve_url;
    values[5] = row.decline_url;
    values[6] = row.remove_url;
    values[7] = row.joined_display;
    values[8] = row.status_label;
    values[9] = row.status_tag;
    values[10] = csrf;
    flags[0] = row.pending;
    render(values, flags, out);
}

}  // namespace ems
