// Full-history git scans through the packs. libgit2 reads a pack one object at a time with a
// 16 MiB delta-base cache, so a history walk re-inflates delta bases over and over (see
// formats/gitpack/pack_reader.h for the figures). Here each pack is streamed the way
// `git index-pack` resolves it, every entry inflated once:
//   1. every tree, on all threads, kept raw in memory (up to a budget; past it the walk reads
//      trees through libgit2 as before);
//   2. the same history walk as the libgit2 path (same attribution, order and diagnostics), with
//      trees and blob sizes served from the packs: it lists each blob to scan with its origin.
//      A listed blob that is a standalone pack object (no delta base, no delta resolved from
//      it) is read and scanned at once by workers on all threads while the walk goes on: one
//      inflate either way, and the workers do not wait for the walk;
//   3. the blob chains holding the other listed blobs, on all threads, each listed blob scanned
//      as it is resolved under its real path (extractors and labels depend on the file name).
// Blobs the walk lists that no pack holds (loose objects, alternates, a corrupt entry) are read
// through libgit2 last; blobs in a pack that the walk never reaches are counted, not scanned.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>
#include <unordered_map>

#include "formats/gitpack/pack_reader.h"
#include "input/git_blob_list.h"
#include "input/object_id_index.h"
#include "io/mapped_file.h"
#include "pipeline/git_scan_parts.h"

namespace keysweep {

namespace {

namespace fs = std::filesystem;
using gitpack::ObjectType;
using gitpack::PackFile;

// Raw trees kept for the walk: the benchmark's 133,864 trees are 168 MB.
constexpr uint64_t kTreeBudget = 1ull << 30;
constexpr uint32_t kNone = 0xffffffffu;

struct OpenPack {
  std::shared_ptr<const MappedFile> pack, idx;
  std::unique_ptr<PackFile> file;
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
    auto file = PackFile::open((*pack)->bytes(), (*idx)->bytes(), pack_path, diagnostics);
    if (!file) continue;
    packs.push_back({*pack, *idx, std::move(*file)});
  }
  return packs;
}

// Bump allocation for the raw trees: one mapping per chunk (1 to 64 MiB), not one malloc per
// tree, and populated up front: faulting 168 MB in page by page cost more than copying the trees
// into it.
class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  Arena(Arena&& o) noexcept
      : chunks_(std::move(o.chunks_)), used_(o.used_), cap_(o.cap_), next_chunk_(o.next_chunk_) {
    o.chunks_.clear();
  }
  ~Arena() {
    for (auto [at, size] : chunks_) ::munmap(at, size);
  }
  std::string_view copy(std::string_view s) {
    if (s.empty()) return {};  // the empty tree
    if (s.size() > cap_ - used_) {
      // Chunks double from 1 MiB to 64 MiB: a fixed 64 MiB, populated, cost every thread 64 MiB
      // of resident memory however few trees it kept (issue 16: 143 MiB anonymous on a
      // 20,000-blob history with two jobs, 12 MiB now).
      next_chunk_ = std::min(next_chunk_ ? next_chunk_ * 2 : kFirstChunk, kChunk);
      size_t size = std::max<size_t>(s.size(), next_chunk_);
      void* at = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
      if (at == MAP_FAILED) return {nullptr, 0};
      chunks_.emplace_back(static_cast<char*>(at), size);
      used_ = 0;
      cap_ = size;
    }
    char* at = chunks_.back().first + used_;
    std::memcpy(at, s.data(), s.size());
    used_ += s.size();
    return {at, s.size()};
  }
  // Gives back the populated pages past the last copy: with chunks doubling, up to half of
  // what was mapped (issue 16: 2 x 63 MiB mapped for 2 x 37 MB of trees on the million-blob
  // history).
  void trim() {
    if (chunks_.empty()) return;
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    const size_t keep = (used_ + page - 1) / page * page;
    if (keep < cap_) ::madvise(chunks_.back().first + keep, cap_ - keep, MADV_DONTNEED);
  }

 private:
  static constexpr size_t kFirstChunk = 1u << 20, kChunk = 64u << 20;
  std::vector<std::pair<char*, size_t>> chunks_;
  size_t used_ = 0, cap_ = 0, next_chunk_ = 0;
};

