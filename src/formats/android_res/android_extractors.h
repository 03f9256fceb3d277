// The two Android resource formats as extractors: each renders its string values as labelled
// text lines (`@string/twilio_auth_token = "…"`, `com.twilio.AUTH_TOKEN = "…"`) so resource names
// and manifest meta-data names act as keyword context for the rules.
#pragma once

#include <memory>

#include "formats/extractor.h"

namespace keysweep {

std::unique_ptr<Extractor> make_arsc_extractor();
std::unique_ptr<Extractor> make_axml_extractor();

}  // namespace keysweep
