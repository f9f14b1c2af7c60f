// Whole-file writes that readers (and other writers) never see half done.
#pragma once

#include <filesystem>
#include <string_view>

namespace spur {

// Writes `bytes` to `path` through a temporary file with a name unique to this call (in the
// same folder) and a rename: a reader sees the old file or the new one, never a mix, and
// several processes writing the same path at once each land whole (the last rename wins).
// A failed write (disk full) removes its temporary file and throws Error(kUnavailable)
// naming `path`; the old file is left as it was.
void writeFileAtomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace spur
