// Pure checks on event input: no database, no files, so unit tests cover
// every branch (tests/unit/event_validation_test.cpp).
#include <cstdio>
#include <regex>

#include "core/json_read.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "models/event.hpp"

namespace ems::events {
namespace {

bool leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

std::string get(const std::map<std::string, std::string>& f, const char* name) {
    const auto it = f.find(name);
    return it == f.end() ? std::string() : trim(it->second);
}

// Empty: no limit. Digits only, so "-1", "1e3" and "10.5" are refused
// before any conversion can overflow.
std::optional<long long> parse_capacity(const std::string& v, bool& ok) {
    ok = true;
    if (v.empty()) return std::nullopt;
    ok = v.size() <= 7 && v.find_first_not_of("0123456789") == std::string::npos;
    if (!ok) return std::nullopt;
    const long long n = std::stoll(v);
    ok = n >= 1 && n <= max_capacity;
    return ok ? std::optional<long long>(n) : std::nullopt;
}

}  // namespace

std::optional<std::string> normalize_datetime(const std::string& s) {
    static const std::regex re(R"(^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$)");
    std::smatch m;
    if (s.size() > 19 || !std::regex_match(s, m, re)) return std::nullopt;
    const int y = std::stoi(m[1]), mo = std::stoi(m[2]), d = std::stoi(m[3]);
    const int h = std::stoi(m[4]), mi = std::stoi(m[5]), sec = m[6].matched ? std::stoi(m[6]) : 0;
    // DATETIME holds years 1000-9999; 2025-02-30 and 24:00 are not real times.
    if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return std::nullopt;
    if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
    char buf[80];  // sized for any int, so the compiler can prove no truncation
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, sec);
    return std::string(buf);
}

std::string to_input_datetime(const std::string& v) {
    if (v.size() < 16) return v;
    return v.substr(0, 10) + "T" + v.substr(11, 5);
}

