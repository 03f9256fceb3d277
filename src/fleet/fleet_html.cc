#include <string_view>

#include "core/secret.h"
#include "fleet/fleet_output.h"

namespace keysweep::fleet {

namespace {

// report.html, embedded at build time (CMakeLists.txt): one page with a placeholder for the data.
constexpr std::string_view kTemplate =
#include "report_html.inc"
    ;
constexpr std::string_view kPlaceholder = "/*@REPORT_DATA@*/";

// Every string the page shows escaped as the terminal and CSV reports show it (printable_name):
// the page sets textContent, so markup is never an issue, but a file name holding ESC, a newline
// or a bidirectional override would still read as something else.
void escape_strings(nlohmann::ordered_json& j) {
  if (j.is_string()) j = printable_name(j.get_ref<const std::string&>());
  else if (j.is_structured())
    for (auto& v : j) escape_strings(v);
}

}  // namespace

std::string report_html(const nlohmann::ordered_json& original) {
  nlohmann::ordered_json report = original;
  escape_strings(report);
  // Inside <script type="application/json"> only "</" (a closing tag) and "<!--" can end or bend
  // the element early; escaping every '<' as \u003c keeps the JSON equal and the page intact.
  std::string data = report.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  std::string escaped;
  escaped.reserve(data.size());
  for (char c : data) {
    if (c == '<') escaped += "\\u003c";
    else escaped += c;
  }
  std::string page(kTemplate);
  auto at = page.find(kPlaceholder);
  if (at != std::string::npos) page.replace(at, kPlaceholder.size(), escaped);
  return page;
}

}  // namespace keysweep::fleet
