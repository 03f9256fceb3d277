// CSV fields (RFC 4180), shared by the scan's CSV reporter and the fleet report's CSV.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace keysweep {

// A field holding a comma or a double quote is quoted and its quotes doubled. Every field is
// escaped with printable_name first (valid UTF-8, no control character): spreadsheet imports do
// not choke on a file name from a foreign archive, and a name holding a newline or ESC neither
// breaks a line-based reader nor drives the terminal `cat` prints it on.
std::string csv_field(std::string_view raw);

// The fields, comma-separated, and CRLF.
void csv_row(std::ostream& out, const std::vector<std::string>& fields);

}  // namespace keysweep
