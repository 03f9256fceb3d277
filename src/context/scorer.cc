#include "context/scorer.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace keysweep::context {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::optional<double> parse_double(std::string_view s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

Result<ScorerModel> parse_scorer_model(std::string_view text, std::string_view source) {
  ScorerModel m;
  std::array<bool, kFeatureCount> seen{};
  bool have_bias = false;
  std::array<bool, 3> have_threshold{};
  size_t line_no = 0;
  auto fail = [&](const std::string& why) {
    return make_error(ErrorCode::kConfig,
                      (line_no ? "line " + std::to_string(line_no) + ": " : std::string()) + why,
                      std::string(source));
  };
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string_view> parts;
    while (!line.empty()) {
      size_t sp = line.find_first_of(" \t");
      parts.push_back(line.substr(0, sp));
      line = trim(sp == std::string_view::npos ? std::string_view() : line.substr(sp));
    }
    if (parts[0] == "bias" && parts.size() == 2) {
      auto v = parse_double(parts[1]);
      if (!v) return fail("bias is not a number");
      m.bias = *v;
      have_bias = true;
    } else if (parts[0] == "weight" && parts.size() == 3) {
      auto v = parse_double(parts[2]);
      if (!v) return fail("weight of '" + std::string(parts[1]) + "' is not a number");
      size_t i = 0;
      while (i < kFeatureCount && feature_name(static_cast<Feature>(i)) != parts[1]) ++i;
      if (i == kFeatureCount) return fail("unknown feature '" + std::string(parts[1]) + "'");
      if (seen[i]) return fail("feature '" + std::string(parts[1]) + "' given twice");
      seen[i] = true;
      m.weights[i] = *v;
    } else if (parts[0] == "threshold" && parts.size() == 3) {
      auto v = parse_double(parts[2]);
      if (!v || *v <= 0 || *v >= 1) return fail("threshold must be a probability between 0 and 1");
      if (parts[1] == "report") m.report = *v, have_threshold[0] = true;
      else if (parts[1] == "medium") m.medium = *v, have_threshold[1] = true;
      else if (parts[1] == "high") m.high = *v, have_threshold[2] = true;
      else return fail("unknown threshold '" + std::string(parts[1]) + "'");
    } else {
      return fail("expected 'bias W', 'weight NAME W' or 'threshold report|medium|high P'");
    }
  }
  line_no = 0;
  if (!have_bias) return fail("no bias");
  for (size_t i = 0; i < kFeatureCount; ++i)
    if (!seen[i]) return fail("no weight for feature '" + std::string(feature_name(static_cast<Feature>(i))) + "'");
  if (!have_threshold[0] || !have_threshold[1] || !have_threshold[2])
    return fail("thresholds report, medium and high are all required");
  if (!(m.report <= m.medium && m.medium <= m.high)) return fail("thresholds must rise: report <= medium <= high");
  return m;
}

Score score(const ScorerModel& model, const FeatureVector& f) {
  double z = model.bias;
  for (size_t i = 0; i < kFeatureCount; ++i) z += model.weights[i] * f[i];
  Score s;
  s.probability = 1.0 / (1.0 + std::exp(-z));
  if (s.probability >= model.high) s.confidence = Confidence::kHigh;
  else if (s.probability >= model.medium) s.confidence = Confidence::kMedium;
  else if (s.probability >= model.report) s.confidence = Confidence::kLow;
  return s;
}

std::vector<Contribution> strongest_contributions(const ScorerModel& model, const FeatureVector& f,
                                                  size_t max) {
  std::vector<Contribution> out;
  for (size_t i = 0; i < kFeatureCount; ++i) {
    double c = model.weights[i] * f[i];
    if (!is_graded(static_cast<Feature>(i)) && std::fabs(c) >= 0.5) out.push_back({static_cast<Feature>(i), c});
  }
  std::sort(out.begin(), out.end(),
            [](const Contribution& a, const Contribution& b) { return std::fabs(a.logit) > std::fabs(b.logit); });
  if (out.size() > max) out.resize(max);
  return out;
}

std::string signal_text(Feature feature, bool raised) {
  return (raised ? "+" : "-") + std::string(feature_text(feature));
}

}  // namespace keysweep::context
