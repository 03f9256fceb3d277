// Weighs a context candidate (features.h) with the scoring model, which is data
// (scorer_model.txt, trained by scripts/train_context_model.py on labelled lines and checked when
// the binary is built):
//   logit = bias + sum(weight[f] * feature[f]) + sum over trees(leaf value)
// Boosted regression trees carry what the labelled data teaches (scikit-learn's histogram gradient
// boosting, depth 3, with monotone constraints); the linear weights carry the few priors set by design (a test file lowers
// confidence, an environment lookup is not a secret). A file with no trees is a plain logistic
// regression. The probability's thresholds turn it into "not reported", low, medium or high
// confidence, and each feature's share of the logit (exact for the linear part, the path
// attribution of Saabas for the trees) gives the finding's signals, so a reader sees why.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "context/features.h"
#include "keysweep/error.h"
#include "keysweep/finding.h"

namespace keysweep::context {

// One node of a regression tree. A split sends `feature <= threshold` left. `value` is the node's
// mean output (a leaf's is its output), used to attribute each split's change to its feature.
struct TreeNode {
  int16_t feature = -1;  // -1: a leaf
  uint16_t left = 0, right = 0;  // indices into ScorerModel::nodes
  double threshold = 0;
  double value = 0;
};

// The same trees laid out for speed, built by the parser: every tree padded to one depth and
// stored breadth-first, so a tree is walked with no branch to mispredict (child = 2i+1 + (f > t))
// and all of them fit in the first-level cache. A padding split always goes left (threshold
// +inf). Thresholds are the largest float not above the model's double threshold, so a float
// feature goes the same way as it would in the node walk; leaves stay double.
struct FlatTrees {
  unsigned depth = 0;                 // 0: no trees, or too deep to flatten (the node walk is used)
  std::vector<uint8_t> feature;       // (2^depth - 1) splits per tree
  std::vector<float> threshold;
  std::vector<double> leaf;           // 2^depth leaves per tree
  // most_after[t]: the sum of the largest leaf of every tree from t on (trees + 1 values), the
  // most the trees not summed yet could still add.
  std::vector<double> most_after;
};

struct ScorerModel {
  double bias = 0;
  std::array<double, kFeatureCount> weights{};
  std::vector<TreeNode> nodes;        // every tree's nodes, each tree's root first
  std::vector<uint32_t> tree_roots;   // index of each tree's root in `nodes`
  FlatTrees flat;                     // the trees again, for score()
  double report = 0.5;  // below: not reported
  double medium = 0.7;  // from here: medium confidence
  double high = 0.9;    // from here: high confidence
};

// Parses a model file: `bias W`, `weight NAME W` for every feature, optionally trees (`tree`, then
// its nodes in order: `split NAME THRESHOLD LEFT RIGHT VALUE` or `leaf VALUE`, children numbered
// within the tree and after their parent), and `threshold report|medium|high P`. Unknown or
// repeated names, missing weights, children out of range and falling thresholds are errors naming
// the source and line.
Result<ScorerModel> parse_scorer_model(std::string_view text, std::string_view source);

// The model built into the binary (checked at build time, so this cannot fail at run time).
const ScorerModel& builtin_scorer_model();

// Lays the trees of a model filled in field by field out for score() (parse_scorer_model does this
// itself): the built-in model is generated as C++ data, not parsed at run time (parsing the text
// cost 12 M instructions, most of a small scan's context stage).
void flatten_scorer_trees(ScorerModel& model);

struct Score {
  double probability = 0;
  std::optional<Confidence> confidence;  // empty: below the report threshold
};
Score score(const ScorerModel& model, const FeatureVector& features);
// score() for a candidate that can reach the report threshold; nullopt for one that cannot, found
// out early when it can: the trees are summed in score()'s order, and the sum stops once even the
// largest leaves of the trees left could not lift the logit to the threshold. A resource table's
// translated UI strings are scored by the thousand and reported never.
std::optional<Score> score_if_reportable(const ScorerModel& model, const FeatureVector& features);

// A feature's share of the logit, and whether the feature was present (non-zero) in the candidate.
struct Contribution {
  Feature feature;
  double logit;
  bool present;
};
// The features that moved the logit by at least 0.5, strongest first, at most `max`.
std::vector<Contribution> strongest_contributions(const ScorerModel& model,
                                                  const FeatureVector& features, size_t max);
// "+the name says password", "-not: holds a digit": a finding's signal.
std::string signal_text(const Contribution& c);

// A contribution packed into one byte for a match record (sign = raised or lowered, magnitude =
// feature + 1, +64 when the feature was absent); 0 = none.
int8_t encode_signal(const Contribution& c);
std::optional<Contribution> decode_signal(int8_t code);

}  // namespace keysweep::context
