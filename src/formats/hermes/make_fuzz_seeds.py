#!/usr/bin/env python3
"""Writes the Hermes fuzz seeds, fuzz-seeds/keysweep_hermes/v96.hbc and v99.hbc (scripts/run-fuzzers
looks under fuzz-seeds/<target name without _fuzz>): one small bundle per function-header layout,
built as hermes_test_file.h builds them (16-byte function headers up to 96, 12-byte from 97), so
the fuzzer starts past the magic and the version check. Run from this folder."""
import struct

STRINGS = [b"global", b"awsAccessKeyId", b"AKIAR4M7QZ2W6HJ5TNVX", b"https://api.example.org/" + b"q" * 260]


def build(version):
    storage, small, overflow = b"", [], []
    for s in STRINGS:
        if len(s) >= 255:
            small.append(len(overflow) << 1 | 255 << 24)
            overflow.append((len(storage), len(s)))
        else:
            small.append(len(storage) << 1 | len(s) << 24)
        storage += s
    header = bytearray(128)
    struct.pack_into("<QI", header, 0, 0x1F1903C103BC1FC6, version)
    struct.pack_into("<6I", header, 40, 1, 1, 0, len(STRINGS), len(overflow), len(storage))
    body = bytes((12 if version >= 97 else 16))  # the global function's header
    body += struct.pack("<I", len(STRINGS))  # one run of plain strings
    body += b"".join(struct.pack("<I", e) for e in small)
    body += b"".join(struct.pack("<II", o, n) for o, n in overflow)
    body += storage
    out = bytes(header) + body
    out += bytes(-len(out) % 4) + bytes(20)
    out = bytearray(out)
    struct.pack_into("<I", out, 32, len(out))
    return bytes(out)


for v in (96, 99):
    with open(f"fuzz-seeds/keysweep_hermes/v{v}.hbc", "wb") as f:
        f.write(build(v))
