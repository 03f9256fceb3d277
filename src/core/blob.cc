#include "core/blob.h"

#include <algorithm>

namespace keysweep {

Blob Blob::owning(std::string bytes, std::vector<std::string> chain) {
  auto buffer = std::make_shared<const std::string>(std::move(bytes));
  std::string_view view(*buffer);
  return Blob(view, std::move(buffer), std::move(chain));
}

std::string Blob::display_path() const {
  std::string out;
  for (size_t i = 0; i < chain_.size(); ++i) {
    if (i) out += '!';
    out += chain_[i];
  }
  return out;
}

Blob Blob::child(std::string name, std::string bytes) const {
  auto chain = chain_;
  chain.push_back(std::move(name));
  Blob b = owning(std::move(bytes), std::move(chain));
  b.app_ = app_;
  return b;
}

Blob Blob::child_view(std::string name, std::string_view bytes) const {
  auto chain = chain_;
  chain.push_back(std::move(name));
  Blob b(bytes, owner_, std::move(chain));
  b.app_ = app_;
  return b;
}

void Segments::push_back(const Segment& s) {
  constexpr size_t kMaxLabel = (size_t{1} << 24) - 1;
  std::string_view label = s.label.substr(0, kMaxLabel);
  entries_.push_back(Entry{s.offset, labels_.size(), label.size()});
  labels_.append(label);
}

void Segments::pop_back() {
  labels_.resize(entries_.back().label_begin);
  entries_.pop_back();
}

void Segments::reserve(size_t segments, size_t label_bytes) {
  entries_.reserve(segments);
  labels_.reserve(label_bytes);
}

void Segments::clear() {
  entries_.clear();
  labels_.clear();
}

std::string_view Segments::label_at(uint64_t offset) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), offset,
                             [](uint64_t off, const Entry& e) { return off < e.offset; });
  if (it == entries_.begin()) return {};
  return (*this)[static_cast<size_t>(std::prev(it) - entries_.begin())].label;
}

}  // namespace keysweep
