#include "pipeline/scan_pipeline.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "core/secret.h"
#include "decode/decode_pass.h"
#include "formats/extractor.h"
#include "io/file_reader.h"
#include "io/mapped_file.h"
#include "io/read_buffer.h"
#include "match/pairing.h"
#include "pipeline/container_parts.h"
#include "pipeline/decoded_scan.h"
#include "pipeline/foreign_mapping_faults.h"
#include "pipeline/window_plan.h"
#include "pipeline/windowed_scan.h"
#include "pipeline/work_queue.h"

namespace keysweep {

namespace {

// Files up to this size are read whole into a reused per-worker buffer: for the many small files of
// a source tree, read() costs less than setting up and tearing down a mapping. Larger ones are
// mapped so that extractors can look at them; the plain ones are then read in windows.
constexpr uint64_t kReadThreshold = 1u << 20;

// One input's diagnostics: forwarded to the run's sink as they happen and, when recording, kept
// for the input's report.
class InputDiagnostics final : public DiagnosticSink {
 public:
  InputDiagnostics(DiagnosticSink& next, bool record) : next_(next), record_(record) {}
  void report(Diagnostic d) override {
    {
      std::lock_guard lock(mu_);
      if (record_) mine_.push_back(d);
      last_ = d;
    }
    next_.report(std::move(d));
  }
  // The latest diagnostic: why an input was not (fully) read, for the summary's list.
  Diagnostic last() {
    std::lock_guard lock(mu_);
    return last_.value_or(Diagnostic{});
  }
  std::vector<Diagnostic> take() {
    std::lock_guard lock(mu_);
    return std::move(mine_);
  }
  // Takes over what `other` recorded so far (and forwarded already): the input changes hands.
  void adopt(InputDiagnostics& other) {
    std::scoped_lock lock(mu_, other.mu_);
    mine_ = std::move(other.mine_);
    last_ = other.last_;
  }
  // A fresh report for `wf` carrying what was recorded so far (for inputs never read).
  std::unique_ptr<InputReport> report_for(const WalkedFile& wf) {
    auto r = std::make_unique<InputReport>();
    r->path = wf.path;
    r->size = wf.size;
    r->diagnostics = take();
    return r;
  }

 private:
  DiagnosticSink& next_;
  bool record_;
  std::mutex mu_;
  std::vector<Diagnostic> mine_;
  std::optional<Diagnostic> last_;
};

// A small file read whole: the bytes the walk listed (one byte more asked for, to see it grew) and,
// when it shrank or grew since, why they are not the file as it is now.
struct SmallFileRead {
  std::string_view bytes;
  std::optional<std::string> change;
};

// Errors: opening it (a warning, as for any unreadable input) or reading it (`*read_failed`: an
// I/O error, which leaves the scan incomplete).
Result<SmallFileRead> read_small_file(const std::string& path, uint64_t size, ReadBuffer& buf,
                                      bool* read_failed) {
  *read_failed = false;
  auto file = FileReader::open(path);
  if (!file) return std::unexpected(file.error());
  char* room = buf.room_for(size + 1);
  auto got = file->read_at(0, size + 1, room, size);
  if (!got) {
    *read_failed = true;
    return std::unexpected(got.error());
  }
  SmallFileRead r{std::string_view(room, std::min<uint64_t>(*got, size)), std::nullopt};
  if (*got != size) {
    // Grown: its size now says by how much; shrunk: what was read does.
    std::optional<FileStamp> now;
    if (*got > size)
      if (auto st = file->stamp()) now = *st;
    r.change = describe_change_while_read(size, r.bytes.size(), FileStamp{size, 0},
                                          now ? now : std::optional<FileStamp>(FileStamp{*got, 0}), false);
  }
  return r;
}

// The extractor that opens `blob` (the first in the registry that knows it, as process() tries
// them), or nullptr.
const Extractor* extractor_for(const Blob& blob) {
  for (const auto& ex : extractor_registry())
    if (ex->sniff(blob)) return ex.get();
  return nullptr;
}

// What one window's scan leaves for the file's (windowed_scan.h).
struct WindowResult {
  TextWindow window;  // as read: a short read ends it early
  WindowTally tally;
  std::vector<Finding> findings;  // kept ones, placed as in the window
  uint64_t read = 0;
  bool invalid_utf8 = false;
  std::optional<Error> error;
};

}  // namespace

void sort_findings(std::vector<Finding>& findings) {
  std::sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    if (a.location.chain != b.location.chain) return a.location.chain < b.location.chain;
    if (a.location.offset != b.location.offset) return a.location.offset < b.location.offset;
    if (a.rule_id != b.rule_id) return a.rule_id < b.rule_id;
    // Git history: the same path in several commits, oldest first (a stable order across runs).
    if (a.location.git.time != b.location.git.time) return a.location.git.time < b.location.git.time;
    if (a.location.git.commit != b.location.git.commit) return a.location.git.commit < b.location.git.commit;
    // One rule at one place, as written and decoded (a PEM key and the same key joined from
    // literals): as written first, then by secret. The order no longer depends on the order the
    // findings arrived in, which differs between workers and between windows of one file.
    if (a.location.decoders != b.location.decoders) return a.location.decoders < b.location.decoders;
    return a.secret_sha256 < b.secret_sha256;
  });
  findings.erase(std::unique(findings.begin(), findings.end(),
                             [](const Finding& a, const Finding& b) {
                               return a.fingerprint == b.fingerprint &&
                                      a.location.offset == b.location.offset;
                             }),
                 findings.end());
}

