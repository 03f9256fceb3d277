#!/usr/bin/python3
"""Oracle test: keysweep's resources.arsc and binary XML readers against androguard.

For every APK among androguard's examples (and the fixtures of tests/fixtures/android), it lets
androguard list
  * every string value of the default configuration in resources.arsc: simple entries as
    (@type/key, value), items of complex entries (arrays, plurals) as (@type/key[, value);
  * every string-typed attribute value of AndroidManifest.xml and of the malformed manifests in
    examples/axml/,
and checks that keysweep's extractor renders each one (same symbol for ARSC, same value for AXML).
Files androguard itself cannot read are reported and skipped; a keysweep error on a file
androguard reads is a failure.

    android_res_oracle.py KEYSWEEP_ANDROID_RES_DUMP WORK_DIR
"""
import glob
import json
import logging
import os
import subprocess
import sys
import zipfile

logging.disable(logging.CRITICAL)  # androguard logs every oddity it tolerates
from androguard.core.bytecodes import axml  # noqa: E402

EXAMPLES = "/usr/share/doc/androguard/examples"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "../../.."))
TYPE_STRING = 3
# keysweep leaves out resource values shorter than this many UTF-16 units (kShortestSecret in
# src/formats/labelled_text.h): no rule reports a secret that short.
SHORTEST_SECRET = 6


def long_enough(value):
    return len(value.encode("utf-16-le")) // 2 >= SHORTEST_SECRET


def rendered(value):
    # LabelledTextBuilder writes line breaks as \n and \r so a value stays on its key's line.
    return value.replace("\n", "\\n").replace("\r", "\\r")


def androguard_arsc(data):
    """{(symbol, value)} for simple entries, {(symbol_prefix, value)} for complex items."""
    arsc = axml.ARSCParser(data)
    arsc._analyse()
    type_of = {}
    for pkg in arsc.resource_keys.values():
        for type_name, keys in pkg.items():
            for key, res_id in keys.items():
                type_of[res_id] = (type_name, key)
    simple, complex_items = set(), set()
    for res_id, configs in arsc.resource_values.items():
        for config, ate in configs.items():
            if not config.is_default() or res_id not in type_of:
                continue
            type_name, key = type_of[res_id]
            symbol = "@%s/%s" % (type_name, key)
            if ate.is_complex():
                for _, value in ate.item.items:
                    if value.get_data_type() == TYPE_STRING:
                        s = value.get_data_value()
                        if s and long_enough(s):
                            complex_items.add((symbol + "[", rendered(s)))
            elif ate.key.get_data_type() == TYPE_STRING:
                s = ate.key.get_data_value()
                if s and long_enough(s):
                    simple.add((symbol, rendered(s)))
    return simple, complex_items


def androguard_axml(data):
    parser = axml.AXMLParser(data)
    if not parser.is_valid():
        raise ValueError("androguard: not valid AXML")
    values = set()
    while True:
        event = next(parser)
        if event == axml.END_DOCUMENT:
            break
        if event == axml.START_TAG:
            for i in range(parser.getAttributeCount()):
                if parser.getAttributeValueType(i) == TYPE_STRING:
                    v = parser.getAttributeValue(i)
                    if v:
                        values.add(rendered(v))
    if not parser.is_valid():
        raise ValueError("androguard: parse stopped early")
    return values


def keysweep(dump, path):
    out = subprocess.run([dump, path], capture_output=True, check=True).stdout
    lines, error = [], None
    for line in out.decode("utf-8", "replace").splitlines():
        j = json.loads(line)
        if "symbol" in j:
            lines.append((j["symbol"], j["value"]))
        elif "error" in j:
            error = j["error"]
    return lines, error


def main():
    dump, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    fixtures = os.path.join(work, "fixtures")
    subprocess.run([os.path.join(ROOT, "tests/fixtures/android/build_res_fixtures.sh"), fixtures],
                   check=True, stdout=subprocess.DEVNULL)
    apks = sorted(glob.glob(EXAMPLES + "/**/*.apk", recursive=True))
    apks = [a for a in apks if "/signing/apksig/" not in a]  # 80 copies of one tiny app
    arsc_files, axml_files = [], sorted(glob.glob(EXAMPLES + "/axml/*.xml"))
    for i, apk in enumerate(apks):
        try:
            with zipfile.ZipFile(apk) as z:
                for name, into in (("resources.arsc", arsc_files), ("AndroidManifest.xml", axml_files)):
                    if name in z.namelist():
                        path = os.path.join(work, "%02d_%s" % (i, name))
                        with open(path, "wb") as f:
                            f.write(z.read(name))
                        into.append(path)
        except (zipfile.BadZipFile, OSError) as e:
            print("skip %s: %s" % (apk, e))
    # aapt2's output is left out of the ARSC oracle: androguard 3.4 cannot read sparse type chunks.
    for tool in ("aapt1", "apktool"):
        arsc_files.append(os.path.join(fixtures, tool, "resources.arsc"))
    for tool in ("aapt1", "aapt2", "apktool"):
        axml_files += [os.path.join(fixtures, tool, n) for n in ("AndroidManifest.xml", "keys.xml")]

    failures, checked_values, checked_files, skipped = 0, 0, 0, 0
    for path in arsc_files:
        try:
            simple, complex_items = androguard_arsc(open(path, "rb").read())
        except Exception as e:  # androguard raises anything on files it cannot read
            print("androguard cannot read %s (%s): skipped" % (path, type(e).__name__))
            skipped += 1
            continue
        lines, error = keysweep(dump, path)
        got = set(lines)
        missing = [p for p in simple if p not in got]
        missing += [p for p in complex_items
                    if not any(s.startswith(p[0]) and v == p[1] for s, v in lines)]
        checked_files += 1
        checked_values += len(simple) + len(complex_items)
        if error or missing:
            failures += 1
            print("FAIL %s: error=%s, %d of %d values missing, e.g. %s" %
                  (path, error, len(missing), len(simple) + len(complex_items), missing[:3]))
    for path in axml_files:
        try:
            values = androguard_axml(open(path, "rb").read())
        except Exception as e:
            print("androguard cannot read %s (%s): skipped" % (path, e))
            skipped += 1
            continue
        lines, error = keysweep(dump, path)
        got = {v for _, v in lines}
        missing = sorted(values - got)
        checked_files += 1
        checked_values += len(values)
        if error or missing:
            failures += 1
            print("FAIL %s: error=%s, %d of %d values missing, e.g. %s" %
                  (path, error, len(missing), len(values), missing[:3]))
    print("androguard oracle: %d files, %d values checked, %d files androguard could not read, "
          "%d failures" % (checked_files, checked_values, skipped, failures))
    return 1 if failures or checked_files == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
