#include "context/scorer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace keysweep::context {

namespace {

constexpr size_t kMaxTrees = 4096;
constexpr size_t kMaxNodesPerTree = 1024;
// Deeper trees are walked node by node: padded to 2^depth leaves each they would outgrow the cache.
constexpr unsigned kMaxFlatDepth = 6;

unsigned tree_depth(const std::vector<TreeNode>& nodes, size_t i) {
  const TreeNode& n = nodes[i];
  if (n.feature < 0) return 0;
  return 1 + std::max(tree_depth(nodes, n.left), tree_depth(nodes, n.right));
}

float float_at_or_below(double t) {
  float f = static_cast<float>(t);
  if (static_cast<double>(f) > t) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
  return f;
}

// Copies node `i` (and its subtree) to breadth-first position `at` of a tree padded to `depth`.
void flatten_node(const std::vector<TreeNode>& nodes, size_t i, size_t at, unsigned level,
                  unsigned depth, size_t split_base, size_t leaf_base, FlatTrees& out) {
  const TreeNode& n = nodes[i];
  if (level == depth) {
    out.leaf[leaf_base + at - ((size_t{1} << depth) - 1)] = n.value;
    return;
  }
  if (n.feature < 0) {  // a leaf above the bottom: a split that always goes left, same leaf below
    out.feature[split_base + at] = 0;
    out.threshold[split_base + at] = std::numeric_limits<float>::infinity();
    flatten_node(nodes, i, 2 * at + 1, level + 1, depth, split_base, leaf_base, out);
    flatten_node(nodes, i, 2 * at + 2, level + 1, depth, split_base, leaf_base, out);
    return;
  }
  out.feature[split_base + at] = static_cast<uint8_t>(n.feature);
  out.threshold[split_base + at] = float_at_or_below(n.threshold);
  flatten_node(nodes, n.left, 2 * at + 1, level + 1, depth, split_base, leaf_base, out);
  flatten_node(nodes, n.right, 2 * at + 2, level + 1, depth, split_base, leaf_base, out);
}

void flatten_trees(ScorerModel& m) {
  static_assert(kFeatureCount <= 256, "FlatTrees stores feature indices in a byte");
  FlatTrees& flat = m.flat;
  flat = {};
  unsigned depth = 0;
  for (uint32_t root : m.tree_roots) depth = std::max(depth, tree_depth(m.nodes, root));
  if (m.tree_roots.empty() || depth == 0 || depth > kMaxFlatDepth) return;
  const size_t splits = (size_t{1} << depth) - 1, leaves = size_t{1} << depth;
  flat.feature.resize(splits * m.tree_roots.size());
  flat.threshold.resize(splits * m.tree_roots.size());
  flat.leaf.resize(leaves * m.tree_roots.size());
  for (size_t t = 0; t < m.tree_roots.size(); ++t)
    flatten_node(m.nodes, m.tree_roots[t], 0, 0, depth, t * splits, t * leaves, flat);
  flat.most_after.assign(m.tree_roots.size() + 1, 0.0);
  for (size_t t = m.tree_roots.size(); t-- > 0;) {
    const double* leaf = flat.leaf.data() + t * leaves;
    flat.most_after[t] = flat.most_after[t + 1] + *std::max_element(leaf, leaf + leaves);
  }
  flat.depth = depth;
}
static_assert(kFeatureCount < 64, "signal codes keep the feature in 6 bits");

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

std::optional<size_t> feature_index(std::string_view name) {
  for (size_t i = 0; i < kFeatureCount; ++i)
    if (feature_name(static_cast<Feature>(i)) == name) return i;
  return std::nullopt;
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
  // Children are numbered within their tree; they are checked and made absolute when the tree ends.
  size_t tree_start = 0;
  auto close_tree = [&]() -> std::optional<std::string> {
    if (m.tree_roots.empty()) return std::nullopt;
    size_t n = m.nodes.size() - tree_start;
    if (n == 0) return std::string("a tree with no nodes");
    for (size_t k = tree_start; k < m.nodes.size(); ++k) {
      TreeNode& node = m.nodes[k];
      if (node.feature < 0) continue;
      size_t local = k - tree_start;
      if (node.left <= local || node.right <= local || node.left >= n || node.right >= n)
        return "tree " + std::to_string(m.tree_roots.size()) + ": node " + std::to_string(local) +
               " has a child out of range (children come after their parent, within the tree)";
      node.left = static_cast<uint16_t>(node.left + tree_start);
      node.right = static_cast<uint16_t>(node.right + tree_start);
    }
    return std::nullopt;
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
      auto i = feature_index(parts[1]);
      if (!i) return fail("unknown feature '" + std::string(parts[1]) + "'");
      if (seen[*i]) return fail("feature '" + std::string(parts[1]) + "' given twice");
      seen[*i] = true;
      m.weights[*i] = *v;
    } else if (parts[0] == "tree" && parts.size() == 1) {
      if (auto e = close_tree()) return fail(*e);
      if (m.tree_roots.size() >= kMaxTrees) return fail("more than " + std::to_string(kMaxTrees) + " trees");
      tree_start = m.nodes.size();
      m.tree_roots.push_back(static_cast<uint32_t>(tree_start));
    } else if ((parts[0] == "split" && parts.size() == 6) || (parts[0] == "leaf" && parts.size() == 2)) {
      if (m.tree_roots.empty()) return fail("a node before the first 'tree'");
      if (m.nodes.size() - tree_start >= kMaxNodesPerTree)
        return fail("a tree of more than " + std::to_string(kMaxNodesPerTree) + " nodes");
      if (m.nodes.size() >= 65535) return fail("more than 65535 nodes in all");
      TreeNode node;
      auto value = parse_double(parts.back());
      if (!value) return fail("node value is not a number");
      node.value = *value;
      if (parts[0] == "split") {
        auto i = feature_index(parts[1]);
        if (!i) return fail("unknown feature '" + std::string(parts[1]) + "'");
        auto threshold = parse_double(parts[2]);
        auto left = parse_double(parts[3]), right = parse_double(parts[4]);
        if (!threshold || !left || !right || *left < 0 || *right < 0 || *left > 65535 || *right > 65535)
          return fail("split needs a numeric threshold and child indices");
        node.feature = static_cast<int16_t>(*i);
        node.threshold = *threshold;
        node.left = static_cast<uint16_t>(*left);
        node.right = static_cast<uint16_t>(*right);
      }
      m.nodes.push_back(node);
    } else if (parts[0] == "threshold" && parts.size() == 3) {
      auto v = parse_double(parts[2]);
      if (!v || *v <= 0 || *v >= 1) return fail("threshold must be a probability between 0 and 1");
      if (parts[1] == "report") m.report = *v, have_threshold[0] = true;
      else if (parts[1] == "medium") m.medium = *v, have_threshold[1] = true;
      else if (parts[1] == "high") m.high = *v, have_threshold[2] = true;
      else return fail("unknown threshold '" + std::string(parts[1]) + "'");
    } else {
      return fail("expected 'bias W', 'weight NAME W', 'tree', 'split NAME T LEFT RIGHT V', 'leaf V' "
                  "or 'threshold report|medium|high P'");
    }
  }
  if (auto e = close_tree()) return fail(*e);
  line_no = 0;
  if (!have_bias) return fail("no bias");
  for (size_t i = 0; i < kFeatureCount; ++i)
    if (!seen[i]) return fail("no weight for feature '" + std::string(feature_name(static_cast<Feature>(i))) + "'");
  if (!have_threshold[0] || !have_threshold[1] || !have_threshold[2])
    return fail("thresholds report, medium and high are all required");
  if (!(m.report <= m.medium && m.medium <= m.high)) return fail("thresholds must rise: report <= medium <= high");
  flatten_trees(m);
  return m;
}