void ScanPipeline::process(const Blob& blob, Matcher::Scratch& scratch, DiagnosticSink& diagnostics,
                           std::vector<Finding>& out, ScanSummary& summary, uint64_t& expanded,
                           std::shared_ptr<const AppIdentity>* app) const {
  if (app && !*app && blob.app()) *app = blob.app();
  if (config_.open_containers) {
    for (const auto& ex : extractor_registry()) {
      if (!ex->sniff(blob)) continue;
      if (blob.depth() >= config_.limits.max_depth) {
        diagnostics.warn(DiagnosticKind::kLimit, blob.display_path(),
                         "nesting deeper than " + std::to_string(config_.limits.max_depth) +
                             " containers; scanned as raw bytes");
        break;
      }
      ExtractContext ctx{config_.limits, diagnostics, &expanded, budget_.get()};
      auto r = ex->extract(blob, ctx, [&](Blob child) {
        process(child, scratch, diagnostics, out, summary, expanded, app);
      });
      if (!r) {
        Error e = r.error();
        if (e.path.empty()) e.path = blob.display_path();
        diagnostics.error(e, Severity::kWarning);
        // What could not be parsed is still scanned as bytes: a truncated file keeps its strings.
        break;
      }
      if (!ex->scan_raw_too()) return;
      break;
    }
  }
  if (blob.offset_base() == 0) ++summary.blobs_scanned;  // a text's later pieces are the same blob
  summary.bytes_scanned += blob.size();
  match_blob(blob, looks_binary(blob.bytes()), scratch, diagnostics, out);
}

void ScanPipeline::match_blob(const Blob& blob, bool binary, Matcher::Scratch& scratch,
                              DiagnosticSink& diagnostics, std::vector<Finding>& out,
                              const Utf16Layout* utf16) const {
  std::vector<RuleMatch> matches;
  if (auto r = matcher_.scan(blob, scratch, matches); !r) {
    diagnostics.error(r.error());
    return;
  }
  build_findings(blob, matcher_.rules(), matches, config_.finding, out);
  scan_decoded(blob, binary, matcher_, scratch, config_.limits, config_.finding, diagnostics, out, utf16);
}

uint64_t ScanPipeline::window_overlap() const {
  uint64_t decoded = config_.limits.max_decode_depth > 0 ? config_.limits.max_decoded_run : 0;
  return matcher_.reach() + decoded;
}

void ScanPipeline::pair_input(std::vector<Finding>& found, const std::string& path,
                              DiagnosticSink& diagnostics) const {
  drop_decoded_duplicates(found);  // before pairing, so a pair is built from what is reported
  // One top-level input is one pairing scope: a file, or an app package with everything in it.
  PairingStats ps = pair_findings(found, matcher_.rules());
  if (ps.bound_hit)
    diagnostics.warn(DiagnosticKind::kLimit, path,
                     "more than " + std::to_string(kMaxPairsPerScope) +
                         " credential pairs; the remaining parts are reported unpaired");
}

