// The route table: every route of ems, one row each.
#include <deque>
#include <string>
#include <string_view>

#include "handlers/handlers.hpp"
#include "handlers/router.hpp"

namespace ems {

namespace {

// The PHP router answered /event/... as /events/...: every /events/ row
// gets that alias (matched, never built by url_for).
std::vector<Route> with_php_aliases(std::vector<Route> table) {
    static std::deque<std::string> aliases;  // Route::alias points into it
    for (Route& r : table) {
        const std::string_view pattern = r.pattern;
        if (pattern.starts_with("/events/"))
            r.alias = aliases.emplace_back("/event/" + std::string(pattern.substr(8))).c_str();
    }
    return table;
}

}  // namespace

const std::vector<Route>& routes() {
    using A = Access;
    // One row a line, so that the table reads as one.
    // clang-format off
    static const std::vector<Route> table = with_php_aliases({
        {"GET", "/", show_home, "home", A::anyone},
        {"GET", "/health", show_health, "health", A::anyone},
        {"GET", "/auth/login", show_login, "login", A::guest},
        {"POST", "/auth/login", login, "login_post", A::guest},
        {"GET", "/auth/register", show_register, "register", A::guest},
        {"POST", "/auth/register", register_user, "register_post", A::guest},
        {"GET", "/auth/logout", show_logout, "logout", A::anyone},
        {"POST", "/auth/logout", logout, "logout_post", A::anyone},
        {"GET", "/auth/resetRequest", show_reset_request, "reset_request", A::anyone},
        {"POST", "/auth/resetRequest", reset_request, "reset_request_post", A::anyone},
        {"GET", "/auth/resetPassword/{token}", show_reset_password, "reset_password", A::anyone},
        {"POST", "/auth/resetPassword/{token}", reset_password, "reset_password_post", A::anyone},
        {"GET", "/auth/verifyEmail/{token}", verify_email, "verify_email", A::anyone},
        {"GET", "/dashboard/profile", show_profile, "profile", A::user},
        {"POST", "/dashboard/profile", update_profile, "profile_post", A::user},
        {"POST", "/dashboard/changePassword", change_password, "change_password", A::user},
        {"POST", "/dashboard/uploadProfilePicture", upload_profile_picture, "upload_picture", A::user},
        {"POST", "/dashboard/apiTokens", create_api_token, "create_api_token", A::user},
        {"POST", "/dashboard/apiTokens/revoke", revoke_api_token, "revoke_api_token", A::user},
        {"POST", "/dashboard/notifications", update_notifications, "notifications_post", A::user},
        {"POST", "/api/auth/login", api_login, "api_login", A::anyone},
        {"POST", "/api/auth/logout", api_logout, "api_logout", A::anyone},
        {"POST", "/api/auth/register", api_register, "api_register", A::anyone},
        {"POST", "/api/auth/resetRequest", api_reset_request, "api_reset_request", A::anyone},
        {"GET", "/api/me", api_show_me, "api_me", A::user},
        {"POST", "/api/me", api_update_me, "api_update_me", A::user},
        {"POST", "/api/me/password", api_change_password, "api_change_password", A::user},
        {"POST", "/api/me/picture", api_upload_picture, "api_upload_picture", A::user},
        // The public listing (handlers/event_listing.cpp; / is there too).
        {"GET", "/events", show_events_list, "events_list", A::anyone},
        {"GET", "/events/feed.ics", show_events_feed, "events_feed", A::anyone},
        // Events (handlers/events.cpp, event_registration.cpp, event_participants.cpp).
        // Each also answers its PHP /event/... alias (with_php_aliases).
        {"GET", "/events/create", show_create_event, "create_event", A::user},
        {"POST", "/events/create", create_event, "create_event_post", A::user},
        {"GET", "/events/duplicate/{id}", show_duplicate_event, "duplicate_event", A::user},
        {"GET", "/events/edit/{id}", show_edit_event, "edit_event", A::user},
        {"POST", "/events/edit/{id}", edit_event, "edit_event_post", A::user},
        {"GET", "/events/delete/{id}", show_delete_event, "delete_event", A::user},
        {"POST", "/events/delete/{id}", delete_event, "delete_event_post", A::user},
        {"GET", "/events/manage/{id}", manage_event, "manage_event", A::user},
        {"GET", "/events/manage/{id}/participants.csv", export_participants_csv, "participants_csv", A::user},
        {"POST", "/events/manage/{id}/participants/{uid}/approve", approve_participant, "approve_participant", A::user},
        {"GET", "/events/manage/{id}/participants/{uid}/decline", show_decline_participant, "confirm_decline_participant", A::user},
        {"POST", "/events/manage/{id}/participants/{uid}/decline", decline_participant, "decline_participant", A::user},
        {"POST", "/events/manage/{id}/participants/{uid}/remove", remove_participant, "remove_participant", A::user},
        {"GET", "/events/register/{eventkey}", show_register_event, "register_event", A::anyone},
        {"GET", "/events/register/{eventkey}/calendar.ics", show_event_ics, "event_ics", A::anyone},
        {"POST", "/events/register/{eventkey}", register_for_event, "register_event_post", A::user},
        {"GET", "/events/cancel/{id}", show_cancel_registration, "cancel_registration", A::user},
        {"POST", "/events/cancel/{id}", cancel_registration, "cancel_registration_post", A::user},
        {"GET", "/e/{eventkey}", show_register_event, "event_short_link", A::anyone},
        {"GET", "/dashboard", show_dashboard, "dashboard", A::user},
        {"GET", "/dashboard/badges", show_badges, "badges", A::user},
        {"GET", "/api/events", list_api_events, "api_events", A::user},
        {"POST", "/api/events", create_api_event, "api_create_event", A::user},
        {"GET", "/api/events/{id}", show_api_event, "api_event", A::user},
        {"PATCH", "/api/events/{id}", update_api_event, "api_update_event", A::user},
        {"GET", "/api/events/{id}/participants", list_api_participants, "api_event_participants", A::user},
        {"POST", "/api/events/{key}/registrations", create_api_registration, "api_register_event", A::user},
        {"DELETE", "/api/events/{key}/registrations", delete_api_registration, "api_cancel_registration", A::user},
        {"GET", "/_test/crash", test_crash, "test_crash", A::anyone, nullptr, true},
        {"GET", "/_test/sleep", test_sleep, "test_sleep", A::anyone, nullptr, true},
        {"GET", "/_test/header", test_header, "test_header", A::anyone, nullptr, true},
        {"GET", "/_test/stream", test_stream, "test_stream", A::anyone, nullptr, true},
    });
    // clang-format on
    return table;
}

}  // namespace ems
