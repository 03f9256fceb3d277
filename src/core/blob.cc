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
  return child_view_of(std::move(name), bytes, owner_);
}

Blob Blob::child_view_of(std::string name, std::string_view bytes,
                         std::shared_ptr<const void> owner) const {
  auto chain = chain_;
  chain.push_back(std::move(name));
  Blob b(bytes, std::move(owner), std::move(chain));
  b.app_ = app_;
  return b;
}

void Segments::push_back(const Segment& s) {
  constexpr size_t kMaxLabel = (size_t{1} << 24) - 1;
  std::string_view label = s.label.substr(0, kMaxLabel);
  last_writer_ = entries_.size();
  entries_.push_back(Entry{s.offset, labels_.size(), label.size()});
  labels_.append(label);
}

void Segments::push_back_label_of(uint64_t offset, size_t earlier) {
  Entry e = entries_[earlier];
  e.offset = offset;
  entries_.push_back(e);
}

void Segments::pop_back() {
  // Only the bytes the popped segment wrote itself are taken back: a shared label stays with the
  // segment that wrote it. (Bytes of a label written before the last one stay too, unused.)
  if (last_writer_ == entries_.size() - 1) {
    labels_.resize(entries_.back().label_begin);
    last_writer_ = kNoWriter;
  }
  entries_.pop_back();
}

void Segments::reserve(size_t segments, size_t label_bytes) {
  entries_.reserve(segments);
  labels_.reserve(label_bytes);
}

void Segments::clear() {
  entries_.clear();
  labels_.clear();
  last_writer_ = kNoWriter;
}

std::string_view Segments::label_at(uint64_t offset) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), offset,
                             [](uint64_t off, const Entry& e) { return off < e.offset; });
  if (it == entries_.begin()) return {};
  return (*this)[static_cast<size_t>(std::prev(it) - entries_.begin())].label;
}

}  // namespace keysweep
