#!/usr/bin/env python3
"""exprdiff.py TEST.yml N SEED > OUT.test.yml

Differential check of raw expression values: N random expressions of
evaluate's PromQL subset over TEST.yml's input series, evaluated by
`evaluate --query` at a few instants, written as promtool promql_expr_test
cases; `promtool test rules OUT.test.yml` then says where the two disagree.
(promtool sums series in an order it does not fix, so a sum over three or
more inexact values may differ in the last bit from run to run.)"""
import datetime, json, os, random, subprocess, sys
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
EVALUATE = os.environ.get("EVALUATE", "evaluate")

def load_agree():
    src = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "agree.py")).read()
    g = {"__name__": "agree"}
    exec(src.rsplit("\nmain()", 1)[0], g)
    return g

A = load_agree()
path, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
doc = yaml.safe_load(open(path))
test = doc["tests"][0]
pts = A["points"](test)
inp = "".join(json.dumps({"name": nm, "labels": l, "ts": ts, "value": v}) + "\n" for ts, nm, l, v in pts)
random.seed(seed)
sel = ['http_requests_total', 'up', 'temperature', 'node_disk_used', 'req_latency_bucket', 'machine_info', 'queue_size']
fns = ['rate', 'irate', 'increase', 'delta', 'idelta', 'avg_over_time', 'min_over_time', 'max_over_time',
       'sum_over_time', 'count_over_time', 'stddev_over_time', 'last_over_time', 'absent_over_time']
def vec(d):
    r = random.random()
    if d > 2 or r < 0.25:
        return random.choice(sel) + random.choice(['', '{job="api"}', '{instance!="b"}', '{code=~"5.."}', '{le=~"0.*"}']) + random.choice(['', '', ' offset 2m'])
    if r < 0.45:
        return '%s(%s%s)' % (random.choice(fns), random.choice(sel), random.choice(['[2m]', '[5m]', '[7m]']))
    if r < 0.5:
        return '%s(%s)' % (random.choice(['abs', 'absent', 'round']), vec(d + 1))
    if r < 0.62:
        return '%s %s (%s)' % (random.choice(['min', 'max', 'count', 'sum', 'avg']), random.choice(['by (job)', 'by (instance)', 'without (code)', 'by (le)']), vec(d + 1))
    if r < 0.7:
        return 'histogram_quantile(%s, %s)' % (random.choice(['0.5', '0.9', '0.99']), 'rate(req_latency_bucket[5m])')
    if r < 0.75:
        return 'clamp_max(%s, 50)' % vec(d + 1)
    o = random.choice(['+', '-', '*', '/', '>', '<', '==', '!=', '>=', '> bool', 'and', 'or', 'unless'])
    if o in ('and', 'or', 'unless'):
        return '(%s) %s%s (%s)' % (vec(d + 1), o, random.choice(['', ' on(instance)']), vec(d + 1))
    if random.random() < 0.5:
        return '(%s) %s %s' % (vec(d + 1), o, random.choice(['1', '10', '0.5', '100']))
    return '(%s) %s%s (%s)' % (vec(d + 1), o, random.choice(['', ' on(instance)', ' ignoring(code)', ' on(instance) group_left(team)']), vec(d + 1))

def fmt_labels(name, labels):
    inner = ",".join('%s="%s"' % (k, v.replace("\\", "\\\\").replace('"', '\\"')) for k, v in sorted(labels.items()))
    return (name or "") + "{" + inner + "}"

cases = []
for i in range(n):
    e = vec(0)
    for t in ("5m", "9m", "14m"):
        ms = A["dur"](t)
        until = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        r = subprocess.run([EVALUATE, "--query", e, "--until", until], input=inp, capture_output=True, text=True)
        if r.returncode != 0:
            # an evaluation error (many-to-many matching...): promtool errs too,
            # and promql_expr_test cannot expect an error
            sys.stderr.write("skipped %r: %s" % (e, r.stderr))
            break
        samples = []
        for line in r.stdout.splitlines():
            p = json.loads(line)
            v = p["value"]
            if isinstance(v, str) or v is None:
                v = {"NaN": "NaN", "+Inf": "+Inf", "-Inf": "-Inf"}.get(v, "NaN")
            samples.append({"labels": fmt_labels(p["name"], p["labels"]), "value": v})
        cases.append({"expr": e, "eval_time": t, "exp_samples": samples})
out = {"evaluation_interval": doc.get("evaluation_interval", "1m"),
       "tests": [{"interval": test.get("interval", "1m"), "input_series": test["input_series"],
                  "promql_expr_test": cases}]}
yaml.safe_dump(out, sys.stdout, sort_keys=False, width=400)
