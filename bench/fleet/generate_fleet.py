#!/usr/bin/env python3
"""Generates a fleet of APK-shaped apps for `keysweep scan --datastore` and `keysweep report`.

    /usr/bin/python3 bench/fleet/generate_fleet.py --out build/fleet-2000 --apps 2000
    /usr/bin/python3 bench/fleet/generate_fleet.py --out DIR --apps 40     # the tests' small fleet

Writes, under OUT:
  apps/pNNN/<package>-<version>.apk  real APK layout: binary AndroidManifest.xml and resources.arsc
                        (aapt2), DEX files (smali), assets, drawables, and an APK Signature Scheme v2
                        block signed with the publisher's own key (RSA 2048, openssl), so keysweep
                        reads package, version and signing certificate as it does for store APKs
  apps/malformed/*.apk  a few broken inputs: truncated, garbage, zip-bomb-ish, bad central directory
  metadata.csv          app_id,publisher,installs,store (one row per package)
  truth.json            what was planted where: each credential's sha256, rule, holder, apps, publishers,
                        and what it grants (rules/*.toml `grants`: the report's risk order starts there)

How the apps differ (all values FAKE, from tests/fixtures/fake_credentials.Fakes, seeded):
  - package com.pNNN.appNNNNN (publisher NNN); version a.b.c; about 10% of packages in two versions
  - ~60% hold an app-unique Google API key in their own code (com.pNNN.appNNNNN.ApiConfig)
  - SDKs in classes2/3/4.dex, each with ONE key shared by every app that bundles it, across
    publishers: com.example.sdk.Telemetry (AWS key pair), com.adnet.ads.AdConfig (Slack webhook),
    io.mapkit.core.MapKit (Google API key)
  - each publisher's Twilio Account SID + Auth Token in assets/config.json of about half its apps
    (one credential, one signer, many apps); one Stripe key shared by 3 publishers ("an agency")
  - ~20% hold an app-unique SendGrid key in assets/config.json
  - sizes: log-normal, median ~0.6 MB, 40 KB .. 48 MB (drawables stored, JS bundles deflated),
    times --size-scale

Deterministic for a given --seed and --apps, except the publishers' RSA keys (openssl draws fresh
ones; they are kept in OUT/.keys and reused, as build_demo_apps.sh keeps its keystores).
Needs: aapt2, smali, openssl, /usr/share/android-framework-res/framework-res.apk.
"""
import argparse
import base64
import csv
import hashlib
import io
import json
import math
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "fixtures"))
from fake_credentials import Fakes  # noqa: E402

FRAMEWORK = "/usr/share/android-framework-res/framework-res.apk"
PKG_PLACEHOLDER = "com.p000.app00000"  # every package has this length: com.pNNN.appNNNNN
VERSION_PLACEHOLDER = "0.0.0"
KEY_PLACEHOLDER = "AIza" + "Q" * 35  # the app's own Google key, patched per app (same length)
# Apps without a key of their own get this instead: same length, and it sorts where the key did
# (after "<init>", before "Lcom/..."), so the DEX string table stays sorted.
NO_KEY = "APIKEY-loaded-from-remote-config-000000"
STAMP = (2023, 11, 14, 22, 13, 20)
GENERATOR_VERSION = "6"  # bump when the output changes, so cached fleets are rebuilt


def run(cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)


# ------------------------------------------------------------------------- templates (built once)

MANIFEST = """<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android"
    package="{pkg}" android:versionCode="1" android:versionName="{ver}">
  <uses-permission android:name="android.permission.INTERNET"/>
  <application android:label="@string/app_name">
    <activity android:name=".MainActivity" android:exported="true"/>
  </application>
</manifest>
"""

STRINGS = """<?xml version="1.0" encoding="utf-8"?>
<resources><string name="app_name">Fleet App</string></resources>
"""

MAIN_ACTIVITY = """.class public L{path}/MainActivity;
.super Landroid/app/Activity;
.method public constructor <init>()V
    .registers 1
    invoke-direct {{p0}}, Landroid/app/Activity;-><init>()V
    return-void
.end method
"""

