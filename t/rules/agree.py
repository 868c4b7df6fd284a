#!/usr/bin/env python3
"""agree.py - run a promtool rule unit-test file through evaluate.

  agree.py check TEST.yml          evaluate must fire exactly the exp_alerts
                                   of every alert_rule_test (promtool's answers)
  agree.py points TEST.yml         print the input series as metric points
  agree.py gen TEST.yml T1,T2,...  print TEST.yml with alert_rule_test filled
                                   from evaluate's answers at those eval times
                                   (a starting point; promtool then judges it)

input_series in promtool's notation ("0+60x25", "1x4", "_", "_x3") become
metric points at interval steps from epoch 0; for each eval time evaluate
reads the points up to it (--until T, --resend 0) and the alerts firing at T
are the last event of each fingerprint that says firing.
"""
import datetime, json, os, re, subprocess, sys
import yaml

EVALUATE = os.environ.get("EVALUATE", "evaluate")

def dur(s):
    if isinstance(s, (int, float)):
        return int(s * 1000)
    total, n = 0, ""
    units = {"ms": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000, "w": 604800000}
    for m in re.finditer(r"(\d+)(ms|s|m|h|d|w)", s):
        total += int(m.group(1)) * units[m.group(2)]
    return total

def expand(values):
    out = []
    for tok in str(values).split():
        if "x" in tok:
            base, n = tok.rsplit("x", 1)
            n = int(n)
            if base == "_":
                out += [None] * n
                continue
            m = re.match(r"^(-?[0-9.e]+)([+-][0-9.e]+)?$", base)
            a = float(m.group(1))
            b = float(m.group(2)) if m.group(2) else 0.0
            out += [a + i * b for i in range(n + 1)]
        elif tok == "_":
            out.append(None)
        elif tok == "stale":
            raise SystemExit("agree.py: stale markers are not supported")
        else:
            out.append(float(tok))
    return out

def parse_series(s):
    m = re.match(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(\{(.*)\})?\s*$", s)
    name, labels = m.group(1), {}
    for lm in re.finditer(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"', m.group(3) or ""):
        labels[lm.group(1)] = lm.group(2)
    if not name:
        name = labels.pop("__name__")
    return name, labels

def points(test):
    iv = dur(test.get("interval", "1m"))
    pts = []
    for s in test.get("input_series", []):
        name, labels = parse_series(s["series"])
        for i, v in enumerate(expand(s["values"])):
            if v is not None:
                pts.append((i * iv, name, labels, v))
    pts.sort(key=lambda p: p[0])
    return pts

def firing_at(rule_files, pts, t, eval_iv):
    inp = "".join(json.dumps({"name": n, "labels": l, "ts": ts, "value": v}) + "\n"
                  for ts, n, l, v in pts if ts <= t)
    args = [EVALUATE, "--interval", "%dms" % eval_iv, "--resend", "0", "--until",
            datetime.datetime.fromtimestamp(t / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")]
    for f in rule_files:
        args += ["-r", f]
    r = subprocess.run(args, input=inp, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("agree.py: evaluate failed (%d): %s" % (r.returncode, r.stderr))
    last = {}
    for line in r.stdout.splitlines():
        ev = json.loads(line)
        if "fingerprint" in ev:
            last[ev["fingerprint"]] = ev
    got = {}
    for ev in last.values():
        if ev["status"] != "firing":
            continue
        labels = dict(ev["labels"])
        name = labels.pop("alertname")
        got.setdefault(name, []).append({"exp_labels": labels,
                                         "exp_annotations": ev.get("annotations", {})})
    return got

def norm(alerts):
    return sorted(json.dumps({"l": a.get("exp_labels") or {}, "a": a.get("exp_annotations") or {}},
                             sort_keys=True) for a in alerts or [])

def main():
    mode, path = sys.argv[1], sys.argv[2]
    doc = yaml.safe_load(open(path))
    base = os.path.dirname(os.path.abspath(path))
    rules = [os.path.join(base, f) for f in doc["rule_files"]]
    eval_iv = dur(doc.get("evaluation_interval", "1m"))
    fails = 0
    for ti, test in enumerate(doc["tests"]):
        pts = points(test)
        if mode == "points":
            for ts, n, l, v in pts:
                print(json.dumps({"name": n, "labels": l, "ts": ts, "value": v}))
            continue
        if mode == "gen":
            names = []
            for f in rules:
                for g in yaml.safe_load(open(f))["groups"]:
                    names += [r["alert"] for r in g["rules"] if "alert" in r]
            art = []
            for t in sys.argv[3].split(","):
                got = firing_at(rules, pts, dur(t), eval_iv)
                for n in names:
                    art.append({"eval_time": t, "alertname": n, "exp_alerts": got.get(n, [])})
            test["alert_rule_test"] = art
            continue
        cache = {}
        for case in test.get("alert_rule_test", []):
            t = dur(case["eval_time"])
            if t not in cache:
                cache[t] = firing_at(rules, pts, t, eval_iv)
            got = norm(cache[t].get(case["alertname"]))
            exp = norm(case.get("exp_alerts"))
            if got != exp:
                fails += 1
                print("MISMATCH test %d %s at %s\n  promtool: %s\n  evaluate: %s" %
                      (ti, case["alertname"], case["eval_time"], exp, got))
    if mode == "gen":
        yaml.safe_dump(doc, sys.stdout, sort_keys=False, width=200)
    sys.exit(1 if fails else 0)

main()
