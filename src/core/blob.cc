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

std::string_view Blob::label_at(uint64_t offset) const {
  auto it = std::upper_bound(segments_.begin(), segments_.end(), offset,
                             [](uint64_t off, const Segment& s) { return off < s.offset; });
  if (it == segments_.begin()) return {};
  return std::prev(it)->label;
}

}  // namespace keysweep
