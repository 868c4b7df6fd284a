#!/bin/sh
# sql/: what StarRocks would refuse, found before a deployment does (issue
# 14).  Every file of sql/starrocks is parsed (statements split outside
# quotes and comments) and checked:
#  - a PRIMARY KEY fits StarRocks's 128-byte encoded limit
#    (primary_key_limit_size).  The rule is conservative: VARCHAR(n)/CHAR(n)
#    count n bytes (StarRocks's n is bytes), plus 2 for the terminator of a
#    key column that is not the last; DATE 4, DATETIME 8, BOOLEAN/TINYINT 1,
#    SMALLINT 2, INT 4, BIGINT 8, LARGEINT 16; STRING and anything else
#    unknown fail.  NUL bytes, which the encoding escapes to two, are not
#    counted (no tool writes them into keys).  UNIQUE KEY tables (the two
#    metrics tables, whose labels keys are long) have no such limit: it is
#    the Primary Key table's index;
#  - key columns come first, in key order, NOT NULL, never FLOAT/DOUBLE;
#  - DEFAULT in the form StarRocks documents (DEFAULT "value", or
#    CURRENT_TIMESTAMP): BOOLEAN "true"/"false"/"1"/"0", numbers parse;
#  - no MariaDB-only construct (ENGINE=, AUTO_INCREMENT, TEXT types,
#    UNSIGNED, CHARSET/COLLATE, CHECK, inline KEY/INDEX, ON UPDATE, ON
#    DUPLICATE KEY, REPLACE, INSERT IGNORE, GROUP_CONCAT ... SEPARATOR, LOCK
#    TABLES, SET SESSION TRANSACTION) and no time function that follows the
#    session zone (from_unixtime, unix_timestamp, now, curdate);
#  - sql/mariadb keeps the same meaning: every table of one dialect exists
#    in the other with the same columns, the same key and the same key
#    widths.
. "$(dirname "$0")/lib.sh"

python3 - "$TOP/sql" >"$T/out" 2>&1 <<'PY'
import glob, os, re, sys

top = sys.argv[1]
res = []
def check(ok, name, why=""):
    res.append(("PASS " if ok else "FAIL ") + name + ("" if ok else ": " + why))

def statements(text):
    """split at ';' outside quotes and comments, comments dropped"""
    out, cur, i, n = [], [], 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"`":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" and c != "`" else 1
            cur.append(text[i:j + 1]); i = j + 1; continue
        if text.startswith("--", i) or c == "#":
            while i < n and text[i] != "\n": i += 1
            continue
        if text.startswith("/*", i):
            i = text.index("*/", i) + 2; continue
        if c == ";":
            out.append("".join(cur).strip()); cur = []; i += 1; continue
        cur.append(c); i += 1
    if "".join(cur).strip(): out.append("".join(cur).strip())
    return [s for s in out if s]

def parens(s, start):
    """text inside the parenthesis opening at s[start]"""
    depth, i = 0, start
    while i < len(s):
        if s[i] in "'\"`":
            q = s[i]; i += 1
            while s[i] != q: i += 2 if s[i] == "\\" else 1
        elif s[i] == "(": depth += 1
        elif s[i] == ")":
            depth -= 1
            if depth == 0: return s[start + 1:i], i
        i += 1
    raise ValueError("unbalanced")

def split_top(s):
    parts, depth, cur, q = [], 0, "", None
    for ch in s:
        if q:
            cur += ch
            if ch == q: q = None
            continue
        if ch in "'\"`": q = ch
        if ch == "(": depth += 1
        if ch == ")": depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip()); cur = ""
        else:
            cur += ch
    if cur.strip(): parts.append(cur.strip())
    return parts

