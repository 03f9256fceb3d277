// Full-history git scans through the packs. libgit2 reads a pack one object at a time with a
// 16 MiB delta-base cache, so a history walk re-inflates delta bases over and over (see
// formats/gitpack/pack_reader.h for the figures). Here each pack is streamed the way
// `git index-pack` resolves it, every entry inflated once:
//   1. every tree, on all threads, kept parsed as compact rows (up to a budget; past it the walk
//      reads trees through libgit2 as before);
//   2. the same history walk as the libgit2 path (same attribution, order and diagnostics), with
//      trees and blob sizes served from the packs: it lists each blob to scan with its origin.
//      Its commits' diffs, blob sizes and standalone hints are read ahead on all threads; one
//      thread replays them in commit order (input/git_commit_diff.h).
//      A listed blob that is a standalone pack object (no delta base, no delta resolved from
//      it) is read and scanned at once by workers on all threads while the walk goes on: one
//      inflate either way, and the workers do not wait for the walk;
//   3. the blob chains holding the other listed blobs, on all threads, each listed blob scanned
//      as it is resolved under its real path (extractors and labels depend on the file name).
// Blobs the walk lists that no pack holds (loose objects, alternates, a corrupt entry) are read
// through libgit2 last; blobs in a pack that the walk never reaches are counted, not scanned.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "formats/gitpack/pack_reader.h"
#include "input/chunked_vector.h"
#include "input/git_blob_list.h"
#include "input/object_id_index.h"
#include "io/mapped_file.h"
#include "pipeline/git_scan_parts.h"

namespace keysweep {

namespace {

namespace fs = std::filesystem;
using gitpack::ObjectType;
using gitpack::PackFile;

// Tree rows kept for the walk (8 bytes an entry; past it libgit2 reads the rest): the benchmark's
// 133,864 trees were 168 MB raw.
constexpr uint64_t kTreeBudget = 1ull << 30;
constexpr uint32_t kNone = 0xffffffffu;

struct OpenPack {
  std::shared_ptr<const MappedFile> pack, idx;
  std::unique_ptr<PackFile> file;
};

// Between and during the steps, the pages of the packs read so far leave the resident set (see
// MappedFile::release): open() reads every page, and the walk's blob reads would bring the rest
// back; with libgit2 mapping the same pack for the commits, peak RSS was the pack twice over
// (issue 16: ~275 MiB of the 464 MiB peak on the million-blob history).
//
// Not the index's offset table: every step reads an object's offset (PackIndex::offset) for each
// object it reads or sizes, in index order, i.e. at random over the table. Released with the rest,
// its pages faulted back one by one after each release, a minor fault for most reads: keeping it
// took the scan of the three-million-object history from 42,072 to 35,027 CPU samples (perf,
// -j2), peak RSS unchanged. Kept, it is 4 bytes an object of resident file pages.
//
// `release_index` false: not the index at all, for the tree step, which looks up every tree entry's
// id in it at random (released during the step: 35,027 CPU samples on that history, 30,471 not;
// peak RSS unchanged, the step ends with a release of it all).
void release_pages(const std::vector<OpenPack>& packs, bool release_index = true) {
  for (const auto& p : packs) {
    p.pack->release();
    if (release_index) p.idx->release_except(p.file->index().offset_table());
  }
}
// How often while a step runs: every so many blobs listed by the walk; every so many chains or
// packed bytes of chains resolved. A chain's entries lie far apart in the pack, and a read maps
// more than its page (the kernel maps the cached pages around a fault, or a whole large folio):
// on the million-blob history, releasing every 16 MiB of chains still let the whole pack back in.
//
// These are the intervals for packs of up to 128 MiB (the million-blob history's 133 MB); larger
// packs scale them with their size. A release walks the page tables of the whole mapping and the
// pages in use fault back in after it, so its cost grows with the packs' size: at fixed intervals
// the number of releases grew with the objects too, and the two together made the ten-million-
// object history (1.36 GB of pack) cost 25 times the CPU of the million-object one. Scaled, a scan
// releases about as often per byte of pack whatever its size, and what stays resident between
// releases stays about the same share of the packs.
struct ReleaseIntervals {
  uint64_t blobs = 1u << 12;
  uint64_t chains = 256;
  uint64_t bytes = 16u << 20;
  explicit ReleaseIntervals(const std::vector<OpenPack>& packs) {
    uint64_t mapped = 0;
    for (const auto& p : packs) mapped += p.pack->bytes().size() + p.idx->bytes().size();
    const uint64_t scale = std::max<uint64_t>(1, mapped / (128u << 20));
    blobs *= scale;
    chains *= scale;
    bytes *= scale;
  }
};

// GITDIR/objects/pack/*.pack with their .idx. A pack that cannot be opened is left to libgit2,
// which reads (or reports) its objects as before.
std::vector<OpenPack> open_packs(const std::string& objects_dir, DiagnosticSink& diagnostics) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(objects_dir + "pack", ec))
    if (e.path().extension() == ".idx") names.push_back(e.path().string());
  std::sort(names.begin(), names.end());
  std::vector<OpenPack> packs;
  for (const auto& idx_path : names) {
    std::string pack_path = idx_path.substr(0, idx_path.size() - 4) + ".pack";
    auto idx = MappedFile::open(idx_path);
    auto pack = MappedFile::open(pack_path);
    if (!idx || !pack) continue;
    auto file = PackFile::open((*pack)->bytes(), (*idx)->bytes(), pack_path, diagnostics, {},
                               [&] { (*pack)->release(); });
    if (!file) continue;
    packs.push_back({*pack, *idx, std::move(*file)});
  }
  return packs;
}