void ScanPipeline::scan_blob(const Blob& blob, Matcher::Scratch& scratch,
                             DiagnosticSink& diagnostics, std::vector<Finding>& out,
                             ScanSummary& summary, std::shared_ptr<const AppIdentity>* app) const {
  uint64_t expanded = 0;
  std::vector<Finding> found;
  process(blob, scratch, diagnostics, found, summary, expanded, app);
  pair_input(found, blob.display_path(), diagnostics);
  std::move(found.begin(), found.end(), std::back_inserter(out));
}

namespace {

struct WorkerState {
  std::vector<Finding> findings;
  ScanSummary summary;
  uint64_t findings_seen = 0;  // counted as they pass, for when they are not kept
};

}  // namespace

// One large plain file, its windows scanned by whichever workers take them; the one that finishes
// the last window places and pairs the findings of all and reports the input.
struct WindowedInput {
  WindowedInput(const WalkedFile& f, DiagnosticSink& next, bool record, WindowPlan p, FileReader r)
      : file(f), diagnostics(next, record), plan(p), reader(std::move(r)) {}
  WalkedFile file;
  InputDiagnostics diagnostics;
  WindowPlan plan;  // of the size the walk listed: what the scan sets out to read
  FileReader reader;  // one descriptor: every window is read from the same file
  FileStamp stamp;    // when opened; a change by the end is reported
  bool binary = false;  // the file's verdict (its first bytes), not each window's
  std::optional<Utf16Layout> utf16;  // so is this: UTF-16 text, by its first bytes
  std::string content_sha256;
  std::vector<WindowResult> results;
  std::atomic<size_t> remaining{0};
};

// One container file whose top-level entries are read in parts by whichever workers take them
// (container_parts.h); the one that finishes the last part puts the parts together and reports
// the input.
struct PartedInput {
  PartedInput(const WalkedFile& f, DiagnosticSink& next, bool record) : file(f), diagnostics(next, record) {}
  WalkedFile file;
  InputDiagnostics diagnostics;
  Blob blob;  // the whole file
  // Held until the last part is done: the entries' bytes are views of it, and its guard turns a
  // lost page into zeros (io/bus_error_guard.h) until then.
  std::shared_ptr<const MappedFile> mapping;
  std::string content_sha256;
  std::unique_ptr<ContainerEntries> entries;
  ContainerPart opened;  // what opening it gave (children before the first entry, diagnostics)
  std::vector<ContainerPart> parts;
  std::vector<uint64_t> expansion_start;  // each part's (part_expansion_start)
  std::atomic<size_t> remaining{0};
};

// A file to read, window `window` of a large plain file already opened, or part `part` of a
// container opened for its entries to be read in parts.
struct ScanTask {
  WalkedFile file;
  std::shared_ptr<WindowedInput> input;
  size_t window = 0;
  std::shared_ptr<PartedInput> parted;
  size_t part = 0;
};

class ScanWorker {
 public:
  ScanWorker(const ScanPipeline& pipeline, WorkQueue<ScanTask>& queue, DiagnosticSink& diagnostics,
             WorkerState& state, unsigned jobs)
      : pipeline_(pipeline), config_(pipeline.config_), queue_(queue), diagnostics_(diagnostics),
        st_(state), scratch_(pipeline.matcher_.make_scratch()), jobs_(jobs) {}

  void run() {
    ScanTask task;
    while (queue_.pop_held(task)) {
      if (task.input) scan_window(task.input, task.window);
      else if (task.parted) scan_part(task.parted, task.part);
      else scan_file(task.file);
      queue_.release();
    }
  }

