#!/usr/bin/python3
"""keysweep on the labelled CredData split, line by line, with the reasons behind each miss.

    creddata_report.py --keysweep BIN --candidates BIN [--jsonl FILE] [--min-f1 X]
                       [--min-precision X] [--show N]

Runs the corpus's own scorer (../shared/corpora/creddata/score_rows.py: per-category precision,
recall, F1, and the ids of missed and falsely hit rows), then explains up to N of each with
keysweep_context_candidates, which prints what the context scorer saw on each row's line:
  missed true row   "no candidate" (no credential name or syntax the reader knows), or the best
                    candidate's probability against the report threshold and the features that
                    pulled it down;
  false positive    the finding's rule and, for generic findings, the features that carried it.
Exits 1 when F1 or precision is below the given floors (the CI gate), 2 on a usage error.
Standard library only; run with Debian's /usr/bin/python3.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_JSONL = os.path.join(ROOT, '..', 'shared', 'corpora', 'creddata', 'creddata-train.jsonl')
MODEL = os.path.join(ROOT, 'src', 'context', 'scorer_model.txt')


def report_threshold(path):
    for line in open(path):
        parts = line.split()
        if len(parts) == 3 and parts[:2] == ['threshold', 'report']:
            return float(parts[2])
    return 0.5


def row_path(wd, r):
    ext = r['path_ext']
    return os.path.join(wd, '%s%s' % (r['id'], ext)) if ext.startswith('.') else os.path.join(wd, str(r['id']), ext)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--keysweep', required=True)
    ap.add_argument('--candidates', required=True)
    ap.add_argument('--jsonl', default=DEFAULT_JSONL)
    ap.add_argument('--min-f1', type=float)
    ap.add_argument('--min-precision', type=float)
    ap.add_argument('--show', type=int, default=15)
    a = ap.parse_args()
    scorer = os.path.join(os.path.dirname(a.jsonl), 'score_rows.py')
    for p in (a.jsonl, scorer):
        if not os.path.isfile(p):
            print('creddata_report: %s not found (the labelled corpus lives in ../shared/corpora)' % p,
                  file=sys.stderr)
            return 2
    tmp = tempfile.mkdtemp(prefix='ks-creddata-')
    try:
        dump = os.path.join(tmp, 'dump')
        res = subprocess.run([sys.executable, scorer, a.keysweep, a.jsonl, '--dump', dump],
                             stdout=subprocess.PIPE, text=True)
        print(res.stdout, end='')
        if res.returncode:
            return 2
        m = re.search(r'overall\s+precision ([\d.]+)\s+recall ([\d.]+)\s+F1 ([\d.]+)', res.stdout)
        precision, recall, f1 = (float(x) for x in m.groups())
        fn_ids = set(json.load(open(dump + '.fn.json')))
        fp_ids = set(json.load(open(dump + '.fp.json')))

        rows = {r['id']: r for r in map(json.loads, open(a.jsonl, encoding='utf8'))}
        shown = [i for i in sorted(fn_ids, key=str)[:a.show]] + [i for i in sorted(fp_ids, key=str)[:a.show]]
        wd = os.path.join(tmp, 'rows')
        path_of = {}
        for i in shown:
            p = row_path(wd, rows[i])
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, 'w', encoding='utf8') as fh:
                fh.write(rows[i]['text'] + '\n')
            path_of[os.path.normpath(p)] = i
        cands = {}
        if path_of:
            out = subprocess.run([a.candidates, wd], stdout=subprocess.PIPE, text=True, check=True).stdout
            for line in out.splitlines():
                c = json.loads(line)
                cands.setdefault(path_of.get(os.path.normpath(c['path'])), []).append(c)
        report = report_threshold(MODEL)

        def pulls(c, sign):
            # The scanner's own attribution (keysweep_context_candidates), strongest first.
            return ', '.join('%s %+.1f' % (text, w) for text, w in c['contributions'] if w * sign > 0)[:240]

        def snippet(i):
            return rows[i]['text'].split('\n')[0].strip()[:90]

        print('\nmissed true rows (%d; first %d), with what the context scorer saw:' % (len(fn_ids), min(a.show, len(fn_ids))))
        for i in sorted(fn_ids, key=str)[:a.show]:
            cs = cands.get(i, [])
            if not cs:
                why = 'no candidate: no credential name or known syntax on the line'
            else:
                best = max(cs, key=lambda c: c['probability'])
                why = 'best candidate %r p=%.2f < %.2f; pulled down by %s' % (
                    best['name'], best['probability'], report, pulls(best, -1) or 'nothing strong')
            print('  %-8s %-16s %s\n           %s' % (i, rows[i]['category'][:16], snippet(i), why))
        print('\nfalse positives (%d; first %d):' % (len(fp_ids), min(a.show, len(fp_ids))))
        for i in sorted(fp_ids, key=str)[:a.show]:
            cs = [c for c in cands.get(i, []) if c['probability'] >= report]
            why = ('context candidate %r p=%.2f carried by %s' % (cs[0]['name'], cs[0]['probability'], pulls(cs[0], 1))
                   if cs else 'a provider rule (not the context scorer)')
            print('  %-8s %-16s %s\n           %s' % (i, rows[i]['category'][:16], snippet(i), why))
    finally:
        shutil.rmtree(tmp)
    failed = []
    if a.min_f1 is not None and f1 < a.min_f1:
        failed.append('F1 %.3f is below %.3f' % (f1, a.min_f1))
    if a.min_precision is not None and precision < a.min_precision:
        failed.append('precision %.3f is below %.3f' % (precision, a.min_precision))
    for f in failed:
        print('FAIL:', f)
    if not failed:
        print('PASS: precision %.3f, recall %.3f, F1 %.3f' % (precision, recall, f1))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
