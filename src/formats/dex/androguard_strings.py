#!/usr/bin/python3
"""Oracle for the DEX parser's string table: androguard (an independent DEX parser) lists the
strings of every DEX file found in the given APKs and DEX files.

usage: androguard_strings.py OUT_DIR INPUT...
  INPUT: .apk (every classes*.dex inside) or .dex files, or directories searched for both.
Writes, for each distinct DEX (by SHA-256): OUT_DIR/<sha12>.dex (its bytes) and
OUT_DIR/<sha12>.strings (one JSON string per line, in string_ids order: androguard's
get_strings() lists them in data-section order, which need not be the same),
OUT_DIR/<sha12>.names (the string indices androguard reads as names: type descriptors,
proto shorties, field and method names; one per line),
OUT_DIR/<sha12>.consts (one JSON array per const-string/const-string/jumbo androguard's
disassembler finds: [class descriptor, method name, the string]), OUT_DIR/<sha12>.classes (the
descriptor of every class the file defines, one JSON string per line), and OUT_DIR/index.tsv
(sha12 <TAB> string count <TAB> strings androguard could not decode <TAB> where it came from).
A lone UTF-16 surrogate is written as U+FFFD, which is what keysweep's decoder makes of it.
Run with Debian's /usr/bin/python3 (package androguard).
"""
import hashlib
import json
import logging
import os
import sys

logging.disable(logging.CRITICAL)  # androguard logs every APK quirk at INFO level
from androguard.core import mutf8  # noqa: E402
from androguard.core.bytecodes.apk import APK  # noqa: E402
from androguard.core.bytecodes.dvm import DalvikVMFormat  # noqa: E402


def dex_files(inputs):
    """Yields (source name, dex bytes) for every DEX in `inputs`."""
    paths = []
    for item in inputs:
        if os.path.isdir(item):
            for root, _, names in os.walk(item):
                paths += [os.path.join(root, n) for n in names if n.endswith((".apk", ".dex"))]
        else:
            paths.append(item)
    for path in sorted(paths):
        if path.endswith(".dex"):
            with open(path, "rb") as f:
                yield path, f.read()
            continue
        try:
            apk = APK(path)
            names = [n for n in apk.get_files() if n.startswith("classes") and n.endswith(".dex")]
            for name in sorted(names):
                yield path + "!" + name, apk.get_file(name)
        except Exception as e:  # a deliberately broken APK among the examples
            print(f"androguard_strings: {path}: skipped: {e}", file=sys.stderr)


def decoded(mutf8_string):
    """androguard's decoding, with a lone surrogate as U+FFFD (what keysweep makes of it)."""
    s = mutf8.decode(bytes(mutf8_string))
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in s)


def main():
    out_dir, inputs = sys.argv[1], sys.argv[2:]
    os.makedirs(out_dir, exist_ok=True)
    seen = set()
    with open(os.path.join(out_dir, "index.tsv"), "w", encoding="utf-8") as index:
        for source, data in dex_files(inputs):
            sha = hashlib.sha256(data).hexdigest()[:12]
            if sha in seen:
                continue
            seen.add(sha)
            try:
                dex = DalvikVMFormat(data)
            except Exception as e:
                print(f"androguard_strings: {source}: androguard cannot parse: {e}", file=sys.stderr)
                continue
            lines, undecodable = [], 0
            for i in range(dex.header.string_ids_size):
                try:
                    lines.append(json.dumps(decoded(dex.CM.get_raw_string(i))))
                except Exception:
                    undecodable += 1
            consts = []
            for method in dex.get_methods():
                if method.get_code() is None:
                    continue
                for ins in method.get_instructions():
                    if ins.get_op_value() in (0x1A, 0x1B):
                        consts.append(json.dumps([str(method.get_class_name()),
                                                  str(method.get_name()),
                                                  decoded(ins.get_raw_string())]))
            items = {m.type.name: m.item for m in dex.map_list.map_item}
            names = set()
            for kind, attr, get in (("TYPE_ID_ITEM", "type", "get_descriptor_idx"),
                                    ("PROTO_ID_ITEM", "proto", "get_shorty_idx"),
                                    ("FIELD_ID_ITEM", "elem", "get_name_idx"),
                                    ("METHOD_ID_ITEM", "methods", "get_name_idx")):
                item = items.get(kind)
                for entry in getattr(item, attr, []) if item is not None else []:
                    names.add(getattr(entry, get)())
            with open(os.path.join(out_dir, sha + ".names"), "w", encoding="ascii") as f:
                f.write("".join(f"{i}\n" for i in sorted(names)))
            with open(os.path.join(out_dir, sha + ".consts"), "w", encoding="utf-8") as f:
                f.write("".join(line + "\n" for line in consts))
            with open(os.path.join(out_dir, sha + ".classes"), "w", encoding="utf-8") as f:
                f.write("".join(json.dumps(str(c.get_name())) + "\n" for c in dex.get_classes()))
            with open(os.path.join(out_dir, sha + ".dex"), "wb") as f:
                f.write(data)
            with open(os.path.join(out_dir, sha + ".strings"), "w", encoding="ascii") as f:
                f.write("".join(line + "\n" for line in lines))
            index.write(f"{sha}\t{len(lines)}\t{undecodable}\t{source}\n")
    print(f"androguard_strings: {len(seen)} DEX files", file=sys.stderr)


if __name__ == "__main__":
    main()