 private:
  void scan_file(const WalkedFile& wf) {
    ScanObserver* observer = config_.observer;
    // With an observer, each input's diagnostics are also kept apart, to go with its report.
    InputDiagnostics input_diagnostics(diagnostics_, observer != nullptr);
    if (observer) observer->input_started(wf);
    if (wf.problem) {  // the walk could not open it as a file: reported as this input's own
      input_diagnostics.report(*wf.problem);
      failed(wf, input_diagnostics);
      return;
    }
    if (wf.size > config_.limits.max_file_size) {
      input_diagnostics.warn(DiagnosticKind::kTooLarge, wf.path,
                             "skipped: " + std::to_string(wf.size) + " bytes is over --max-file-size (" +
                                 std::to_string(config_.limits.max_file_size) + ")");
      // Skipped by the user's choice, so not counted as unread (exit 2), but listed.
      st_.summary.not_fully_read.push_back(input_diagnostics.last());
      unread(wf, input_diagnostics);
      return;
    }
    // No larger than a window or a container's part (for tests, either may be tiny): read whole.
    const uint64_t part_size = jobs_ > 1 && config_.container_part_size ? config_.container_part_size : kNoSizeLimit;
    if (wf.size <= kReadThreshold && wf.size <= config_.window_size && wf.size <= part_size) {
      bool read_failed = false;
      auto r = read_small_file(wf.path, wf.size, buffer_, &read_failed);
      if (!r) {
        // A file that opened but cannot be read (EIO) leaves the scan incomplete: an error.
        input_diagnostics.error(r.error(), read_failed ? Severity::kError : Severity::kWarning);
        failed(wf, input_diagnostics);
        return;
      }
      if (r->change) changed(input_diagnostics, wf.path, *r->change);
      scan_whole(wf, input_diagnostics, Blob(r->bytes, nullptr, {wf.path}));
      return;
    }
    auto m = MappedFile::open(wf.path);
    if (!m) {
      input_diagnostics.error(m.error(), Severity::kWarning);
      failed(wf, input_diagnostics);
      return;
    }
    // Containers are opened from one mapping of the whole file, as their parsers need; the rest
    // is read in windows, which keeps memory flat, lets several workers share a large file, and
    // turns a file shrinking underneath into a short read rather than a SIGBUS.
    Blob whole((*m)->bytes(), *m, {wf.path});
    if (const Extractor* container = config_.open_containers ? extractor_for(whole) : nullptr) {
      scan_whole(wf, input_diagnostics, std::move(whole), *m, container);
      return;
    }
    const bool binary = looks_binary(whole.bytes());
    const auto utf16 = binary ? decode::utf16_text_layout(whole.bytes()) : std::nullopt;
    whole = Blob();
    m->reset();
    start_windows(wf, binary, utf16);
  }

  // The input read as one Blob (extractors, then the matcher).
  // `mapped`: the mapping `blob` views, checked once scanned for a change or a lost page.
  // `container`: the extractor that opens it, which may let its entries be read in parts.
  void scan_whole(const WalkedFile& wf, InputDiagnostics& input_diagnostics, Blob blob,
                  std::shared_ptr<const MappedFile> mapped = nullptr, const Extractor* container = nullptr) {
    ScanObserver* observer = config_.observer;
    std::string content_sha256;
    if (observer && observer->wants_content_hash()) {
      content_sha256 = sha256_hex(blob.bytes());
      if (observer->skip_content(wf, content_sha256)) {
        observer->input_skipped(wf);
        return;
      }
    }
    ++st_.summary.files_scanned;
    if (!looks_binary(blob.bytes()) && !is_valid_utf8(blob.bytes())) warn_invalid_utf8(input_diagnostics, wf);
    if (container && mapped && start_parts(wf, input_diagnostics, blob, *container, mapped, content_sha256)) return;
    scan_counted(wf, input_diagnostics, blob, mapped.get(), std::move(content_sha256));
  }

  // scan_whole once the input is counted: one worker reads it all.
  void scan_counted(const WalkedFile& wf, InputDiagnostics& input_diagnostics, const Blob& blob,
                    const MappedFile* mapped, std::string content_sha256) {
    ScanObserver* observer = config_.observer;
    if (!observer) {
      pipeline_.scan_blob(blob, *scratch_, input_diagnostics, st_.findings, st_.summary);
      check_mapping(input_diagnostics, wf.path, mapped);
      return;
    }
    ScanSummary before = st_.summary;
    auto report = input_diagnostics.report_for(wf);
    report->content_sha256 = std::move(content_sha256);
    pipeline_.scan_blob(blob, *scratch_, input_diagnostics, report->findings, st_.summary, &report->app);
    check_mapping(input_diagnostics, wf.path, mapped);
    report->blobs_scanned = st_.summary.blobs_scanned - before.blobs_scanned;
    report->bytes_scanned = st_.summary.bytes_scanned - before.bytes_scanned;
    deliver(std::move(report), input_diagnostics);
  }

