#!/bin/sh
# evaluate --replay: the rules over the points stored in
# metrics.metrics_table give the alert events that streaming the same points
# gives (pending, for: windows, resolves, startsAt), read a window at a time.
. "$(dirname "$0")/lib.sh"
need_db
# a day in 2031 no other test writes
FROM="2031-03-05 00:00:00" TO="2031-03-06 00:00:00"
sql "DELETE FROM metrics.metrics_table WHERE ts >= 1930435200000 AND ts < 1930521600000"

# three series over 6 hours at 15 s: a flapping one, one over the threshold
# for 40 minutes, one that never crosses; a counter too, for rate()
python3 - >"$T/points.ndjson" <<'PY'
import json, math
t0 = 1930435200000
for i in range(6 * 240):
    ts = t0 + i * 15000
    m = i // 4  # minute
    pts = [
        ("t806_disk", {"cluster_id": "c-flap", "instance": "be1:8040"}, 80 + (12 if (m // 3) % 2 else 0), "gauge"),
        ("t806_disk", {"cluster_id": "c-real", "instance": "be1:8040"}, 95 if 100 <= m < 140 else 70, "gauge"),
        ("t806_disk", {"cluster_id": "c-calm", "instance": "be1:8040"}, 50 + math.sin(i / 50.0), "gauge"),
        ("t806_err_total", {"cluster_id": "c-real", "instance": "fe1:8030"}, i * (3 if 200 <= m < 230 else 1), "counter"),
    ]
    for n, l, v, ty in pts:
        print(json.dumps({"name": n, "labels": l, "ts": ts, "value": v, "type": ty}, sort_keys=True))
PY
ok "the points are stored" sr-insert -t metrics.metrics_table <"$T/points.ndjson"
cat >"$T/rules.yml" <<'Y'
groups:
  - name: t806
    interval: 1m
    rules:
      - alert: DiskHigh
        expr: t806_disk > 90
        for: 5m
        labels: {severity: warning}
      - alert: DiskHighNow
        expr: t806_disk > 90
        keep_firing_for: 2m
      - alert: Errors
        expr: rate(t806_err_total[5m]) > 0.1
        for: 2m
Y
evaluate -r "$T/rules.yml" <"$T/points.ndjson" >"$T/stream.out"
evaluate --replay --from "$FROM" --to "$TO" -r "$T/rules.yml" >"$T/replay.out" 2>"$T/replay.err"
is "$?" 0 "evaluate --replay exits 0"
n=$(wc -l <"$T/stream.out")
ok "the stream gives alert events ($n)" test "$n" -gt 10
check_same "replaying the stored points gives the streamed events, byte for byte" "$T/stream.out" "$T/replay.out"
ok "DiskHigh fired for c-real, not for the flapping c-flap (for: 5m)" sh -c "
	grep '\"alertname\":\"DiskHigh\"' '$T/replay.out' | grep -q c-real &&
	! grep '\"alertname\":\"DiskHigh\"' '$T/replay.out' | grep -q c-flap"
evaluate --replay --from "$FROM" --to "$FROM" -e 'x > 1' >/dev/null 2>&1
is "$?" 64 "--to not after --from is a usage error"
evaluate --replay -e 'x > 1' </dev/null >/dev/null 2>&1
is "$?" 64 "--replay without --from/--to is a usage error"
evaluate --replay --from "$FROM" --to "$TO" -e 't806_disk > 90' --progress >/dev/null 2>"$T/prog"
ok "--progress reports the replay on stderr" grep -q 'replayed' "$T/prog"
sql "DELETE FROM metrics.metrics_table WHERE ts >= 1930435200000 AND ts < 1930521600000"
done_testing
