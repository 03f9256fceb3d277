// CSV fields (RFC 4180), shared by the scan's CSV reporter and the fleet report's CSV.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace keysweep {

// A field holding a comma, a double quote, CR or LF is quoted and its quotes doubled; everything
// is written as valid UTF-8 so spreadsheet imports do not choke on a file name from a foreign
// archive.
std::string csv_field(std::string_view raw);

// The fields, comma-separated, and CRLF.
void csv_row(std::ostream& out, const std::vector<std::string>& fields);

}  // namespace keysweep