  // Opens a container for its entries to be read in parts (container_parts.h), hands the parts
  // after the first to the other workers and reads the first. False (nothing reported, nothing
  // counted) when it is read whole instead: one worker would do, it is small, or its format
  // has no parts; or opening failed, which reading it whole reports.
  bool start_parts(const WalkedFile& wf, InputDiagnostics& input_diagnostics, const Blob& blob,
                   const Extractor& container, const std::shared_ptr<const MappedFile>& mapped,
                   std::string& content_sha256) {
    const uint64_t part_size = config_.container_part_size;
    if (jobs_ < 2 || part_size == 0 || blob.size() <= part_size || config_.limits.max_depth <= 0) return false;
    auto in = std::make_shared<PartedInput>(wf, diagnostics_, config_.observer != nullptr);
    ContainerPart& opened = in->opened;
    ExtractContext ctx{config_.limits, opened.diagnostics, &opened.expanded, pipeline_.budget_.get()};
    auto entries = container.open_entries(blob, ctx, [&](Blob child) { read_child(child, opened); });
    if (!entries || !*entries) return false;
    in->entries = std::move(*entries);
    std::vector<EntryRange> ranges = plan_entry_parts(*in->entries, part_size, size_t{4} * jobs_);
    in->expansion_start =
        part_expansion_start(*in->entries, ranges, config_.limits.max_total_expanded, opened.expanded);
    in->parts = std::vector<ContainerPart>(ranges.size());
    for (size_t i = 0; i < ranges.size(); ++i) in->parts[i].range = ranges[i];
    in->diagnostics.adopt(input_diagnostics);
    in->blob = blob;
    in->mapping = mapped;
    in->content_sha256 = std::move(content_sha256);
    in->remaining = ranges.size();
    std::vector<size_t> order = heaviest_first(*in->entries, ranges);
    std::vector<ScanTask> others;
    for (size_t i = 1; i < order.size(); ++i) others.push_back(ScanTask{{}, nullptr, 0, in, order[i]});
    // First in line, as a large file's windows are: the workers finish this container first.
    queue_.push_front(std::move(others));
    scan_part(in, order[0]);
    return true;
  }

  // A child of a container read in parts: processed as process() would, into the part's results.
  void read_child(const Blob& child, ContainerPart& part) {
    pipeline_.process(child, *scratch_, part.diagnostics, part.findings, part.summary, part.expanded, &part.app);
  }

  void scan_part(const std::shared_ptr<PartedInput>& in, size_t index) {
    ContainerPart& part = in->parts[index];
    if (config_.observer) config_.observer->part_started(in->file, index, in->parts.size());
    part.expanded = in->expansion_start[index];
    ExtractContext ctx{config_.limits, part.diagnostics.entry_problems(), &part.expanded, pipeline_.budget_.get()};
    part.entry_problems = in->entries->read(part.range.first, part.range.last, ctx,
                                            [&](Blob child) { read_child(child, part); });
    if (in->remaining.fetch_sub(1) == 1) finish_parts(*in);
  }