def table(stmt):
    m = re.match(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w.`]+)\s*\(", stmt, re.I | re.S)
    if not m: return None
    body, end = parens(stmt, m.end() - 1)
    cols, extra = [], []
    for part in split_top(body):
        cm = re.match(r"`?(\w+)`?\s+(\w+)(\s*\([^)]*\))?(.*)$", part, re.S)
        if not cm or cm.group(1).upper() in ("PRIMARY", "KEY", "UNIQUE", "INDEX", "CONSTRAINT", "CHECK", "FULLTEXT"):
            extra.append(part); continue
        cols.append({"name": cm.group(1).lower(), "type": cm.group(2).upper(),
                     "len": cm.group(3), "rest": cm.group(4)})
    tail = stmt[end + 1:]
    km = re.search(r"\b(PRIMARY|UNIQUE|DUPLICATE|AGGREGATE)\s+KEY\s*\(([^)]*)\)", tail, re.I)
    if not km:
        for e in extra:
            km = re.match(r"(PRIMARY)\s+KEY\s*\(([^)]*)\)", e, re.I)
            if km: break
    key = [k.strip(" `").lower() for k in km.group(2).split(",")] if km else []
    return {"name": m.group(1).replace("`", "").lower(), "cols": cols, "kind": km.group(1).upper() if km else None,
            "key": key, "tail": tail, "extra": extra, "stmt": stmt}

FIXED = {"DATE": 4, "DATETIME": 8, "BOOLEAN": 1, "TINYINT": 1, "SMALLINT": 2, "INT": 4,
         "INTEGER": 4, "BIGINT": 8, "LARGEINT": 16}
def key_bytes(t):
    total, cols = 0, {c["name"]: c for c in t["cols"]}
    for i, k in enumerate(t["key"]):
        c = cols.get(k)
        if not c: return None, "key column %s is not a column" % k
        if c["type"] in ("VARCHAR", "CHAR"):
            n = int(re.sub(r"\D", "", c["len"] or "(1)"))
            total += n + (2 if i < len(t["key"]) - 1 else 0)
        elif c["type"] in FIXED:
            total += FIXED[c["type"]]
        else:
            return None, "key column %s of type %s has no bounded width" % (k, c["type"])
    return total, ""

MARIADB_ONLY = [
    (r"\bENGINE\s*=", "ENGINE="), (r"\bAUTO_INCREMENT\b", "AUTO_INCREMENT"),
    (r"\b(TINY|MEDIUM|LONG)?TEXT\b", "TEXT types (STRING)"), (r"\bUNSIGNED\b", "UNSIGNED"),
    (r"\b(CHARSET|CHARACTER\s+SET|COLLATE)\b", "CHARSET/COLLATE"), (r"\bCHECK\s*\(", "CHECK"),
    (r"\bON\s+UPDATE\b", "ON UPDATE"), (r"\bON\s+DUPLICATE\s+KEY\b", "ON DUPLICATE KEY"),
    (r"^\s*REPLACE\b", "REPLACE"), (r"\bINSERT\s+IGNORE\b", "INSERT IGNORE"),
    (r"\bSEPARATOR\b", "GROUP_CONCAT ... SEPARATOR"), (r"\bLOCK\s+TABLES?\b", "LOCK TABLES"),
    (r"\bSET\s+(SESSION\s+)?TRANSACTION\b", "SET SESSION TRANSACTION"),
    (r"\bJSON_VALID\b", "JSON_VALID"), (r"\bDATETIME\s*\(", "DATETIME(n)"),
]
ZONE = [(r"\bfrom_unixtime\s*\(", "from_unixtime (session zone)"), (r"\bunix_timestamp\s*\(", "unix_timestamp (session zone)"),
        (r"\b(now|curdate|current_timestamp)\s*\(", "now()/curdate() (session zone, not deterministic)")]

def strip_strings(s):
    return re.sub(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"", "''", s)

tables = {"starrocks": {}, "mariadb": {}}
for dialect in ("starrocks", "mariadb"):
    for f in sorted(glob.glob(os.path.join(top, dialect, "*.sql"))):
        text = open(f).read()
        try:
            stmts = statements(text)
        except Exception as e:
            check(False, "%s/%s parses" % (dialect, os.path.basename(f)), str(e)); continue
        for st in stmts:
            t = table(st)
            if t:
                tables[dialect][t["name"]] = t
            if dialect != "starrocks":
                continue
            bare = strip_strings(st)
            for rx, what in MARIADB_ONLY:
                if re.search(rx, bare, re.I | re.M):
                    check(False, "starrocks/%s: no MariaDB-only construct" % os.path.basename(f), what)
            if re.match(r"CREATE\s+(MATERIALIZED\s+)?VIEW", st, re.I):
                for rx, what in ZONE:
                    if re.search(rx, bare, re.I):
                        check(False, "starrocks/%s: time arithmetic independent of the zone" % os.path.basename(f), what)

sr = tables["starrocks"]
for name, t in sorted(sr.items()):
    f = "starrocks " + name
    check(t["kind"] in ("PRIMARY", "UNIQUE", "DUPLICATE", "AGGREGATE"), f + ": has a key clause", "none")
    check(re.search(r"\bDISTRIBUTED\s+BY\b", t["tail"], re.I) is not None, f + ": DISTRIBUTED BY", "missing")
    names = [c["name"] for c in t["cols"]]
    check(names[:len(t["key"])] == t["key"], f + ": key columns first, in key order",
          "columns %s, key %s" % (names[:len(t["key"])], t["key"]))
    for c in t["cols"]:
        if c["name"] in t["key"]:
            if not re.search(r"\bNOT\s+NULL\b", c["rest"], re.I):
                check(False, f + ": key column %s NOT NULL" % c["name"], "nullable")
            if c["type"] in ("FLOAT", "DOUBLE", "STRING"):
                check(False, f + ": key column %s type" % c["name"], c["type"])
        dm = re.search(r"\bDEFAULT\s+(\S+)", c["rest"], re.I)
        if dm:
            v = dm.group(1).rstrip(",")
            if v.upper() == "CURRENT_TIMESTAMP":
                continue
            good = re.fullmatch(r'"[^"]*"', v) is not None
            if good and c["type"] == "BOOLEAN":
                good = v.strip('"').lower() in ("true", "false", "1", "0")
            if good and c["type"] in FIXED and c["type"] not in ("BOOLEAN", "DATE", "DATETIME"):
                good = re.fullmatch(r"-?\d+", v.strip('"')) is not None
            if good and c["type"] == "DOUBLE":
                good = re.fullmatch(r"-?\d+(\.\d+)?", v.strip('"')) is not None
            check(good, f + ": %s DEFAULT %s in StarRocks's form" % (c["name"], v), 'want DEFAULT "value" valid for ' + c["type"])
    if t["kind"] == "PRIMARY":
        n, why = key_bytes(t)
        check(n is not None and n <= 128, f + ": primary key within 128 bytes (%s)" % n, why or "%d bytes" % (n or 0))
    else:
        check(True, f + ": %s KEY, no primary key limit" % t["kind"])

ma = tables["mariadb"]
for name in sorted(set(sr) | set(ma)):
    a, b = sr.get(name), ma.get(name)
    if not a or not b:
        check(False, name + ": in both dialects", "only in " + ("starrocks" if a else "mariadb"))
        continue
    check(sorted(c["name"] for c in a["cols"]) == sorted(c["name"] for c in b["cols"]),
          name + ": same columns in both dialects",
          "starrocks-only %s, mariadb-only %s" % (
              sorted(set(c["name"] for c in a["cols"]) - set(c["name"] for c in b["cols"])),
              sorted(set(c["name"] for c in b["cols"]) - set(c["name"] for c in a["cols"]))))
    check(a["key"] == b["key"], name + ": same key in both dialects", "%s vs %s" % (a["key"], b["key"]))
    bc = {c["name"]: c for c in b["cols"]}
    for k in a["key"]:
        ca, cb = {c["name"]: c for c in a["cols"]}.get(k), bc.get(k)
        if ca and cb and ca["type"] in ("VARCHAR", "CHAR"):
            check(ca["len"] == cb["len"], name + ": key column %s as wide in both dialects" % k,
                  "%s vs %s" % (ca["len"], cb["len"]))
print("\n".join(res))
PY
rc=$?
[ $rc = 0 ] || { sed 's/^/# /' "$T/out"; }
while IFS= read -r line; do
	case $line in
	PASS\ *) _result 0 "${line#PASS }" ;;
	FAIL\ *) _result 1 "${line#FAIL }" ;;
	esac
done <"$T/out"
is "$rc" 0 "the DDL checker ran"
done_testing