void flatten_scorer_trees(ScorerModel& model) { flatten_trees(model); }

namespace {

// Walks every tree; `on_split(feature, change)` is told each split's change of the node value.
// Returns the sum of the leaves reached.
template <typename OnSplit>
double walk_trees(const ScorerModel& model, const FeatureVector& f, OnSplit&& on_split) {
  double sum = 0;
  for (uint32_t root : model.tree_roots) {
    const TreeNode* node = &model.nodes[root];
    while (node->feature >= 0) {
      const TreeNode* next = &model.nodes[f[static_cast<size_t>(node->feature)] <= node->threshold
                                              ? node->left
                                              : node->right];
      on_split(static_cast<size_t>(node->feature), next->value - node->value);
      node = next;
    }
    sum += node->value;
  }
  return sum;
}

}  // namespace

namespace {

// How often the sum checks whether the trees left could still reach `stop_below`: each check
// costs about what a tree does.
constexpr size_t kStopCheckEvery = 16;

// The trees' sum, added in tree order. With `stop_below`: nullopt as soon as `base` + the sum so
// far + the most the trees left could add is below it (the sum, when returned, is the same).
std::optional<double> sum_flat_trees(const FlatTrees& flat, const FeatureVector& f,
                                     double base = 0,
                                     double stop_below = -std::numeric_limits<double>::infinity()) {
  const size_t splits = (size_t{1} << flat.depth) - 1, leaves = splits + 1;
  const size_t trees = flat.leaf.size() / leaves;
  const uint8_t* feature = flat.feature.data();
  const float* threshold = flat.threshold.data();
  auto cannot_reach = [&](size_t next, double sum) {
    return next % kStopCheckEvery == 0 && base + sum + flat.most_after[next] < stop_below;
  };
  double sum = 0;
  if (flat.depth == 3) {
    // The built-in model's depth, unrolled: the same walk and the same order of additions, without
    // the level loop (a scored candidate walks 300 trees).
    const double* leaf = flat.leaf.data();
    for (size_t t = 0; t < trees; ++t, feature += 7, threshold += 7, leaf += 8) {
      size_t at = 1 + static_cast<size_t>(f[feature[0]] > threshold[0]);
      at = 2 * at + 1 + static_cast<size_t>(f[feature[at]] > threshold[at]);
      at = 2 * at + 1 + static_cast<size_t>(f[feature[at]] > threshold[at]);
      sum += leaf[at - 7];
      if (cannot_reach(t + 1, sum)) return std::nullopt;
    }
    return sum;
  }
  for (size_t t = 0; t < trees; ++t, feature += splits, threshold += splits) {
    size_t at = 0;
    for (unsigned level = 0; level < flat.depth; ++level)
      at = 2 * at + 1 + static_cast<size_t>(f[feature[at]] > threshold[at]);
    sum += flat.leaf[t * leaves + at - splits];
    if (cannot_reach(t + 1, sum)) return std::nullopt;
  }
  return sum;
}

Score score_from_logit(const ScorerModel& model, double z) {
  Score s;
  s.probability = 1.0 / (1.0 + std::exp(-z));
  if (s.probability >= model.high) s.confidence = Confidence::kHigh;
  else if (s.probability >= model.medium) s.confidence = Confidence::kMedium;
  else if (s.probability >= model.report) s.confidence = Confidence::kLow;
  return s;
}

}  // namespace

