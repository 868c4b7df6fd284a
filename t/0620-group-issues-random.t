#!/bin/sh
# group-issues on random alert streams (three clusters, six alert names,
# cards of one to three sections, gaps from none to five hours): the same
# input twice changes nothing, and the input split across two runs gives
# the issues one run gives.  State in --state files (no database).
. "$(dirname "$0")/lib.sh"
plan 24

gen() {
	python3 - "$1" <<'PY'
import json, random, sys
random.seed(int(sys.argv[1]))
names = ["HeapUsageTooHigh", "FEGCCount", "BeAliveAbnormal", "OperationAbnormal",
         "ProcNotRunning", "RootFreeDiskLessThan10%"]
t = 0
for i in range(400):
    t += random.choice([0, 60, 300, 600, 1200, 1800, 1860, 3600, 4 * 3600, 5 * 3600])
    n = random.randint(1, 3)
    st = random.choice(["Firing"] * 4 + ["Resolved"])
    print(json.dumps({"message_id": "m%d-%s" % (i, st[0]), "created_at": str(1773100800 + t),
        "cluster_id": "|".join(random.choice(["c1", "c2", "c3"]) for _ in range(n)),
        "alert_status": st, "alert_name": "|".join(random.choice(names) for _ in range(n))}))
PY
}
gi() { group-issues --retain 1000d --now 2026-04-30 --state "$@" 2>/dev/null; }

for seed in 1 2 3 4 5 6 7 8 9 10 11 12; do
	gen "$seed" >"$T/in"
	rm -f "$T/s1" "$T/s2"
	gi "$T/s1" "$T/in" >/dev/null
	is "$(gi "$T/s1" "$T/in" | wc -l | tr -d ' ')" 0 "seed $seed: the same input again changes nothing"
	head -n 150 "$T/in" | gi "$T/s2" >/dev/null
	tail -n +151 "$T/in" | gi "$T/s2" >/dev/null
	sort "$T/s1" >"$T/a"
	sort "$T/s2" >"$T/b"
	check_same "seed $seed: split across two runs = one run" "$T/a" "$T/b"
done
done_testing
