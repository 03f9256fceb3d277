// Weighs a context candidate (features.h) with the scoring model: a logistic regression whose
// weights are data (scorer_model.txt, trained by scripts/train_context_model.py on labelled lines
// and checked when the binary is built). The score is a probability; the model's thresholds turn
// it into "not reported", low, medium or high confidence, and the features that moved it most are
// the finding's signals, so a reader can see why keysweep believed it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "context/features.h"
#include "keysweep/error.h"
#include "keysweep/finding.h"

namespace keysweep::context {

struct ScorerModel {
  double bias = 0;
  std::array<double, kFeatureCount> weights{};
  double report = 0.5;  // below: not reported
  double medium = 0.7;  // from here: medium confidence
  double high = 0.9;    // from here: high confidence
};

// Parses a model file: `bias W`, `weight NAME W` for every feature and `threshold
// report|medium|high P`. Every feature must have a weight, no name may be unknown or repeated,
// and the thresholds must rise; the error names the source and line.
Result<ScorerModel> parse_scorer_model(std::string_view text, std::string_view source);

// The model built into the binary (checked at build time, so this cannot fail at run time).
const ScorerModel& builtin_scorer_model();

struct Score {
  double probability = 0;
  std::optional<Confidence> confidence;  // empty: below the report threshold
};
Score score(const ScorerModel& model, const FeatureVector& features);

// A feature's share of the score: weight x value, in logits.
struct Contribution {
  Feature feature;
  double logit;
};
// The yes/no features (not the graded ones) that moved the score by at least 0.5 logits,
// strongest first, at most `max`.
std::vector<Contribution> strongest_contributions(const ScorerModel& model,
                                                  const FeatureVector& features, size_t max);
// "+the name says password", "-a test, fixture, mock or example file": a finding's signal.
std::string signal_text(Feature feature, bool raised);

}  // namespace keysweep::context