API_CONFIG = """.class public final L{path}/ApiConfig;
.super Ljava/lang/Object;
.method public static mapsKey()Ljava/lang/String;
    .registers 1
    const-string v0, "{key}"
    return-object v0
.end method
"""

SDK_CLASS = """.class public final L{cls};
.super Ljava/lang/Object;
{fields}
"""


def sdk_definitions(fakes):
    """The three SDKs: class, fields (name, value). One key per SDK, shared by all its apps."""
    return [
        ("com/example/sdk/Telemetry", [("AWS_ACCESS_KEY_ID", fakes.aws_access_key_id()),
                                       ("AWS_SECRET_ACCESS_KEY", fakes.aws_secret_access_key())]),
        ("com/adnet/ads/AdConfig", [("ALERT_WEBHOOK", fakes.slack_webhook())]),
        ("io/mapkit/core/MapKit", [("API_KEY", fakes.google_api_key())]),
    ]


def build_templates(tdir, sdks):
    """aapt2 + smali, once: manifest, resources.arsc, the app DEX with/without a key, SDK DEXes."""
    for tool in ("aapt2", "smali", "openssl"):
        if not shutil.which(tool):
            sys.exit(f"generate_fleet: {tool} not found (run scripts/install-deps)")
    if not os.path.exists(FRAMEWORK):
        sys.exit(f"generate_fleet: {FRAMEWORK} missing (android-framework-res)")
    os.makedirs(tdir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="fleet-tpl-")
    try:
        path = PKG_PLACEHOLDER.replace(".", "/")
        os.makedirs(f"{work}/res/values")
        with open(f"{work}/AndroidManifest.xml", "w") as f:
            f.write(MANIFEST.format(pkg=PKG_PLACEHOLDER, ver=VERSION_PLACEHOLDER))
        with open(f"{work}/res/values/strings.xml", "w") as f:
            f.write(STRINGS)
        run(["aapt2", "compile", "--dir", f"{work}/res", "-o", f"{work}/res.zip"])
        run(["aapt2", "link", "-o", f"{work}/res.apk", "-I", FRAMEWORK, "--manifest",
             f"{work}/AndroidManifest.xml", "--min-sdk-version", "24", "--target-sdk-version", "30",
             f"{work}/res.zip"])
        with zipfile.ZipFile(f"{work}/res.apk") as z:
            for name in ("AndroidManifest.xml", "resources.arsc"):
                with open(f"{tdir}/{name}", "wb") as f:
                    f.write(z.read(name))
        sources = {"app": [MAIN_ACTIVITY.format(path=path),
                           API_CONFIG.format(path=path, key=KEY_PLACEHOLDER)]}
        for i, (cls, fields) in enumerate(sdks):
            body = "\n".join(f'.field public static final {n}:Ljava/lang/String; = "{v}"'
                             for n, v in fields)
            sources[f"sdk{i}"] = [SDK_CLASS.format(cls=cls, fields=body)]
        jobs = []  # one JVM each: start them all at once
        for name, classes in sources.items():
            sdir = f"{work}/smali-{name}"
            os.makedirs(sdir)
            for j, text in enumerate(classes):
                with open(f"{sdir}/C{j}.smali", "w") as f:
                    f.write(text)
            jobs.append(subprocess.Popen(["smali", "assemble", "--api", "24", "-o",
                                          f"{tdir}/{name}.dex", sdir], stdout=subprocess.DEVNULL))
        if any(j.wait() != 0 for j in jobs):
            sys.exit("generate_fleet: smali failed")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def publisher_key(kdir, pub):
    """An RSA key and self-signed certificate per publisher, made once and kept."""
    os.makedirs(kdir, exist_ok=True)
    key, cert = f"{kdir}/p{pub:03d}.key.pem", f"{kdir}/p{pub:03d}.cert.der"
    if not os.path.exists(cert):
        pem = cert + ".pem"
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
             "-out", pem, "-days", "10000", "-subj", f"/CN=Publisher {pub:03d}/O=Fleet Demo {pub:03d}"],
            stderr=subprocess.DEVNULL)
        run(["openssl", "x509", "-in", pem, "-outform", "DER", "-out", cert + ".tmp"])
        os.replace(cert + ".tmp", cert)
    spki = subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"],
                          check=True, capture_output=True).stdout
    with open(cert, "rb") as f:
        return key, f.read(), spki