std::optional<std::string> normalize_key(const std::string& key) {
    // 8 characters: keys made before 48-bit keys (by the PHP app or ems),
    // still on shared links and QR codes; 12: keys made since.
    if (key.size() != 8 && key.size() != 12) return std::nullopt;
    if (!is_hex(key, 8, 12)) return std::nullopt;
    std::string out(key);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

namespace {

// A checkbox sent with our hidden "0" before it, or by hand: off for "0",
// "", "false", "off"; on for anything else ("1", "on", "true").
bool checkbox_on(const std::string& v) {
    return !(v.empty() || v == "0" || v == "false" || v == "off");
}

// The settings part of the form; absent fields keep base.
void apply_form_settings(const std::map<std::string, std::string>& f, const Settings& base,
                         FormResult& r) {
    auto& s = r.input.settings;
    s = base;
    s.problem.clear();
    for (auto [name, out] : {std::pair{"registration_open", &s.registration_open},
                             {"require_approval", &s.require_approval},
                             {"listed", &s.listed}})
        if (f.count(name)) *out = checkbox_on(trim(f.at(name)));
    if (f.count("close_at_start")) s.close_at_start = checkbox_on(trim(f.at("close_at_start")));
    for (auto [name, out] :
         {std::pair{"registration_opens", &s.opens}, {"registration_closes", &s.closes}}) {
        if (!f.count(name)) continue;
        const auto v = trim(f.at(name));
        r.values[name] = v;
        if (v.empty()) {
            out->clear();
        } else if (const auto d = normalize_datetime(v)) {
            *out = *d;
        } else {
            r.errors[name] =
                "Please enter a real date and time (YYYY-MM-DDTHH:MM), or leave it empty";
        }
    }
    if (f.count("max_participants")) {
        bool ok = true;
        s.max_participants = parse_capacity(r.values["max_participants"], ok);
        if (!ok)
            r.errors["max_participants"] =
                "Enter a whole number from 1 to 1000000, or leave it empty for no limit";
    } else {
        r.values["max_participants"] =
            s.max_participants ? std::to_string(*s.max_participants) : "";
    }
    r.values["registration_open"] = s.registration_open ? "1" : "";
    r.values["require_approval"] = s.require_approval ? "1" : "";
    r.values["listed"] = s.listed ? "1" : "";
    r.values["close_at_start"] = s.close_at_start ? "1" : "";
    for (auto [name, v] :
         {std::pair{"registration_opens", &s.opens}, {"registration_closes", &s.closes}})
        if (!r.values.count(name) || r.errors.count(name))
            r.values[name] = r.errors.count(name) ? r.values[name] : to_input_datetime(*v);
}

// The window against itself and the event's dates.
void check_window(FormResult& r) {
    const auto& s = r.input.settings;
    const auto& in = r.input;
    if (!s.opens.empty() && !s.closes.empty() && s.closes <= s.opens)
        r.errors["registration_closes"] = "The deadline must be after registration opens";
    if (!s.opens.empty() && !in.startdate.empty() && s.opens >= in.startdate)
        r.errors["registration_opens"] = "Registration must open before the event starts";
    if (!s.closes.empty() && !in.enddate.empty() && s.closes > in.enddate &&
        !r.errors.count("registration_closes"))
        r.errors["registration_closes"] = "The deadline must be before the event ends";
}

}  // namespace

FormResult validate_event_form(const std::map<std::string, std::string>& f, const Settings& base) {
    FormResult r;
    for (const char* name :
         {"eventname", "startdate", "enddate", "location", "eventshortinfo", "max_participants"})
        r.values[name] = get(f, name);
    for (const char* name : {"eventname", "startdate", "enddate", "location"})
        if (r.values[name].empty()) r.errors[name] = "This field is required";
    if (!r.errors.empty()) r.form_error = "Please fill in all required fields";
    for (const char* name : {"eventname", "location", "startdate", "enddate"})
        if (auto e = check_text(r.values[name]); !e.empty() && !r.errors.count(name))
            r.errors[name] = e;
    // The description: several lines, up to max_description characters.
    auto& text = r.values["eventshortinfo"];
    for (std::size_t at = 0; (at = text.find('\r', at)) != std::string::npos;)
        text.replace(at, at + 1 < text.size() && text[at + 1] == '\n' ? 2 : 1, "\n");
    if (auto e = check_text(text, max_description); !e.empty()) r.errors["eventshortinfo"] = e;
    auto& in = r.input;
    for (auto [name, out] : {std::pair{"startdate", &in.startdate}, {"enddate", &in.enddate}}) {
        if (r.errors.count(name)) continue;
        if (auto d = normalize_datetime(r.values[name]))
            *out = *d;
        else
            r.errors[name] = "Please enter a real date and time (YYYY-MM-DDTHH:MM)";
    }
    if (!in.startdate.empty() && !in.enddate.empty() && in.enddate <= in.startdate) {
        r.errors["enddate"] = "End date must be after start date";
        if (r.form_error.empty()) r.form_error = "End date must be after start date";
    }
    apply_form_settings(f, base, r);
    check_window(r);
    in.name = r.values["eventname"];
    in.location = r.values["location"];
    in.description = r.values["eventshortinfo"];
    in.shortinfo = shortinfo_of(in.description);
    if (!r.errors.empty() && r.form_error.empty())
        r.form_error = "Please correct the fields marked below";
    return r;
}

namespace {

// A setting from the JSON body: inside "settings" if there, else top level.
const Json::Value* json_setting(const Json::Value& body, const char* name) {
    const auto& nested = body["settings"];
    if (nested.isObject() && nested.isMember(name)) return &nested[name];
    if (body.isMember(name)) return &body[name];
    return nullptr;
}

// A JSON integer (not 50.0, not 1e400) from 1 to max_capacity.
std::optional<long long> json_capacity(const Json::Value& v) {
    if (v.type() == Json::intValue && v.asInt64() >= 1 && v.asInt64() <= max_capacity)
        return v.asInt64();
    if (v.type() == Json::uintValue && v.asUInt64() >= 1 &&
        v.asUInt64() <= static_cast<Json::UInt64>(max_capacity))
        return static_cast<long long>(v.asUInt64());
    return std::nullopt;
}

void apply_json_settings(const Json::Value& body, const Settings& base, FormResult& r) {
    auto& s = r.input.settings;
    s = base;
    s.problem.clear();
    if (body.isMember("settings") && !body["settings"].isObject())
        r.errors["settings"] = "Must be an object";
    for (auto [name, out] : {std::pair{"registration_open", &s.registration_open},
                             {"require_approval", &s.require_approval},
                             {"listed", &s.listed}}) {
        const auto* v = json_setting(body, name);
        if (!v) continue;
        if (v->isBool())
            *out = v->asBool();
        else
            r.errors[name] = "Must be true or false";
    }
    if (const auto* v = json_setting(body, "close_at_start")) {
        if (v->isBool())
            s.close_at_start = v->asBool();
        else
            r.errors["close_at_start"] = "Must be true or false";
    }
    for (auto [name, out] :
         {std::pair{"registration_opens", &s.opens}, {"registration_closes", &s.closes}}) {
        const auto* v = json_setting(body, name);
        if (!v) continue;
        if (v->isNull() || (v->isString() && v->asString().empty()))
            out->clear();
        else if (const auto d = v->isString() ? normalize_datetime(v->asString()) : std::nullopt)
            *out = *d;
        else
            r.errors[name] = "Must be a date and time (YYYY-MM-DDTHH:MM), or null";
    }
    if (const auto* v = json_setting(body, "max_participants")) {
        if (v->isNull())
            s.max_participants.reset();
        else if (const auto n = json_capacity(*v))
            s.max_participants = n;
        else
            r.errors["max_participants"] =
                "Must be a whole number from 1 to 1000000, or null for no limit";
    }
}

}  // namespace

FormResult validate_event_json(const Json::Value& body, const Settings& base,
                               const Event* current) {
    std::map<std::string, std::string> fields;
    std::map<std::string, std::string> type_errors;
    const std::pair<const char*, const std::string*> text[] = {
        {"eventname", current ? &current->name : nullptr},
        {"startdate", current ? &current->startdate : nullptr},
        {"enddate", current ? &current->enddate : nullptr},
        {"location", current ? &current->location : nullptr},
        {"eventshortinfo",
         current ? (current->description.empty() ? &current->shortinfo : &current->description)
                 : nullptr},
    };
    for (const auto& [name, old] : text) {
        const auto& v = body[name];
        if (v.isString())
            fields[name] = v.asString();
        else if (!v.isNull() || body.isMember(name))
            type_errors[name] = "Must be a string";
        else if (old)
            fields[name] = *old;
    }
    auto r = validate_event_form(fields);
    for (const auto& [name, e] : type_errors) r.errors[name] = e;
    r.errors.erase("registration_opens");  // checked again with the body's window
    r.errors.erase("registration_closes");
    apply_json_settings(body, base, r);
    check_window(r);
    if (!r.errors.empty() && r.form_error.empty())
        r.form_error = "Please correct the fields marked below";
    return r;
}

std::optional<std::string> settings_problem(const Json::Value& file) {
    if (!file.isObject()) return "the event file is not a JSON object";
    if (!file.isMember("settings")) return "the event file has no settings";
    const auto& s = file["settings"];
    if (!s.isObject()) return "settings is not an object";
    for (const char* flag : {"registration_open", "require_approval"})
        if (s.isMember(flag) && !s[flag].isBool())
            return std::string("settings.") + flag + " is not true or false";
    if (!s.isMember("max_participants")) return std::nullopt;
    const auto& max = s["max_participants"];
    const char* const bad_max =
        "settings.max_participants is not null or a whole number from 1 to 1000000";
    if (max.isNull()) return std::nullopt;
    if (max.isString()) {
        const auto& v = max.asString();
        if (v.empty()) return std::nullopt;  // PHP's form: an empty field, no limit
        bool ok = true;
        parse_capacity(v, ok);
        return ok ? std::nullopt : std::optional<std::string>(bad_max);
    }
    return json_capacity(max) ? std::nullopt : std::optional<std::string>(bad_max);
}

Settings settings_of(const Json::Value& file) {
    Settings out;
    const auto& s = file["settings"];
    if (s["registration_open"].isBool()) out.registration_open = s["registration_open"].asBool();
    if (s["require_approval"].isBool()) out.require_approval = s["require_approval"].asBool();
    // Ours, beside the PHP keys (absent: not listed, no window).
    if (file["listed"].isBool()) out.listed = file["listed"].asBool();
    if (file["close_at_start"].isBool()) out.close_at_start = file["close_at_start"].asBool();
    for (auto [name, v] :
         {std::pair{"registration_opens", &out.opens}, {"registration_closes", &out.closes}})
        if (file[name].isString())
            if (const auto d = normalize_datetime(file[name].asString())) *v = *d;
    const auto& max = s["max_participants"];
    bool ok = true;
    if (max.isString())
        out.max_participants = parse_capacity(max.asString(), ok);
    else
        out.max_participants = json_capacity(max);
    return out;
}

std::vector<std::string> parse_attended(const std::string& text) {
    std::vector<std::string> out;
    const auto v = read_json(text, JsonReadOptions::php_file());
    if (!v || !v->isArray()) return out;
    for (const auto& item : *v) {
        std::string id;
        if (item.isString())
            id = item.asString();
        else if (item.isIntegral())
            id = std::to_string(item.asLargestInt());
        else
            continue;
        if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    }
    return out;
}

std::string format_attended(const std::vector<std::string>& ids) {
    // PHP json_encode of an array of strings: ["1","3"].
    Json::Value v(Json::arrayValue);
    for (const auto& id : ids) v.append(id);
    Json::StreamWriterBuilder w;
    w["indentation"] = "";
    return Json::writeString(w, v);
}

std::string window_refusal(const Settings& s, const Event& ev, const std::string& now) {
    if (!s.opens.empty() && now < s.opens)
        return "Registration opens on " + time::display_datetime(s.opens);
    if (!s.closes.empty() && now >= s.closes)
        return "Registration closed on " + time::display_datetime(s.closes);
    if (s.close_at_start && !ev.startdate.empty() && now >= ev.startdate)
        return "Registration closed when the event started";
    return {};
}

}  // namespace ems::events