  // Puts the parts together in entry order: what reading the container whole would have given.
  void finish_parts(PartedInput& in) {
    const WalkedFile& wf = in.file;
    bool limited = std::any_of(in.parts.begin(), in.parts.end(), [](const ContainerPart& p) {
      return p.diagnostics.any_of_kind(DiagnosticKind::kLimit);
    });
    if (limited) {
      // A part hit a limit, perhaps only its share of the expansion limit: which entries one
      // reader would have refused is known only in order, so one worker reads it all again.
      in.parts.clear();
      in.opened.findings.clear();
      scan_counted(wf, in.diagnostics, in.blob, in.mapping.get(), std::move(in.content_sha256));
      return;
    }
    size_t unlimited = SIZE_MAX;
    in.opened.diagnostics.replay(in.diagnostics, &unlimited);
    std::vector<Finding> found = std::move(in.opened.findings);
    uint64_t blobs = in.opened.summary.blobs_scanned, bytes = in.opened.summary.bytes_scanned;
    std::shared_ptr<const AppIdentity> app = in.opened.app;
    size_t problem_reports_left = in.entries->problem_reports_left();
    size_t problems = 0;
    for (ContainerPart& part : in.parts) {
      part.diagnostics.replay(in.diagnostics, &problem_reports_left);
      std::move(part.findings.begin(), part.findings.end(), std::back_inserter(found));
      blobs += part.summary.blobs_scanned;
      bytes += part.summary.bytes_scanned;
      if (!app) app = part.app;
      problems += part.entry_problems;
    }
    uint64_t expanded_unused = 0;
    ExtractContext ctx{config_.limits, in.diagnostics, &expanded_unused, nullptr};
    in.entries->finish(ctx, problems);
    st_.summary.blobs_scanned += blobs;
    st_.summary.bytes_scanned += bytes;
    pipeline_.pair_input(found, in.blob.display_path(), in.diagnostics);
    check_mapping(in.diagnostics, wf.path, in.mapping.get());
    hand_over(wf, in.diagnostics, std::move(found), std::move(in.content_sha256), blobs, bytes,
              std::move(app));
  }

  // An input put together from parts (windows or container parts) and paired: its findings to the
  // run, or its report to the observer.
  void hand_over(const WalkedFile& wf, InputDiagnostics& input_diagnostics,
                 std::vector<Finding> found, std::string content_sha256, uint64_t blobs,
                 uint64_t bytes, std::shared_ptr<const AppIdentity> app = nullptr) {
    if (!config_.observer) {
      std::move(found.begin(), found.end(), std::back_inserter(st_.findings));
      return;
    }
    auto report = input_diagnostics.report_for(wf);
    report->content_sha256 = std::move(content_sha256);
    report->app = std::move(app);
    report->findings = std::move(found);
    report->blobs_scanned = blobs;
    report->bytes_scanned = bytes;
    deliver(std::move(report), input_diagnostics);
  }

  // A mapped file that changed while it was scanned, or whose pages could not all be read.
  void check_mapping(InputDiagnostics& input_diagnostics, const std::string& path, const MappedFile* mapped) {
    if (!mapped) return;
    if (auto d = mapped->change_while_read()) {
      d->path = path;  // as the walk named it
      input_diagnostics.report(std::move(*d));
      st_.summary.not_fully_read.push_back(input_diagnostics.last());
    }
  }

  // A change seen as it was read: a warning, and the input listed as not fully read.
  void changed(InputDiagnostics& input_diagnostics, const std::string& path, const std::string& why) {
    input_diagnostics.warn(DiagnosticKind::kChanged, path, why);
    st_.summary.not_fully_read.push_back(input_diagnostics.last());
  }

  void start_windows(const WalkedFile& wf, bool binary, const std::optional<Utf16Layout>& utf16) {
    auto reader = FileReader::open(wf.path);
    ScanObserver* observer = config_.observer;
    if (!reader) {
      InputDiagnostics input_diagnostics(diagnostics_, observer != nullptr);
      input_diagnostics.error(reader.error(), Severity::kWarning);
      failed(wf, input_diagnostics);
      return;
    }
    // A UTF-16 file is cut at even offsets only, so every window starts on a code unit.
    auto even = [&](uint64_t n) { return utf16 ? n + (n & 1) : n; };
    auto in = std::make_shared<WindowedInput>(
        wf, diagnostics_, observer != nullptr,
        WindowPlan(wf.size, even(config_.window_size), even(pipeline_.window_overlap())), std::move(*reader));
    if (auto stamp = in->reader.stamp()) in->stamp = *stamp;
    in->binary = binary;
    in->utf16 = utf16;
    if (observer && observer->wants_content_hash()) {
      // The whole content's hash decides whether it is scanned at all, so it comes first: one
      // sequential read (a worker's buffer at a time) before the windows are handed out.
      Sha256 sha;
      for (size_t i = 0; i < in->plan.count(); ++i) {
        TextWindow w = in->plan[i];
        const size_t want = w.keep_end - w.keep_begin;
        char* room = buffer_.room_for(want);
        auto got = in->reader.read_at(w.keep_begin, want, room);
        if (!got) break;  // the windows' own reads report it
        sha.update(std::string_view(room, *got));
      }
      in->content_sha256 = sha.hex();
      if (observer->skip_content(wf, in->content_sha256)) {
        observer->input_skipped(wf);
        return;
      }
    }
    const size_t n = in->plan.count();
    in->results.resize(n);
    in->remaining = n;
    std::vector<ScanTask> others;
    for (size_t i = 1; i < n; ++i) others.push_back(ScanTask{{}, in, i, nullptr, 0});
    // First in line, so the workers finish this file before they start more (memory stays flat).
    queue_.push_front(std::move(others));
    scan_window(in, 0);
  }

