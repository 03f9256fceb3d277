// Walking CIL method bodies (ECMA-335 partition III) far enough to find their `ldstr`
// instructions, which name the #US literal a method loads.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

namespace keysweep {

// Calls `on_ldstr(us_offset)` for each ldstr in `code` (the IL after the method header). Returns
// false at an opcode the standard does not define or an operand cut short: the rest of the body
// is not read, and its literals keep their "#US" labels.
bool walk_il_for_ldstr(std::string_view code, const std::function<void(uint32_t)>& on_ldstr);

}  // namespace keysweep
