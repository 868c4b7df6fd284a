#!/usr/bin/env bash
# The deployment of srwatch(7) DEPLOYMENT, followed into a DESTDIR: make
# install puts everything a deployment needs in place with PREFIX
# substituted, the one env file works for cron (srwatch-env) as systemd reads
# it, the DDL loads from the installed tree, every unit passes
# systemd-analyze verify, the crontab only names installed programs, the
# Pacific-time guard picks the right run, and make uninstall removes it all.
. "$(dirname "$0")/lib.sh"
need_db

mk() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$TOP" \
	$([ "${SRW_O:-build}" = build-san ] && echo SAN=1) "$@" >"$T/make.log" 2>&1; }
R=$T/root
ok "make install DESTDIR PREFIX=/usr" mk install DESTDIR="$R" PREFIX=/usr

for f in usr/bin/sr-insert usr/bin/webhookd usr/bin/srwatch-env usr/bin/srwatch-metrics \
    usr/bin/daily-alert-pipeline usr/share/man/man1/sr-insert.1 usr/share/man/man7/srwatch.7 \
    usr/share/srwatch/sql/mariadb/alerts.lark_alerts.sql usr/share/srwatch/sql/starrocks/00-schemas.sql \
    usr/share/srwatch/rules/starrocks.rules.yml usr/share/srwatch/kb/README.md \
    usr/share/srwatch/contrib/env.example usr/share/srwatch/contrib/crontab.example \
    usr/lib/systemd/system/webhookd.service usr/lib/systemd/system/srwatch-daily.timer; do
	ok "installed: $f" test -e "$R/$f"
done
is "$(grep -rl '@BINDIR@\|@SYSCONFDIR@\|/usr/local' "$R/usr/lib/systemd" \
	"$R/usr/share/srwatch/contrib/crontab.example" "$R/usr/share/srwatch/contrib/inetd.conf" |
	grep -v '^$' | wc -l | tr -d ' ')" 0 "no placeholder or /usr/local path left in units, crontab, inetd.conf"
ok "units run the installed binaries" grep -q '^ExecStart=/usr/bin/webhookd ' "$R/usr/lib/systemd/system/webhookd.service"

# step 3: the env file (KEY=VAL lines as systemd's EnvironmentFile= wants)
E=$R/etc/srwatch/env
mkdir -p "${E%/*}"
{ grep -v '^STARROCKS_' "$R/usr/share/srwatch/contrib/env.example"
  env | grep '^STARROCKS_'; } >"$E"
SE=$R/usr/bin/srwatch-env
is "$(env -i PATH=/usr/bin:/bin "$SE" -f "$E" sh -c 'echo "$STARROCKS_SOCKET"')" "${STARROCKS_SOCKET:-}" \
	"srwatch-env exports the file's variables to the job"
is "$(env -i PATH=/usr/bin:/bin sh -c ". '$E'; sh -c 'echo \${STARROCKS_SOCKET:-unset}'")" unset \
	"(a plain . FILE, as BASH_ENV did, would not export them)"
env -i PATH=/usr/bin:/bin SRW_ENV_FILE=$T/none "$SE" true 2>"$T/err"
is "$?" 64 "a missing env file is an error, not a silent default database"
ok "the error names the file" grep -q "$T/none" "$T/err"

# step 4: the DDL from the installed tree, through srwatch-env (twice: harmless)
load() {
	for f in "$R"/usr/share/srwatch/sql/mariadb/*.sql; do
		"$SE" -f "$E" sh -c 'mariadb --no-defaults -uroot -S "$STARROCKS_SOCKET"' <"$f" || return 1
	done
}
ok "the installed DDL loads" load
ok "and loads again (IF NOT EXISTS)" load
ok "an installed tool reaches the database through the env file" \
	env -i PATH=/usr/bin:/bin "$SE" -f "$E" "$R/usr/bin/score" --format text --hour "2001-01-01 00:00:00"

# cron: every program a crontab line runs is installed
C=$R/usr/share/srwatch/contrib/crontab.example
missing=
for w in $(grep -v '^#' "$C" | grep -Ev '^[A-Z_]+=' | sed 's/logger -t [^ ]*//g' |
    tr -s " \t|()'\"" '\n' | grep -E '^(srwatch-|sr-|score|sentinel|investigate|group-issues|daily-|scrape|rollup|evaluate|notify)[a-z-]*$' | sort -u); do
	[ -x "$R/usr/bin/$w" ] || missing="$missing $w"
done
is "$missing" "" "every program the crontab runs is installed"
ok "group-issues --write is scheduled" grep -q '^[^#].*group-issues --write' "$C"
ok "no CRON_TZ (Debian's cron ignores it)" sh -c "! grep -q '^CRON_TZ' '$C'"
now=$(TZ=America/Los_Angeles date +%H:%M)
other=$(TZ=America/Los_Angeles date -d '-3 hours' +%H:%M)
is "$("$SE" -f "$E" --at-pacific "$now" echo ran)" ran "--at-pacific runs at that Pacific time"
is "$("$SE" -f "$E" --at-pacific "$other" echo ran)" "" "and not at another"
ok "both UTC hours 00:20 Pacific can fall on are listed" grep -q '^20 7,8 \* \* \*.*--at-pacific 00:20 daily-alert-pipeline' "$C"

# systemd: every unit verifies, installed with real paths
if command -v systemd-analyze >/dev/null; then
	P=$T/prefix
	ok "make install PREFIX=(real path)" mk install PREFIX="$P" SYSCONFDIR="$P/etc"
	mkdir -p "$P/etc/srwatch"; cp "$E" "$P/etc/srwatch/env"
	(cd "$P/lib/systemd/system" && systemd-analyze verify --man=no ./*.service ./*.socket ./*.timer) >"$T/verify" 2>&1
	is "$?" 0 "systemd-analyze verify: every unit and timer"
	sed 's/^/# /' "$T/verify" | head -10
	ok "the daily timer is in Pacific time" grep -q '^OnCalendar=.*America/Los_Angeles' "$P/lib/systemd/system/srwatch-daily.timer"
	ok "the metrics pipeline stops its source first (KillMode=mixed)" grep -q '^KillMode=mixed' "$P/lib/systemd/system/srwatch-metrics.service"
else
	diag "systemd-analyze not installed: units not verified"
fi

ok "make uninstall" mk uninstall DESTDIR="$R" PREFIX=/usr
rm -rf "$R/etc"
is "$(find "$R" -type f | head -5)" "" "uninstall leaves no file behind"
done_testing