# ------------------------------------------------------------------------- per-app bytes

def patch_same_length(data, old, new):
    """Replaces every occurrence of old by new (same length) in UTF-8 and UTF-16LE form."""
    assert len(old) == len(new), (old, new)
    data = data.replace(old.encode(), new.encode())
    return data.replace(old.encode("utf-16-le"), new.encode("utf-16-le"))


def fix_dex_checksums(dex):
    """A DEX header holds SHA-1 of bytes 32.. and Adler-32 of bytes 12..: recompute both."""
    dex = bytearray(dex)
    dex[12:32] = hashlib.sha1(dex[32:]).digest()
    dex[8:12] = struct.pack("<I", zlib.adler32(bytes(dex[12:])) & 0xFFFFFFFF)
    return bytes(dex)


def u32(n):
    return struct.pack("<I", n)


def lp(b):
    return u32(len(b)) + b


def v2_sign(unsigned, key_pem, cert_der, spki_der):
    """APK Signature Scheme v2 (RSASSA-PKCS1-v1_5 + SHA-256, id 0x0103): the signing block
    inserted before the central directory. Real signatures: `apksigner verify` accepts them."""
    eocd = unsigned.rfind(b"PK\x05\x06")
    cd_off = struct.unpack_from("<I", unsigned, eocd + 16)[0]
    sections = [unsigned[:cd_off], unsigned[cd_off:eocd], unsigned[eocd:]]
    chunk_digests = []
    for s in sections:
        for i in range(0, max(len(s), 1), 1 << 20):
            c = s[i:i + (1 << 20)]
            if c or not s:
                chunk_digests.append(hashlib.sha256(b"\xa5" + u32(len(c)) + c).digest())
    top = hashlib.sha256(b"\x5a" + u32(len(chunk_digests)) + b"".join(chunk_digests)).digest()
    algo = 0x0103
    signed_data = lp(lp(u32(algo) + lp(top))) + lp(lp(cert_der)) + lp(b"")
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key_pem], input=signed_data,
                         check=True, capture_output=True).stdout
    signer = lp(signed_data) + lp(lp(u32(algo) + lp(sig))) + lp(spki_der)
    value = lp(lp(signer))
    pair = struct.pack("<Q", 4 + len(value)) + u32(0x7109871A) + value
    size = len(pair) + 8 + 16
    block = struct.pack("<Q", size) + pair + struct.pack("<Q", size) + b"APK Sig Block 42"
    new_eocd = bytearray(sections[2])
    struct.pack_into("<I", new_eocd, 16, cd_off + len(block))
    return sections[0] + block + sections[1] + bytes(new_eocd)


WORDS = ("function var return this null true false window document length push render state "
         "props const let async await promise then catch module exports require default "
         "export import class extends super new typeof undefined object string number").split()


_JS_LINES = None


def js_text(rng, size):
    """Minified-JS-like text (deflates ~3:1 at level 1, ~3.7:1 at 6): lines drawn from a pool of
    4096 generated ones, too many for deflate's 32 KiB window to find many repeats."""
    global _JS_LINES
    if _JS_LINES is None:
        pool = random.Random("fleet-js")
        _JS_LINES = ["".join(pool.choice(WORDS) + pool.choice("(){};.,=+ ") for _ in range(24)) + "\n"
                     for _ in range(4096)]
    n = size // 150 + 1
    return "".join(rng.choices(_JS_LINES, k=n))[:size].encode()


