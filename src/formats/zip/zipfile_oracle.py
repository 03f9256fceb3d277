#!/usr/bin/python3
"""Lists the entries Python's zipfile sees in each archive given, as JSON on stdout:
{"path": [{"name_hex", "dir", "method", "size", "crc", "encrypted"}, ...], ...}.
The zip extractor's test uses it as an independent oracle: every entry zipfile can list must be
emitted. Archives zipfile cannot open are left out (their key maps to null)."""
import json
import sys
import zipfile

out = {}
for path in sys.argv[1:]:
    try:
        with zipfile.ZipFile(path) as z:
            rows = []
            for i in z.infolist():
                # orig_filename is the name before zipfile cuts it at a NUL; re-encode it the way
                # zipfile decoded it to get the stored bytes back.
                raw = i.orig_filename.encode("utf-8" if i.flag_bits & 0x800 else "cp437")
                rows.append(dict(name_hex=raw.hex(), dir=i.is_dir(), method=i.compress_type,
                                 size=i.file_size, crc=i.CRC, encrypted=bool(i.flag_bits & 1)))
            out[path] = rows
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        out[path] = None
json.dump(out, sys.stdout)