// One unit of resolving: a chain of one pack.
struct ChainWork {
  const PackFile* pack;
  const PackFile::Chain* chain;
};

// Runs `body(thread, work)` over `work` on `jobs` threads, biggest chains first.
template <class Body>
void run_chains(std::vector<ChainWork>& work, unsigned jobs, const Body& body) {
  std::sort(work.begin(), work.end(), [](const ChainWork& a, const ChainWork& b) {
    return a.chain->packed_bytes > b.chain->packed_bytes;
  });
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < jobs; ++t)
    threads.emplace_back([&, t] {
      for (size_t i; (i = next.fetch_add(1)) < work.size();) body(t, work[i]);
    });
  for (auto& th : threads) th.join();
}

// What the walk reads from the packs instead of libgit2.
class PackObjects final : public GitObjectSource {
 public:
  explicit PackObjects(const std::vector<OpenPack>& packs) : packs_(packs) {}
  // Numbered ids and their bytes by number: 44 bytes a tree, not ObjectIdTable's 40-byte slots
  // at a load of 3/8 to 3/4.
  ObjectIdIndex tree_ids;
  std::vector<std::string_view> trees;

  std::optional<std::string_view> raw_tree(const GitObjectId& id) const override {
    auto n = tree_ids.find(id);
    if (!n) return std::nullopt;
    return trees[*n];
  }
  std::optional<uint64_t> blob_size(const GitObjectId& id) const override {
    for (const auto& p : packs_) {
      auto entry = p.file->index().find(id.data());
      if (!entry) continue;
      if (p.file->type(*entry) != ObjectType::kBlob) return std::nullopt;
      auto size = p.file->object_size(*entry, sizes_);
      if (!size) return std::nullopt;
      last_ = {id, p.file.get(), *entry};
      return *size;
    }
    return std::nullopt;
  }
  // Where blob_size last found `id` (the walk lists a blob right after asking its size), so
  // the walk's callback need not search the pack indexes again; null if it did not.
  const PackFile* found_in(const GitObjectId& id, uint32_t& entry) const {
    if (!last_.pack || last_.id != id) return nullptr;
    entry = last_.entry;
    return last_.pack;
  }

 private:
  const std::vector<OpenPack>& packs_;
  mutable gitpack::SizeReader sizes_;  // the walk is one thread
  struct Found {
    GitObjectId id{};
    const PackFile* pack = nullptr;
    uint32_t entry = 0;
  };
  mutable Found last_;
};

// A listed blob a worker reads and scans while the walk goes on.
struct StandaloneBlob {
  GitWork work;
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
  std::vector<OpenPack> packs = open_packs(repo.objects_dir(), diagnostics);

