// Reads the places where a text gives a name a value, in the syntaxes people write credentials in:
//   source and config assignments    password = "x"   PASSWORD=x   password: x   $pw .= 'x'
//                                    "password": "x"  {\"password\":\"x\"}  :password => 'x'
//   calls and maps                   put("api_key", "x")   []byte("x")   new Guid("x")
//   XML                              <password>x</password>  <string name="api_key">x</string>
//                                    <add key="Password" value="x"/>
//   command lines and SQL            mysql -px   --password x   curl -u user:x   IDENTIFIED BY 'x'
//                                    ConvertTo-SecureString "x" -AsPlainText
//   HTTP                             Authorization: Bearer x   Basic x   https://user:x@host
// It knows syntax only: which names matter and whether a value is a credential is the scorer's
// job (name_vocabulary.h, scorer.h). It works on one line at a time, so a value never pairs with a
// name on another line, except where a format puts a one-line value under its name (a YAML block
// scalar, an XML element's text on a line of its own: may_open_next_line_value); and it never looks
// past the text it is given, so a 100 MB minified line costs what the caller's window costs.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace keysweep::context {

enum class Syntax : uint8_t {
  kAssignment,   // name <op> value: = : := => ?= .= += and "name": value
  kPairArgs,     // "name", "value" (a map put, a header setter)
  kCall,         // name = Wrapper("value"): the literal inside a call
  kXml,          // <name>value</name>, <string name="name">value</string>, key=/value= attributes
  kCommandLine,  // --password value, -pvalue, curl -u user:value
  kSql,          // IDENTIFIED BY 'value', PASSWORD 'value'
  kSecureString, // ConvertTo-SecureString "value" -AsPlainText
  kAuthHeader,   // Bearer value, Basic value, Token value
  kUrl,          // scheme://user:value@host
};
const char* syntax_name(Syntax s);

enum class Quote : uint8_t { kNone, kDouble, kSingle, kBacktick, kEscapedDouble, kEntity };

// What the syntax alone says the value is, when it says it (a SQL IDENTIFIED BY is a password
// whatever the surrounding names).
enum class Implied : uint8_t { kNone, kPassword, kToken };

struct Assignment {
  std::string_view name;     // as written, without quotes; may be dotted (spring.datasource.password)
  std::string_view value;    // without quotes and without an auth scheme word
  uint32_t value_offset = 0; // of value in the text given to read_assignments
  Syntax syntax = Syntax::kAssignment;
  Quote quote = Quote::kNone;
  Implied implied = Implied::kNone;
  std::string_view wrapper;  // the call around a literal value (getenv, Guid, byte), if any
  std::string_view scheme;   // the auth scheme before the value (Bearer, Basic), if any
  bool in_comment = false;   // the line is a comment (//, #, *, --, <!--): prose or disabled config
};

// Appends every assignment found in `text` (one or more lines) to `out`. Values longer than
// kMaxValue are cut there; the caller decides what is too long to be a credential.
// `name_filter`, when given, is asked about each name before its value is read: a scan passes
// features.h's could_name_credential, so the `i = 0` and `x: int` of ordinary code cost a name
// check, not a value parse and a record. Syntaxes that imply a credential (SQL, curl -u, URLs,
// auth schemes) are not filtered.
constexpr size_t kMaxValue = 1024;
using NameFilter = bool (*)(std::string_view name);
void read_assignments(std::string_view text, std::vector<Assignment>& out,
                      NameFilter name_filter = nullptr);

// Whether `line` may give its name a value on the line after it: it ends in a YAML block
// scalar's `|` or `>` (an indicator or two may follow) or in an XML tag's `>`. read_assignments
// then reads the next lines for a one-line value (`token: |` / `  value`, `<token>` / `  value` /
// `</token>`), so a caller that hands it a region ending at such a line extends it by two lines.
bool may_open_next_line_value(std::string_view line);

// A delimited table (CSV, TSV): a row's field under its column's header, the columns whose header
// passes `name_filter` (`User name,Password,...` then `deploy,Xk9#mP2$vLq7,...`, as AWS's
// credentials.csv and many a user dump are). The header is the first line, the delimiter the one
// of `,` `;` tab it holds most; a field may be double-quoted. A header field must read as a
// column's name (a letter first, then letters, digits, spaces and _ - . ( ); 64 bytes at most),
// so a table without a header row yields nothing. Linear in the text.
void read_table_columns(std::string_view text, std::vector<Assignment>& out,
                        NameFilter name_filter);
// Whether `path` names a delimited table (.csv, .tsv), whose columns read_table_columns reads.
bool is_delimited_table(std::string_view path);

}  // namespace keysweep::context
