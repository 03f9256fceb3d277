#!/usr/bin/env python3
# Where keysweep's CPU goes: buckets the samples of a perf profile taken with call graphs (issue 16.5).
# Each sample goes to the first bucket, in the order below, that a frame of its call chain is in
# (extraction first, so Vectorscan on an APK's strings counts as extraction; the context scorer and
# the decode pass before Matcher::scan, which calls the one and runs on the other's pieces).
#
#   perf record -e cpu-clock --call-graph dwarf,16384 -F 999 -o ks.perf \
#     build/release/src/cli/keysweep scan --jobs 1 --format jsonl --exit-zero -q --output /dev/null DIR
#   perf script -i ks.perf -F comm,tid,ip,sym > ks.txt
#   python3 bench/suite/perf_buckets.py ks.txt [--other]   (--other: the commonest leaves of "other")
import collections
import sys

BUCKETS = [
    ("APK/DEX/ARSC/AXML extraction (inflate, walks, Vectorscan on their strings)",
     ["ApkExtractor", "ZipExtractor", "DexExtractor", "ArscExtractor", "AxmlExtractor", "ArchiveReader", "inflate"]),
    ("context scorer (scan_context: read_assignments, features)", ["scan_context"]),
    ("decode pass (run finder, decoding, Vectorscan on pieces)", ["scan_decoded", "decode_nested"]),
    ("Vectorscan on the text (Matcher::scan, callbacks, RE2 confirm)", ["Matcher::scan"]),
    ("pread (kernel copy)", ["read_at", "__libc_pread"]),
    ("file walk (getdents, fstatat)", ["Walker::visit", "walk_files"]),
    ("open/close", ["FileReader::open", "MappedFile::open", "__close", "~FileReader", "~MappedFile", "munmap"]),
    ("zip sniff / extractor sniff", ["sniff", "locate_central_directory", "extractor_for"]),
    ("window tally", ["tally_window"]),
    ("UTF-8 validation", ["is_valid_utf8", "own_part_is_valid_utf8"]),
    ("read buffer growth", ["room_for", "basic_string<char, std::char_traits<char>, std::allocator<char> >::resize"]),
    ("start-up (rules, database)", ["Matcher::compile", "load_builtin_rules", "RuleSet"]),
    ("findings, pairing, output", ["build_findings", "pair_", "report", "Reporter", "write"]),
]


def samples(path):
    """Call chains (leaf first) of `perf script -F comm,tid,ip,sym` output."""
    cur = []
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        if not line.strip() or line[0] not in " \t":
            if cur:
                yield cur
            cur = []
            continue
        parts = line.strip().split(" ", 1)
        cur.append(parts[1] if len(parts) > 1 else parts[0])
    if cur:
        yield cur


def main():
    counts, other = collections.Counter(), collections.Counter()
    total = 0
    for chain in samples(sys.argv[1]):
        total += 1
        for name, keys in BUCKETS:
            if any(k in frame for frame in chain for k in keys):
                counts[name] += 1
                break
        else:
            counts["other"] += 1
            other[chain[0][:70]] += 1
    print(f"{total} samples")
    for name, _ in BUCKETS + [("other", None)]:
        print(f"  {100 * counts[name] / max(total, 1):5.1f}%  {name}")
    if "--other" in sys.argv:
        for leaf, n in other.most_common(15):
            print(f"    other: {n} {leaf}")


if __name__ == "__main__":
    main()