Score score(const ScorerModel& model, const FeatureVector& f) {
  double z = model.bias;
  for (size_t i = 0; i < kFeatureCount; ++i) z += model.weights[i] * f[i];
  z += model.flat.depth ? *sum_flat_trees(model.flat, f) : walk_trees(model, f, [](size_t, double) {});
  return score_from_logit(model, z);
}

std::optional<Score> score_if_reportable(const ScorerModel& model, const FeatureVector& f) {
  double z = model.bias;
  for (size_t i = 0; i < kFeatureCount; ++i) z += model.weights[i] * f[i];
  if (!model.flat.depth || !(model.report > 0 && model.report < 1)) {
    Score s = score(model, f);
    if (!s.confidence) return std::nullopt;
    return s;
  }
  // The logit where the probability reaches the report threshold, less a margin far wider than
  // the rounding of either sum: what stops early is below the threshold by construction.
  const double stop_below = std::log(model.report / (1 - model.report)) - 1e-6;
  const std::optional<double> trees = sum_flat_trees(model.flat, f, z, stop_below);
  if (!trees) return std::nullopt;
  Score s = score_from_logit(model, z + *trees);
  if (!s.confidence) return std::nullopt;
  return s;
}

std::vector<Contribution> strongest_contributions(const ScorerModel& model, const FeatureVector& f,
                                                  size_t max) {
  std::array<double, kFeatureCount> share{};
  for (size_t i = 0; i < kFeatureCount; ++i) share[i] = model.weights[i] * f[i];
  walk_trees(model, f, [&](size_t feature, double change) { share[feature] += change; });
  std::vector<Contribution> out;
  for (size_t i = 0; i < kFeatureCount; ++i)
    if (std::fabs(share[i]) >= 0.5) out.push_back({static_cast<Feature>(i), share[i], f[i] != 0});
  std::sort(out.begin(), out.end(),
            [](const Contribution& a, const Contribution& b) { return std::fabs(a.logit) > std::fabs(b.logit); });
  if (out.size() > max) out.resize(max);
  return out;
}

std::string signal_text(const Contribution& c) {
  std::string s = c.logit > 0 ? "+" : "-";
  // A graded feature (length, entropy) is always present; a yes/no one may weigh by its absence.
  if (!c.present && !is_graded(c.feature)) s += "not: ";
  s += feature_text(c.feature);
  return s;
}

int8_t encode_signal(const Contribution& c) {
  int code = static_cast<int>(c.feature) + 1 + (c.present ? 0 : 64);
  return static_cast<int8_t>(c.logit > 0 ? code : -code);
}

std::optional<Contribution> decode_signal(int8_t code) {
  if (code == 0) return std::nullopt;
  int magnitude = code > 0 ? code : -code;
  bool present = magnitude <= 64;
  int feature = (present ? magnitude : magnitude - 64) - 1;
  if (feature < 0 || static_cast<size_t>(feature) >= kFeatureCount) return std::nullopt;
  return Contribution{static_cast<Feature>(feature), code > 0 ? 1.0 : -1.0, present};
}

}  // namespace keysweep::context
