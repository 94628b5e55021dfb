#pragma once

// Bytes a guest wrote (a grub.cfg title or path, an ELF note name, a file
// name or symlink target from a guest disk) made safe for an error line or a
// log: nothing in the result can move the user's cursor, change colours,
// end the line or cut it short. Every message that quotes guest bytes goes
// through here, so there is one rule:
//   - printable ASCII stays, except '\\', which becomes "\\\\";
//   - \n \r \t become "\\n" "\\r" "\\t"; every other control byte (NUL, ESC,
//     DEL, ...) and every byte of invalid UTF-8 becomes "\\xHH";
//   - well-formed UTF-8 stays, except C1 controls (U+0080-U+009F, which some
//     terminals obey as CSI & co.) and the invisible format characters that
//     reorder or hide text (bidi controls, zero-width marks, line
//     separators, BOM), which become "\\u{XXXX}".
// Long texts are cut after `max_bytes` input bytes with "...[+N bytes]".

#include <cstddef>
#include <string>
#include <string_view>

namespace hvmtool::common {

inline constexpr std::size_t kGuestTextMax = 1024;

std::string guest_text(std::string_view bytes, std::size_t max_bytes = kGuestTextMax);

// guest_text in single quotes, with "'" inside escaped as "\\'": 'TEXT'.
std::string guest_quote(std::string_view bytes, std::size_t max_bytes = kGuestTextMax);

}  // namespace hvmtool::common