  void scan_window(const std::shared_ptr<WindowedInput>& in, size_t index) {
    TextWindow w = in->plan[index];
    WindowResult& result = in->results[index];
    const size_t want = w.end - w.begin;
    char* room = buffer_.room_for(want);
    auto got = in->reader.read_at(w.begin, want, room);
    if (!got) {
      result.error = got.error();
      got = size_t{0};
    }
    // A file that shrank: the window ends where the bytes did.
    w.end = w.begin + *got;
    w.keep_begin = std::min(w.keep_begin, w.end);
    w.keep_end = std::min(w.keep_end, w.end);
    result.window = w;
    result.read = w.keep_end - w.keep_begin;
    std::string_view bytes(room, *got);
    // The byte order mark is the file's first window's only.
    std::optional<Utf16Layout> utf16 = in->utf16;
    if (utf16 && w.begin > 0) utf16->bom = 0;
    result.tally = tally_window(bytes, w, utf16 ? &*utf16 : nullptr);
    result.invalid_utf8 = !in->binary && !own_part_is_valid_utf8(bytes, w);
    std::vector<Finding> found;
    if (!bytes.empty()) {
      Blob window_blob(bytes, nullptr, {in->file.path});
      window_blob.set_starts_mid_text(w.begin > 0);
      pipeline_.match_blob(std::move(window_blob), in->binary, *scratch_, in->diagnostics, found,
                           utf16 ? &*utf16 : nullptr);
    }
    for (Finding& f : found)
      if (w.keeps(w.begin + f.location.offset)) result.findings.push_back(std::move(f));
    if (in->remaining.fetch_sub(1) == 1) finish_windows(*in);
  }

  void finish_windows(WindowedInput& in) {
    const WalkedFile& wf = in.file;
    std::vector<Finding> found;
    WindowPlacer placer;
    uint64_t read = 0;
    bool invalid_utf8 = false;
    std::optional<Error> error;
    for (WindowResult& r : in.results) {
      placer.place(r.window, r.tally, r.findings);
      std::move(r.findings.begin(), r.findings.end(), std::back_inserter(found));
      read += r.read;
      invalid_utf8 |= r.invalid_utf8;
      if (r.error && !error) error = r.error;
    }
    ++st_.summary.files_scanned;
    ++st_.summary.blobs_scanned;  // one file, however many windows
    st_.summary.bytes_scanned += read;
    if (invalid_utf8) warn_invalid_utf8(in.diagnostics, wf);
    // Listed as not fully read with the first reason; every reason is a diagnostic of its own.
    std::optional<Diagnostic> why;
    if (error) {
      // Opened, then a read failed (EIO): the scan is incomplete, an error.
      in.diagnostics.error(*error, Severity::kError);
      why = in.diagnostics.last();
    }
    std::optional<FileStamp> now;
    if (auto st = in.reader.stamp()) now = *st;
    // Bytes a read error kept from the scan are that error's, not a sign the file shrank.
    if (auto change = describe_change_while_read(in.plan.size(), error ? in.plan.size() : read, in.stamp, now, false)) {
      in.diagnostics.warn(DiagnosticKind::kChanged, wf.path, *change);
      if (!why) why = in.diagnostics.last();
    }
    if (why) st_.summary.not_fully_read.push_back(*why);
    pipeline_.pair_input(found, wf.path, in.diagnostics);
    hand_over(wf, in.diagnostics, std::move(found), in.content_sha256, 1,
              read);  // one blob however many windows
  }