// One unit of resolving: a chain of one pack.
struct ChainWork {
  const PackFile* pack;
  const PackFile::Chain* chain;
};

// Runs `body(thread, work)` over `work` on `jobs` threads, biggest chains first, releasing the
// packs' pages now and then.
template <class Body>
void run_chains(std::vector<ChainWork>& work, unsigned jobs, const std::vector<OpenPack>& packs,
                bool release_index, const Body& body) {
  const ReleaseIntervals every(packs);
  std::sort(work.begin(), work.end(), [](const ChainWork& a, const ChainWork& b) {
    return a.chain->packed_bytes > b.chain->packed_bytes;
  });
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> read{0};  // packed bytes
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < jobs; ++t)
    threads.emplace_back([&, t] {
      for (size_t i; (i = next.fetch_add(1)) < work.size();) {
        const uint64_t bytes = work[i].chain->packed_bytes;
        const uint64_t before = read.fetch_add(bytes, std::memory_order_relaxed);
        if (before / every.bytes != (before + bytes) / every.bytes || i % every.chains == every.chains - 1)
          release_pages(packs, release_index);
        body(t, work[i]);
      }
    });
  for (auto& th : threads) th.join();
}

// What the walk reads from the packs instead of libgit2. Every object of every pack is numbered
// by its place in the packs' sorted indexes (pack 0's entries, then pack 1's ...), so the walk
// and its blob list keep 4-byte numbers, not ids; ids a kept tree names that no pack holds are
// numbered after them. A tree is kept as rows of (name number, object number), 8 bytes an entry
// instead of the ~35 raw bytes of `mode SP name NUL id` (issue 16: the raw trees were 74 MB of the
// walk's 189 MiB on the million-blob history), each distinct name stored once.
class PackObjects final : public GitObjectSource {
 public:
  explicit PackObjects(const std::vector<OpenPack>& packs) : packs_(packs) {
    uint32_t n = 0;
    for (const auto& p : packs) {
      starts_.push_back(n);
      n += p.file->object_count();
    }
    packed_ = n;
  }

  uint32_t count() const override { return packed_ + static_cast<uint32_t>(extra_.size()); }
  uint32_t find(const unsigned char* id) const override {
    uint32_t n = find_packed(id);
    if (n != kNone) return n;
    GitObjectId key;
    std::memcpy(key.data(), id, key.size());
    auto e = extra_.find(key);
    return e ? packed_ + *e : kNone;
  }
  const unsigned char* id(uint32_t n) const override {
    if (n >= packed_) return extra_.id(n - packed_).data();
    auto [p, entry] = locate(n);
    return packs_[p].file->index().id(entry);
  }
  // The first pack holding `id` (the order the walk's blob reads always used); thread-safe.
  uint32_t find_packed(const unsigned char* id) const {
    for (size_t p = 0; p < packs_.size(); ++p)
      if (auto entry = packs_[p].file->index().find(id)) return starts_[p] + *entry;
    return kNone;
  }
  // Pack and entry of a packed object's number (< packed()).
  std::pair<size_t, uint32_t> locate(uint32_t n) const {
    size_t p = std::upper_bound(starts_.begin(), starts_.end(), n) - starts_.begin() - 1;
    return {p, n - starts_[p]};
  }
  uint32_t packed() const { return packed_; }
  uint32_t number(size_t pack, uint32_t entry) const { return starts_[pack] + entry; }

