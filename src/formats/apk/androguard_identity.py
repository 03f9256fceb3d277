#!/usr/bin/env python3
"""Oracle for apk_test: prints, as JSON, the package, version name and SHA-256 of the first signing
certificate (v3, else v2, else v1) that Debian's androguard finds in each APK given."""
import hashlib, json, sys, logging
logging.disable(logging.CRITICAL)
from androguard.core.bytecodes.apk import APK
out = {}
for p in sys.argv[1:]:
    try:
        a = APK(p)
    except Exception as e:
        out[p] = {"error": str(e)[:80]}; continue
    certs = []
    try:
        certs = a.get_certificates_der_v3() or a.get_certificates_der_v2()
    except Exception:
        certs = []
    if not certs:
        try:
            names = a.get_signature_names()
            certs = [a.get_certificate_der(n) for n in names[:1]]
        except Exception:
            certs = []
    try:
        out[p] = {"package": a.get_package(), "version": a.get_androidversion_name() or "",
                  "sha256": hashlib.sha256(certs[0]).hexdigest() if certs else ""}
    except Exception as e:  # androguard gives up on some test APKs: no oracle for those
        out[p] = {"error": str(e)[:80]}
print(json.dumps(out, indent=1))