  void warn_invalid_utf8(InputDiagnostics& input_diagnostics, const WalkedFile& wf) {
    input_diagnostics.warn(DiagnosticKind::kInvalidUtf8, wf.path,
                           "text file is not valid UTF-8; scanned as bytes, output shows U+FFFD");
  }

  // The findings of one input, to the observer and (when kept) the run's list.
  void deliver(std::unique_ptr<InputReport> report, InputDiagnostics& input_diagnostics) {
    sort_findings(report->findings);
    for (auto& d : input_diagnostics.take()) report->diagnostics.push_back(std::move(d));
    st_.findings_seen += report->findings.size();
    config_.observer->input_done(*report);
    if (config_.keep_findings)
      std::move(report->findings.begin(), report->findings.end(), std::back_inserter(st_.findings));
  }

  void unread(const WalkedFile& wf, InputDiagnostics& input_diagnostics) {
    if (config_.observer) config_.observer->input_done(*input_diagnostics.report_for(wf));
  }
  // Could not be read, as opposed to skipped by the user's own --max-file-size.
  void failed(const WalkedFile& wf, InputDiagnostics& input_diagnostics) {
    ++st_.summary.inputs_unread;
    st_.summary.not_fully_read.push_back(input_diagnostics.last());
    unread(wf, input_diagnostics);
  }

  const ScanPipeline& pipeline_;
  const ScanConfig& config_;
  WorkQueue<ScanTask>& queue_;
  DiagnosticSink& diagnostics_;
  WorkerState& st_;
  std::unique_ptr<Matcher::Scratch> scratch_;
  ReadBuffer buffer_;   // reused: small files, windows
  unsigned jobs_;       // workers in the pool
};

ScanOutcome ScanPipeline::scan_paths(const std::vector<std::string>& paths,
                                     DiagnosticSink& outer) const {
  auto t0 = std::chrono::steady_clock::now();
  CountingSink diagnostics(outer);
  unsigned jobs = config_.jobs ? config_.jobs : std::max(1u, std::thread::hardware_concurrency());
  WorkQueue<ScanTask> queue(jobs * 64);

  std::vector<WorkerState> states(jobs);
  std::vector<std::thread> workers;
  for (unsigned i = 0; i < jobs; ++i)
    workers.emplace_back([&, i] { ScanWorker(*this, queue, diagnostics, states[i], jobs).run(); });

  WalkStats ws = walk_files(paths, config_.walk, diagnostics,
                            [&](WalkedFile f) {
                              if (!in_shard(f.path, config_.shard)) return;
                              if (config_.observer) config_.observer->input_queued(f);
                              queue.push(ScanTask{std::move(f), nullptr, 0, nullptr, 0});
                            });
  queue.close();
  for (auto& t : workers) t.join();
  // The walk's .gitignore filter reads through libgit2, whose mappings are guarded.
  report_foreign_mapping_faults(diagnostics);

  ScanOutcome outcome;
  uint64_t findings_seen = 0;
  for (auto& st : states) {
    findings_seen += st.findings_seen;
    outcome.summary.add_read_counts(st.summary);
    std::move(st.findings.begin(), st.findings.end(), std::back_inserter(outcome.findings));
  }
  sort_findings(outcome.findings);
  std::stable_sort(outcome.summary.not_fully_read.begin(), outcome.summary.not_fully_read.end(),
                   [](const Diagnostic& a, const Diagnostic& b) { return a.path < b.path; });
  outcome.summary.findings = config_.keep_findings || !config_.observer ? outcome.findings.size()
                                                                       : findings_seen;
  outcome.summary.symlinks_skipped = ws.symlinks_skipped;
  outcome.summary.git_dirs_skipped = ws.git_dirs_skipped;
  outcome.summary.gitignored = ws.gitignored;
  outcome.summary.diagnostics_by_kind = diagnostics.by_kind;
  outcome.summary.diagnostics = diagnostics.all;
  outcome.summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return outcome;
}

}  // namespace keysweep