  bool tree(uint32_t number, std::vector<GitTreeEntry>& out) const override {
    auto it = std::lower_bound(trees_.begin(), trees_.end(), number,
                               [](const KeptTree& t, uint32_t n) { return t.number < n; });
    if (it == trees_.end() || it->number != number) return false;
    for (uint32_t r = it->start; r < it->start + it->count; ++r) {
      const Row& row = rows_[r];
      out.push_back({names_.get(row.name & kNameMask), id(row.object), row.object,
                     static_cast<GitEntryType>(row.name >> kTypeShift)});
    }
    return true;
  }
  std::optional<uint64_t> blob_size(uint32_t number) const override {
    if (number >= packed_) return std::nullopt;
    auto [p, entry] = locate(number);
    const PackFile& f = *packs_[p].file;
    if (f.type(entry) != ObjectType::kBlob) return std::nullopt;
    thread_local gitpack::SizeReader sizes;  // the walk's readers call this on their threads
    auto size = f.object_size(entry, sizes);
    if (!size) return std::nullopt;
    return *size;
  }
  // 1: a standalone pack object (PackFile::is_standalone), which the scan reads during the walk.
  uint8_t blob_hint(uint32_t number) const override {
    if (number >= packed_) return 0;
    auto [p, entry] = locate(number);
    return packs_[p].file->is_standalone(entry);
  }

  // Keeps tree `number` (its entries parsed, their ids numbered by find_packed() already where
  // a pack has them); false past the budget. Thread-safe.
  bool keep(uint32_t number, std::vector<GitTreeEntry>& entries) {
    std::lock_guard lock(mutex_);
    if ((rows_.size() + entries.size()) * sizeof(Row) > kTreeBudget || names_.size() >= kNameMask)
      return false;
    trees_.push_back(
        {number, static_cast<uint32_t>(rows_.size()), static_cast<uint32_t>(entries.size())});
    for (const GitTreeEntry& e : entries) {
      uint32_t object = e.number;
      if (object == kNone) {
        GitObjectId key;
        std::memcpy(key.data(), e.id, key.size());
        object = packed_ + extra_.add(key).first;
      }
      rows_.push_back(
          {names_.intern(e.name) | static_cast<uint32_t>(e.type) << kTypeShift, object});
    }
    return true;
  }
  // After the last keep(): sorted for lookups, spare capacity given back.
  void seal() {
    std::sort(trees_.begin(), trees_.end(),
              [](const KeptTree& a, const KeptTree& b) { return a.number < b.number; });
    trees_.shrink_to_fit();
  }
  // After the walk: the trees go; numbers and ids stay for the blob list.
  void drop_trees() {
    // Not `trees_ = {}`: that picks the initializer-list assignment, which keeps the capacity
    // (massif: the 17 MB of rows, a vector then, outlived the walk into step 3).
    std::vector<KeptTree>().swap(trees_);
    rows_.clear();
    names_ = StringInterner();
  }

 private:
  static constexpr uint32_t kTypeShift = 30, kNameMask = (1u << kTypeShift) - 1;
  struct Row {
    uint32_t name;    // number in names_, the entry's GitEntryType in the top two bits
    uint32_t object;  // number of the entry's id
  };
  struct KeptTree {
    uint32_t number, start, count;  // rows_[start, start + count)
  };
  const std::vector<OpenPack>& packs_;
  std::vector<uint32_t> starts_;  // number of each pack's first entry
  uint32_t packed_ = 0;
  std::mutex mutex_;  // keep() on all threads
  ObjectIdIndex extra_;
  StringInterner names_;
  ChunkedVector<Row> rows_;
  std::vector<KeptTree> trees_;
};

// A listed blob a worker reads and scans while the walk goes on: its place in the list and its
// path, its origin stamped on its findings after the scan (the list is still growing meanwhile).
struct StandaloneBlob {
  uint64_t seq = 0;
  std::string path;
  const PackFile* pack = nullptr;
  uint32_t entry = 0;
};

}  // namespace

bool use_pack_reader(const GitScanOptions& options) {
  return options.read_packs && !options.staged && options.range.empty() && options.since.empty();
}

