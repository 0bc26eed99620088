// /dashboard/profile and its forms: names, password, picture, API tokens.
#include "models/profile.hpp"

#include <filesystem>
#include <fstream>
#include <regex>

#include "core/errors.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "handlers/forms.hpp"
#include "handlers/handlers.hpp"
#include "handlers/router.hpp"
#include "handlers/session.hpp"
#include "models/account.hpp"
#include "models/notify_prefs.hpp"
#include "models/password.hpp"
#include "models/user.hpp"
#include "storage/fs_util.hpp"

namespace ems {
namespace {

constexpr std::size_t max_picture_bytes = 5 * 1024 * 1024;

// A token's time for views/_time.mustache: "26 Nov 2026, 09:00" in a
// <time datetime="2026-11-26 09:00">, or "Never" alone.
Json::Value time_model(const std::string& minute) {
    Json::Value m(Json::objectValue);
    const bool never = minute == "never";
    m["datetime"] = never ? Json::Value(false) : Json::Value(minute);
    m["text"] = never ? "Never" : time::display_datetime(minute);
    return m;
}

const forms::FieldSpec name_fields[] = {
    {"fname", "First name", "text", "given-name"},
    {"mname", "Middle name", "text", "additional-name", false},
    {"lname", "Last name", "text", "family-name"},
};
const forms::FieldSpec password_fields[] = {
    {"current_password", "Current password", "password", "current-password"},
    {"new_password", "New password (8 to 128 characters)", "password", "new-password"},
    {"confirm_password", "Confirm new password", "password", "new-password"},
};

Response redirect_with(Ctx& ctx, const std::string& type, const std::string& message) {
    return flash_redirect(ctx, type, message, url_for("profile"));
}

// The profile forms answer their refusals on the profile page, flashed.
void refuse_to_profile(Ctx& ctx) {
    ctx.on_refusal = [](Ctx& c, const HttpError& e) { return redirect_with(c, "error", e.what()); };
}

// The file's type from its first bytes, never from the client's header.
std::string image_extension(const std::string& data) {
    if (data.size() >= 3 && data.compare(0, 3, "\xFF\xD8\xFF") == 0) return "jpg";
    if (data.size() >= 8 && data.compare(0, 8, "\x89PNG\r\n\x1A\n") == 0) return "png";
    if (data.size() >= 6 &&
        (data.compare(0, 6, "GIF87a") == 0 || data.compare(0, 6, "GIF89a") == 0))
        return "gif";
    return {};
}

// Writes the picture under a name no other file has, and returns it: the
// PHP app's uid_<time>.<ext>, or, when an upload in the same second took
// that (another tab, a double click), uid_<time>-<8 hex>.<ext>. A name is
// never written twice, so a page (or a cache: nginx serves these for a
// day) showing the first picture never gets the second's bytes.
std::string write_upload(const std::filesystem::path& dir, const std::string& uid,
                         const std::string& ext, const std::string& data) {
    std::filesystem::create_directories(dir);
    const auto stem = uid + "_" + std::to_string(std::time(nullptr));
    // 0644: nginx serves these files itself; they are images, never executed.
    if (storage::write_new_file(dir / (stem + "." + ext), data, 0644)) return stem + "." + ext;
    for (int attempt = 0; attempt < 8; ++attempt) {
        const auto name = stem + "-" + random_hex(4) + "." + ext;
        if (storage::write_new_file(dir / name, data, 0644)) return name;
    }
    throw std::runtime_error("no free name for a profile picture in " + dir.string());
}

}  // namespace

std::string picture_url(const std::string& file_name) {
    static const std::regex ours(
        R"(^[0-9A-Za-z-]{1,36}_[0-9]{1,12}(-[0-9a-f]{8})?\.(jpg|png|gif)$)");
    if (std::regex_match(file_name, ours)) return "/profilePictures/" + file_name;
    return "/static/default-avatar.svg";
}

Response show_profile(Ctx& ctx) {
    const auto& u = *ctx.user;
    auto m = ctx.page("Edit Profile");
    const std::map<std::string, std::string> values = {
        {"fname", u.fname}, {"mname", u.mname}, {"lname", u.lname}};
    for (const auto& f : name_fields)
        m["name_fields"].append(forms::field(f, values.at(f.name), ""));
    for (const auto& f : password_fields) m["password_fields"].append(forms::field(f, "", ""));
    m["email"] = u.email;
    m["picture_url"] = picture_url(u.profilepicture);
    for (const auto& t : profile::api_tokens(ctx.app, u.uid)) {
        Json::Value row;
        row["id"] = t.id;
        row["name"] = t.name;
        row["created_at"] = time_model(t.created_at);
        row["last_used"] = time_model(t.last_used);
        row["expires_at"] = time_model(t.expires_at);
        m["api_tokens"].append(row);
    }
    m["has_api_tokens"] = m.isMember("api_tokens");
    const auto prefs = notify_prefs::get(ctx.app.db(), u.uid);
    m["registration_mail"] = prefs.registration_mail;
    m["pending_immediate"] = prefs.pending == notify_prefs::Pending::immediate;
    m["pending_daily"] = prefs.pending == notify_prefs::Pending::daily;
    m["pending_off"] = prefs.pending == notify_prefs::Pending::off;
    return Response::html(ctx.app.views().render("profile", m));
}

void apply_profile_update(Ctx& ctx, const std::string& f, const std::string& mid,
                          const std::string& l) {
    if (f.empty() || l.empty()) throw Invalid("First name and last name are required");
    for (const auto* v : {&f, &mid, &l})
        if (auto e = forms::check_text(*v); !e.empty())
            throw Invalid("Failed to update profile: " + e);
    profile::update_names(ctx.app, ctx.user->uid, f, mid, l);
}

void apply_password_change(Ctx& ctx, const std::string& current, const std::string& next,
                           const std::string& confirm) {
    if (current.empty() || next.empty() || confirm.empty())
        throw Invalid("Please fill in all fields");
    if (next != confirm) throw Invalid("New passwords do not match");
    if (auto e = check_new_password(next); !e.empty()) throw Invalid(e);
    const auto user = find_user(ctx.app.db(), ctx.user->uid);
    if (!user) throw Forbidden("Current password is incorrect");
    // Guessing the current password of a session left open counts like
    // failed sign-ins of the account from this address.
    const auto ip = ctx.req.remote_addr();
    refuse_if_throttled(ctx, user->email, "Too many wrong passwords");
    if (current.size() > 4096 || !password::verify(current, user->password_hash)) {
        account::record_failure(ctx.app, user->email, ip);
        throw Forbidden("Current password is incorrect");
    }
    account::clear_pair_failures(ctx.app, user->email, ip);
    profile::set_password(ctx.app, user->uid, password::hash(next, ctx.app.config().password_cost));
    // Other devices signed in with the old password are signed out, and
    // every API token ends (one may be why the password changed); this
    // device continues under a fresh session id.
    end_other_sessions(ctx, user->uid);
    profile::revoke_all_api_tokens(ctx.app, user->uid);
    if (ctx.auth_via == "session") sign_in(ctx, user->uid);
}

void apply_picture_upload(Ctx& ctx, const UploadedFile* file) {
    if (!file) throw Invalid("File upload failed");
    if (file->data.size() > max_picture_bytes)
        throw PayloadTooLarge("File size must be less than 5MB");
    const auto ext = image_extension(file->data);
    if (ext.empty()) throw Invalid("Only JPEG, PNG, and GIF files are allowed");
    const auto& uid = ctx.user->uid;
    const auto name = write_upload(ctx.app.config().uploads_dir, uid, ext, file->data);
    const auto old = ctx.user->profilepicture;
    profile::set_picture(ctx.app, uid, name);
    ctx.user->profilepicture = name;
    if (old != name && picture_url(old) != "/static/default-avatar.svg" &&
        old.rfind(uid + "_", 0) == 0) {
        std::error_code ec;  // best effort: the old file is no longer referenced
        std::filesystem::remove(std::filesystem::path(ctx.app.config().uploads_dir) / old, ec);
    }
}

Response update_profile(Ctx& ctx) {
    refuse_to_profile(ctx);
    apply_profile_update(ctx, forms::value(ctx.req, "fname"), forms::value(ctx.req, "mname"),
                         forms::value(ctx.req, "lname"));
    return redirect_with(ctx, "success", "Profile updated successfully");
}

Response change_password(Ctx& ctx) {
    refuse_to_profile(ctx);
    apply_password_change(ctx, ctx.req.form("current_password"), ctx.req.form("new_password"),
                          ctx.req.form("confirm_password"));
    return redirect_with(ctx, "success", "Password changed successfully");
}

Response upload_profile_picture(Ctx& ctx) {
    refuse_to_profile(ctx);
    apply_picture_upload(ctx, ctx.req.file("profile_picture"));
    return redirect_with(ctx, "success", "Profile picture updated successfully");
}

Response create_api_token(Ctx& ctx) {
    refuse_to_profile(ctx);
    const auto name = forms::value(ctx.req, "token_name");
    if (name.empty() || !forms::check_text(name, 100).empty())
        throw Invalid("Please give the token a name (at most 100 characters)");
    const auto token = profile::create_api_token(ctx.app, ctx.user->uid, name);
    return redirect_with(ctx, "success",
                         "Your new API token (copy it now, it is shown only once): " + token);
}

Response revoke_api_token(Ctx& ctx) {
    refuse_to_profile(ctx);
    if (!profile::revoke_api_token(ctx.app, ctx.user->uid, ctx.req.form("token_id")))
        throw NotFound("Token not found");
    return redirect_with(ctx, "success", "Token revoked");
}

// The box has a hidden "0" before it (an unchecked box is not sent), and
// one of the three choices is always checked, so a form without them was
// not this form: nothing changes.
Response update_notifications(Ctx& ctx) {
    refuse_to_profile(ctx);
    const auto reg = forms::checkbox(ctx.req, "registration_mail");
    const auto choice = forms::value(ctx.req, "pending_mail");
    using notify_prefs::Pending;
    const auto pending = choice == "immediate" ? std::optional(Pending::immediate)
                         : choice == "daily"   ? std::optional(Pending::daily)
                         : choice == "off"     ? std::optional(Pending::off)
                                               : std::nullopt;
    if (!reg || !pending)
        throw Invalid("The notification settings form was incomplete; nothing was changed");
    notify_prefs::set(ctx.app.db(), ctx.user->uid, {*reg, *pending});
    return redirect_with(ctx, "success", "Notification settings saved");
}

}  // namespace ems
