// The manage page's small chart of registrations over time (issue 13): the
// cumulative count of the list's entries by the day they joined, as inline
// SVG path data (no JavaScript, no image request).
#pragma once
#include <optional>

#include "storage/file_storage.hpp"
#include "views/pages.hpp"

namespace ems {

// None when no entry has a joined_at date. Computed once per version of
// the list in this process (the paged page asks on every view).
std::optional<pages::Chart> registrations_chart(const storage::ParticipantList& list);

}  // namespace ems