Result<void> scan_git_packs(const ScanPipeline& pipeline, GitRepository& repo,
                            const std::string& repo_path, const GitScanOptions& options,
                            unsigned jobs, DiagnosticSink& diagnostics, GitWalkStats& stats,
                            std::vector<GitWorkerState>& states) {
  const GitPackWindowLimit windows(32u << 20);  // libgit2 reads the commits, little else
  std::vector<OpenPack> packs = open_packs(repo.objects_dir(), diagnostics);
  release_pages(packs);

  // 1. Trees, parsed and kept as rows for the walk.
  PackObjects source(packs);
  {
    std::vector<std::vector<PackFile::Chain>> chains(packs.size());
    std::vector<ChainWork> work;
    for (size_t p = 0; p < packs.size(); ++p) {
      chains[p] = packs[p].file->chains(ObjectType::kTree);
      for (const auto& c : chains[p]) work.push_back({packs[p].file.get(), &c});
    }
    std::unordered_map<const PackFile*, size_t> pack_number;
    for (size_t p = 0; p < packs.size(); ++p) pack_number[packs[p].file.get()] = p;
    run_chains(work, jobs, packs, /*release_index=*/false, [&](unsigned, const ChainWork& w) {
      thread_local gitpack::Resolver resolver;
      thread_local std::vector<GitTreeEntry> entries;
      const size_t p = pack_number.at(w.pack);
      w.pack->resolve(
          *w.chain, resolver,
          [&](uint32_t entry, ObjectType, std::string_view bytes) {
            entries.clear();
            if (!parse_git_tree(bytes, entries)) return;  // libgit2 reads it, as it reads it
            for (GitTreeEntry& e : entries) e.number = source.find_packed(e.id);
            source.keep(source.number(p, entry), entries);
          },
          diagnostics);
    });
    source.seal();
    release_pages(packs);
    // 2. The walk, listing each blob to scan with its origin; the standalone ones to the workers.
    std::vector<std::unique_ptr<Matcher::Scratch>> scratches(jobs);
    for (auto& s : scratches) s = pipeline.matcher().make_scratch();
    std::vector<std::vector<Finding>> found(jobs);
    GitBlobList wanted;
    std::vector<uint8_t> early;  // per listed blob: given to the workers during the walk
    std::vector<std::vector<uint32_t>> early_failed(jobs);  // not inflated: libgit2 tries (step 4)
    // Handed over in batches: a worker scans a small blob faster than the walk lists the next,
    // so with one blob per push every push woke a waiting worker (a futex wake and two context
    // switches per blob). An import of 300,000 small files spent a quarter of its time there.
    constexpr size_t kEarlyBatch = 64;
    WorkQueue<std::vector<StandaloneBlob>> early_queue(jobs * 4);
    std::vector<std::thread> early_workers;
    for (unsigned t = 0; t < jobs; ++t)
      early_workers.emplace_back([&, t] {
        gitpack::Resolver resolver;
        std::string bytes;
        std::vector<StandaloneBlob> batch;
        while (early_queue.pop(batch)) {
          for (StandaloneBlob& b : batch) {
            if (!b.pack->read_standalone(b.entry, resolver, bytes, diagnostics)) {
              early_failed[t].push_back(static_cast<uint32_t>(b.seq));
              continue;
            }
            scan_git_blob(pipeline, b.seq, std::move(b.path), nullptr, bytes, nullptr,
                          *scratches[t], diagnostics, found[t], states[t]);
          }
        }
      });
    const ReleaseIntervals release_every(packs);
    std::vector<StandaloneBlob> batch;
    auto offer = [&](const GitBlobList& list, size_t i, uint8_t standalone) {
      if (i % release_every.blobs == release_every.blobs - 1) release_pages(packs);
      if (standalone) {
        auto [p, entry] = source.locate(list.number(i));
        batch.push_back(StandaloneBlob{i, list.path(i), packs[p].file.get(), entry});
        if (batch.size() == kEarlyBatch) early_queue.push(std::exchange(batch, {}));
      }
      early.push_back(standalone);
    };
    auto walked = repo.walk_blobs(options, diagnostics, stats, wanted, offer, &source);
    if (!batch.empty()) early_queue.push(std::move(batch));
    early_queue.close();
    for (auto& th : early_workers) th.join();
    source.drop_trees();  // only the walk reads them
    release_pages(packs);
    if (!walked) return walked;

    // 3. Each listed blob from the first pack that holds it, with the bases it needs.
    std::vector<std::vector<uint8_t>> needed(packs.size());
    std::vector<std::vector<uint32_t>> wanted_at(packs.size());
    for (size_t p = 0; p < packs.size(); ++p) {
      needed[p].assign(packs[p].file->object_count(), 0);
      wanted_at[p].assign(packs[p].file->object_count(), kNone);
    }
    for (uint32_t w = 0; w < wanted.size(); ++w) {
      // The blob's number names the first pack holding it; only when that copy is not a blob
      // (a bad entry) are the other packs searched.
      const uint32_t number = wanted.number(w);
      size_t first = packs.size();
      if (number < source.packed()) {
        auto [p, entry] = source.locate(number);
        if (packs[p].file->type(entry) == ObjectType::kBlob) {
          if (!early[w]) packs[p].file->mark_needed(entry, needed[p]);
          wanted_at[p][entry] = w;
          continue;
        }
        first = p + 1;
      }
      if (first == packs.size()) continue;
      const GitObjectId id = wanted.id(w);
      for (size_t p = first; p < packs.size(); ++p) {
        auto entry = packs[p].file->index().find(id.data());
        if (!entry || packs[p].file->type(*entry) != ObjectType::kBlob) continue;
        if (!early[w]) packs[p].file->mark_needed(*entry, needed[p]);
        wanted_at[p][*entry] = w;
        break;
      }
    }
    uint64_t unlisted = 0;
    work.clear();
    for (size_t p = 0; p < packs.size(); ++p) {
      const PackFile& f = *packs[p].file;
      for (uint32_t e = 0; e < f.object_count(); ++e)
        unlisted += f.type(e) == ObjectType::kBlob && wanted_at[p][e] == kNone;
      chains[p] = f.chains(ObjectType::kBlob, &needed[p]);
      for (const auto& c : chains[p]) work.push_back({&f, &c});
    }
    // Blobs skipped as too large were listed by the walk too, just not for scanning.
    stats.unreachable_blobs = unlisted > stats.skipped_large ? unlisted - stats.skipped_large : 0;

    std::vector<uint8_t> done = std::move(early);
    for (const auto& failed : early_failed)
      for (uint32_t i : failed) done[i] = 0;
    run_chains(work, jobs, packs, /*release_index=*/true, [&](unsigned t, const ChainWork& w) {
      thread_local gitpack::Resolver resolver;
      const size_t p = pack_number.at(w.pack);
      w.pack->resolve(*w.chain, resolver, [&](uint32_t entry, ObjectType, std::string_view bytes) {
        uint32_t i = wanted_at[p][entry];
        if (i == kNone) return;  // a base, or a blob the walk did not list
        scan_git_blob(pipeline, i, wanted.path(i), nullptr, bytes, nullptr, *scratches[t],
                      diagnostics, found[t], states[t]);
        done[i] = 1;  // each listed blob belongs to one entry: no two threads write one byte
      }, diagnostics, &needed[p]);
    });

    // 4. What the packs did not give: through libgit2, in walk order.
    WorkQueue<GitWork> queue(jobs * 256);
    bool any = false;
    for (size_t i = 0; i < wanted.size(); ++i)
      if (!done[i]) any = true;
    if (any) {
      std::vector<std::thread> workers;
      for (unsigned i = 0; i < jobs; ++i)
        workers.emplace_back([&, i] {
          scan_git_blobs_libgit2(pipeline, repo_path, queue, diagnostics, states[i]);
        });
      for (size_t i = 0; i < wanted.size(); ++i)
        if (!done[i]) queue.push(GitWork{i, wanted.blob(i)});
      queue.close();
      for (auto& th : workers) th.join();
    }
    // Only now, and only for the blobs with findings, where each was introduced. Built for every
    // blob as it was scanned, with the blob's id read from the pack index at random (which the
    // scan never used), it was 13,233 of 66,868 CPU samples on the three-million-object history
    // (perf, -j2), growing faster than the objects (4,081 of 20,364 at one million); 1,267 now.
    for (GitWorkerState& state : states)
      for (SeqFinding& f : state.findings) stamp_git_finding(f.finding, wanted.origin(f.seq));
  }
  // A pack rewritten under its mapping (git gc, git repack) or a page the disk could not read:
  // the objects there read as zeros (io/bus_error_guard.h) and were reported as corrupt; this
  // says why.
  for (const auto& p : packs)
    for (const MappedFile* m : {p.pack.get(), p.idx.get()})
      if (auto d = m->change_while_read()) diagnostics.report(std::move(*d));
  return {};
}

}  // namespace keysweep