  // 1. Trees, kept raw for the walk.
  PackObjects source(packs);
  {
    std::vector<ChainWork> work;
    for (const auto& p : packs)
      for (const auto& c : p.file->chains())
        if (c.type == ObjectType::kTree) work.push_back({p.file.get(), &c});
    std::vector<Arena> arenas(jobs);
    std::vector<std::vector<std::pair<GitObjectId, std::string_view>>> kept(jobs);
    std::atomic<uint64_t> kept_bytes{0};
    run_chains(work, jobs, [&](unsigned t, const ChainWork& w) {
      thread_local gitpack::Resolver resolver;
      w.pack->resolve(*w.chain, resolver, [&](uint32_t entry, ObjectType, std::string_view bytes) {
        if (kept_bytes.fetch_add(bytes.size(), std::memory_order_relaxed) + bytes.size() > kTreeBudget)
          return;
        std::string_view copy = arenas[t].copy(bytes);
        if (copy.data() == nullptr && !bytes.empty()) return;  // out of memory: libgit2 reads it
        GitObjectId id;
        std::memcpy(id.data(), w.pack->index().id(entry), id.size());
        kept[t].emplace_back(id, copy);
      }, diagnostics);
    });
    for (auto& a : arenas) a.trim();
    size_t n = 0;
    for (const auto& k : kept) n += k.size();
    source.trees.reserve(n);
    for (auto& k : kept) {
      for (const auto& [id, raw] : k)
        if (source.tree_ids.insert(id)) source.trees.push_back(raw);
      k = {};
    }
    // 2. The walk, listing each blob to scan with its origin; the standalone ones to the workers.
    std::vector<std::unique_ptr<Matcher::Scratch>> scratches(jobs);
    for (auto& s : scratches) s = pipeline.matcher().make_scratch();
    std::vector<std::vector<Finding>> found(jobs);
    GitBlobList wanted;
    std::vector<uint8_t> early;  // per listed blob: given to the workers during the walk
    std::vector<std::vector<uint32_t>> early_failed(jobs);  // not inflated: libgit2 tries (step 4)
    WorkQueue<StandaloneBlob> early_queue(jobs * 256);
    std::vector<std::thread> early_workers;
    for (unsigned t = 0; t < jobs; ++t)
      early_workers.emplace_back([&, t] {
        gitpack::Resolver resolver;
        std::string bytes;
        StandaloneBlob b;
        while (early_queue.pop(b)) {
          if (!b.pack->read_standalone(b.entry, resolver, bytes, diagnostics)) {
            early_failed[t].push_back(static_cast<uint32_t>(b.work.seq));
            continue;
          }
          scan_git_blob(pipeline, b.work, bytes, nullptr, *scratches[t], diagnostics, found[t],
                        states[t]);
        }
      });
    auto offer = [&](const GitBlobList& list, size_t i) {
      uint32_t entry = 0;
      const PackFile* pack = source.found_in(list.id(i), entry);
      early.push_back(pack && pack->is_standalone(entry));
      if (early.back()) early_queue.push(StandaloneBlob{GitWork{i, list.blob(i)}, pack, entry});
    };
    auto walked = repo.walk_blobs(options, diagnostics, stats, wanted, offer, &source);
    early_queue.close();
    for (auto& th : early_workers) th.join();
    source.tree_ids = {};
    source.trees = {};
    arenas.clear();  // the raw trees: only the walk reads them
    if (!walked) return walked;

    // 3. Each listed blob from the first pack that holds it, with the bases it needs.
    std::vector<std::vector<uint8_t>> needed(packs.size());
    std::vector<std::vector<uint32_t>> wanted_at(packs.size());
    for (size_t p = 0; p < packs.size(); ++p) {
      needed[p].assign(packs[p].file->object_count(), 0);
      wanted_at[p].assign(packs[p].file->object_count(), kNone);
    }
    for (uint32_t w = 0; w < wanted.size(); ++w)
      for (size_t p = 0; p < packs.size(); ++p) {
        auto entry = packs[p].file->index().find(wanted.id(w).data());
        if (!entry || packs[p].file->type(*entry) != ObjectType::kBlob) continue;
        if (!early[w]) packs[p].file->mark_needed(*entry, needed[p]);
        wanted_at[p][*entry] = w;
        break;
      }
    uint64_t unlisted = 0;
    work.clear();
    for (size_t p = 0; p < packs.size(); ++p) {
      const PackFile& f = *packs[p].file;
      for (uint32_t e = 0; e < f.object_count(); ++e)
        unlisted += f.type(e) == ObjectType::kBlob && wanted_at[p][e] == kNone;
      for (const auto& c : f.chains())
        if (c.type == ObjectType::kBlob && needed[p][c.root]) work.push_back({&f, &c});
    }
    // Blobs skipped as too large were listed by the walk too, just not for scanning.
    stats.unreachable_blobs = unlisted > stats.skipped_large ? unlisted - stats.skipped_large : 0;

    std::vector<uint8_t> done = std::move(early);
    for (const auto& failed : early_failed)
      for (uint32_t i : failed) done[i] = 0;
    std::unordered_map<const PackFile*, size_t> pack_number;
    for (size_t p = 0; p < packs.size(); ++p) pack_number[packs[p].file.get()] = p;
    run_chains(work, jobs, [&](unsigned t, const ChainWork& w) {
      thread_local gitpack::Resolver resolver;
      const size_t p = pack_number.at(w.pack);
      w.pack->resolve(*w.chain, resolver, [&](uint32_t entry, ObjectType, std::string_view bytes) {
        uint32_t i = wanted_at[p][entry];
        if (i == kNone) return;  // a base, or a blob the walk did not list
        scan_git_blob(pipeline, GitWork{i, wanted.blob(i)}, bytes, nullptr, *scratches[t],
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