def write_zip(entries):
    """entries: (name, bytes, stored?) in order; fixed timestamps, so output is reproducible."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data, stored in entries:
            info = zipfile.ZipInfo(name, STAMP)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data, compresslevel=1)  # fast; ratio ~3:1 on the JS text
    return buf.getvalue()


# ------------------------------------------------------------------------- the fleet plan

def plan(args):
    """Decides every app's contents from the seed alone (no I/O), so the plan is reproducible."""
    rng = random.Random(f"fleet-{args.seed}")
    fakes = Fakes(f"keysweep-fleet-{args.seed}")
    n_pub = args.publishers or max(4, args.apps // 50)
    n_malformed = max(4, args.apps // 100)
    n_good = args.apps - n_malformed
    publishers = []
    for p in range(n_pub):
        publishers.append({"id": p, "name": f"Publisher {p:03d} Ltd",
                           "twilio": (fakes.twilio_account_sid(), fakes.twilio_auth_token())})
    stripe = fakes.stripe_secret_key()
    agency = sorted(rng.sample(range(n_pub), min(3, n_pub)))
    sdks = sdk_definitions(fakes)
    apps, packages = [], []
    while len(apps) < n_good:
        pub = rng.randrange(n_pub) if packages else 0
        pkg = f"com.p{pub:03d}.app{len(packages):05d}"
        installs = int(10 ** rng.uniform(2, 7.3))  # 100 .. 20M, log-uniform
        packages.append({"package": pkg, "publisher": pub, "installs": installs,
                         "store": rng.choice(["google_play", "google_play", "apkpure"])})
        versions = 2 if rng.random() < 0.10 else 1
        base = (rng.randrange(1, 9), rng.randrange(10), rng.randrange(10))
        own_key = fakes.google_api_key() if rng.random() < 0.6 else None
        bundled = [i for i, share in enumerate((0.10, 0.06, 0.08)) if rng.random() < share]
        twilio = rng.random() < 0.5
        sendgrid = fakes.sendgrid_key() if rng.random() < 0.2 else None
        uses_stripe = pub in agency and rng.random() < 0.4
        size = int(min(48e6, max(40e3, rng.lognormvariate(math.log(600e3), 1.2))) * args.size_scale)
        for v in range(versions):
            if len(apps) >= n_good:
                break
            ver = f"{base[0]}.{base[1]}.{(base[2] + v) % 10}"
            apps.append({"package": pkg, "version": ver, "publisher": pub, "own_key": own_key,
                         "sdks": bundled, "twilio": twilio, "sendgrid": sendgrid,
                         "stripe": uses_stripe, "size": size, "seed": rng.getrandbits(64)})
    malformed = [{"kind": ["truncated", "garbage", "zip-bomb-ish", "bad-central-directory"][i % 4],
                  "seed": rng.getrandbits(64)} for i in range(n_malformed)]
    return publishers, stripe, sdks, packages, apps, malformed


# What each planted credential grants, as rules/*.toml say (the twilio.account pair takes its
# Auth Token's): the report's risk order starts from it.
RULE_GRANTS = {"google.api_key": "scoped-write", "twilio.auth_token": "full-account",
               "sendgrid.api_key": "scoped-write", "stripe.secret_key": "full-account"}
SDK_GRANTS = {"com/example/sdk/Telemetry": "full-account",  # an AWS key pair
              "com/adnet/ads/AdConfig": "scoped-write",     # a Slack webhook
              "io/mapkit/core/MapKit": "scoped-write"}      # a Google API key


def sendgrid_encoded(app):
    """Half of the apps with a SendGrid key store it base64-encoded only (from the app's own seed,
    so the other draws stay as they were): the report shows the decoding that revealed it."""
    return app["seed"] & 1 == 1


def config_json(app, pub, stripe):
    cfg = {"api_base": f"https://api.{app['package'].split('.')[1]}.example.com/v1",
           "refresh_seconds": 30}
    if app["twilio"]:
        cfg["twilio"] = {"account_sid": pub["twilio"][0], "auth_token": pub["twilio"][1]}
    if app["sendgrid"]:
        if sendgrid_encoded(app):
            cfg["sendgrid_api_key_b64"] = base64.b64encode(app["sendgrid"].encode()).decode()
        else:
            cfg["sendgrid_api_key"] = app["sendgrid"]
    if app["stripe"]:
        cfg["stripe_secret_key"] = stripe
    return json.dumps(cfg, indent=2).encode()


def app_bytes(app, pub, stripe, tdir, keys, sdk_dex):
    rng = random.Random(app["seed"])
    with open(f"{tdir}/AndroidManifest.xml", "rb") as f:
        manifest = f.read()
    with open(f"{tdir}/resources.arsc", "rb") as f:
        arsc = f.read()
    manifest = patch_same_length(manifest, PKG_PLACEHOLDER, app["package"])
    manifest = patch_same_length(manifest, VERSION_PLACEHOLDER, app["version"])
    arsc = patch_same_length(arsc, PKG_PLACEHOLDER, app["package"])
    with open(f"{tdir}/app.dex", "rb") as f:
        dex = f.read()
    dex = dex.replace(PKG_PLACEHOLDER.replace(".", "/").encode(),
                      app["package"].replace(".", "/").encode())
    dex = dex.replace(KEY_PLACEHOLDER.encode(), (app["own_key"] or NO_KEY).encode())
    entries = [("AndroidManifest.xml", manifest, False), ("classes.dex", fix_dex_checksums(dex), False)]
    for i, s in enumerate(app["sdks"]):
        entries.append((f"classes{i + 2}.dex", sdk_dex[s], False))
    entries.append(("resources.arsc", arsc, True))
    entries.append(("assets/config.json", config_json(app, pub, stripe), False))
    # Filler up to the planned size: ~60% stored drawables (incompressible), ~40% JS text.
    remaining = app["size"] - sum(len(e[1]) for e in entries)
    png_budget = int(remaining * 0.6)
    k = 0
    while png_budget > 0:
        n = min(png_budget, rng.randrange(8_000, 400_000))
        entries.append((f"res/drawable-xxhdpi/img_{k:04d}.png",
                        b"\x89PNG\r\n\x1a\n" + rng.randbytes(max(0, n - 8)), True))
        png_budget -= n
        k += 1
    js = int(remaining * 0.4) * 3  # deflates ~3:1 at level 1
    if js > 0:
        entries.append(("assets/www/bundle.js", js_text(rng, js), False))
    key, cert, spki = keys
    return v2_sign(write_zip(entries), key, cert, spki)


def malformed_bytes(m, i, good_samples):
    """Each broken file has its own content (a store keeps one row per content): a different
    small app to cut or damage, a different bomb size."""
    rng = random.Random(m["seed"])
    kind = m["kind"]
    good_sample = good_samples[i % len(good_samples)]
    if kind == "truncated":
        return good_sample[: len(good_sample) * 3 // 5]
    if kind == "garbage":
        return rng.randbytes(rng.randrange(1000, 200_000))
    if kind == "zip-bomb-ish":
        # 64 MiB of zeros deflate to ~64 KiB: far past keysweep's 200:1 ratio limit.
        return write_zip([("AndroidManifest.xml", b"\x03\x00\x08\x00" + bytes(4), False),
                          ("assets/huge.bin", bytes((64 + i) << 20), False)])
    data = bytearray(good_sample)
    eocd = data.rfind(b"PK\x05\x06")
    struct.pack_into("<I", data, eocd + 16, len(data) + 12345)  # CD offset past the end
    return bytes(data)


def sha256(s):
    return hashlib.sha256(s.encode()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--apps", type=int, default=2000, help="files, malformed ones included")
    ap.add_argument("--publishers", type=int, default=0, help="default: max(4, apps/50)")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--size-scale", type=float, default=1.0,
                    help="multiply every app's size (tests: 0.02 for a fleet of a few MB)")
    args = ap.parse_args()
    if args.apps < 8:
        sys.exit("generate_fleet: --apps must be at least 8")
    out = os.path.abspath(args.out)
    stamp = f"{out}/.complete"
    wanted = (f"v{GENERATOR_VERSION} apps={args.apps} publishers={args.publishers} seed={args.seed} "
              f"size_scale={args.size_scale}\n")
    if os.path.exists(stamp) and open(stamp).read() == wanted:
        print(f"generate_fleet: {out} is up to date", file=sys.stderr)
        return
    publishers, stripe, sdks, packages, apps, malformed = plan(args)
    tdir = f"{out}/.template"
    if os.path.exists(stamp):
        os.remove(stamp)
    shutil.rmtree(f"{out}/apps", ignore_errors=True)
    shutil.rmtree(tdir, ignore_errors=True)
    build_templates(tdir, sdks)
    sdk_dex = []
    for i in range(len(sdks)):
        with open(f"{tdir}/sdk{i}.dex", "rb") as f:
            sdk_dex.append(f.read())
    keys = {p["id"]: publisher_key(f"{out}/.keys", p["id"]) for p in publishers}

    truth = {}  # secret sha256 -> what was planted

    def plant(secret, rule, holder, app, path, decoders="", grants=None):
        t = truth.setdefault(sha256(secret), {"rule": rule, "holder": holder, "files": [],
                                              "packages": set(), "publishers": set(),
                                              "decoders": decoders,
                                              "grants": grants or RULE_GRANTS[rule]})
        t["files"].append(path)
        t["packages"].add(app["package"])
        t["publishers"].add(app["publisher"])

    samples = []  # small apps, to break into malformed ones
    for app in apps:
        pub = publishers[app["publisher"]]
        rel = f"apps/p{app['publisher']:03d}/{app['package']}-{app['version']}.apk"
        os.makedirs(os.path.dirname(f"{out}/{rel}"), exist_ok=True)
        data = app_bytes(app, pub, stripe, tdir, keys[app["publisher"]], sdk_dex)
        with open(f"{out}/{rel}", "wb") as f:
            f.write(data)
        if len(data) < 300_000 and len(samples) < 64:
            samples.append(data)
        if app["own_key"]:
            plant(app["own_key"], "google.api_key", "app", app, rel)
        for s in app["sdks"]:
            cls, fields = sdks[s]
            pkg = ".".join(cls.split("/")[:3])
            plant(fields[-1][1], "sdk-secret", "sdk:" + pkg, app, rel, grants=SDK_GRANTS[cls])
        if app["twilio"]:
            plant(pub["twilio"][1], "twilio.auth_token", "app", app, rel)
        if app["sendgrid"]:
            plant(app["sendgrid"], "sendgrid.api_key", "app", app, rel,
                  "base64" if sendgrid_encoded(app) else "")
        if app["stripe"]:
            plant(stripe, "stripe.secret_key", "app", app, rel)
    os.makedirs(f"{out}/apps/malformed", exist_ok=True)
    for i, m in enumerate(malformed):
        with open(f"{out}/apps/malformed/broken-{i:03d}-{m['kind']}.apk", "wb") as f:
            f.write(malformed_bytes(m, i, samples or [data]))
    with open(f"{out}/metadata.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["app_id", "publisher", "installs", "store"])
        for p in packages:
            w.writerow([p["package"], publishers[p["publisher"]]["name"], p["installs"], p["store"]])
    with open(f"{out}/truth.json", "w") as f:
        json.dump({"apps": len(apps), "malformed": len(malformed), "publishers": len(publishers),
                   "secrets": {k: {**v, "packages": sorted(v["packages"]),
                                   "publishers": sorted(v["publishers"])}
                               for k, v in sorted(truth.items())}}, f, indent=1)
    with open(stamp, "w") as f:
        f.write(wanted)
    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(f"{out}/apps") for n in ns)
    print(f"generate_fleet: {len(apps)} apps + {len(malformed)} malformed, {len(publishers)} "
          f"publishers, {total / 1e6:.1f} MB in {out}/apps", file=sys.stderr)


if __name__ == "__main__":
    main()
