#!/usr/bin/env bash
# Sixteen curators' processes (`review-stress load`) claiming, approving and editing (every fifth item) at once until a
# queue of 3,200 annotations is empty: against one PostgreSQL database, against one SQLite file, and on PostgreSQL
# again with the server restarted a third of the way through. For each: p50, p99 and max of one decision (claim to
# the decision's commit) and the throughput; then, from the store itself, that no decision was lost or doubled (one
# approve or edit in the audit per item, the status counts, every id a process reported done decided once); for the
# restart, how long the restart took, the longest decision across it, and the clients' waits and retries.
# The PostgreSQL server is a throwaway cluster (scripts/postgres-test-cluster.sh, its own state file) restarted with
# fsync and synchronous commit on, as a real server runs; SQLite runs with synchronous = FULL.
# Results: BENCHMARKS.md, "## Review queue under load". TBD_LOAD_CURATORS and TBD_LOAD_ITEMS change the sizes.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/machine.bash
STRESS="${TBD_BIN_DIR:?set TBD_BIN_DIR to the release bin folder}/review-stress"
curators=${TBD_LOAD_CURATORS:-16}
items=${TBD_LOAD_ITEMS:-3200}
make_work_folder
export TBD_POSTGRES_CLUSTER_STATE="$WORK/cluster.env"
trap 'scripts/postgres-test-cluster.sh stop; rm -rf "$WORK"' EXIT
scripts/postgres-test-cluster.sh start >/dev/null
setting() { sed -n "s/^$1=//p" "$TBD_POSTGRES_CLUSTER_STATE"; }
base=$(setting TBD_TEST_POSTGRES_URL)
bin=$(setting TBD_TEST_POSTGRES_BIN)
dir=$(setting TBD_TEST_POSTGRES_DIR)
port=$(sed -n 's|.*@127.0.0.1:\([0-9]*\)/.*|\1|p' <<<"$base")
# The cluster script starts without durability (tests); a benchmark runs as a server would.
as_server_user() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_server_user "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 \
  -o "-p $port -k $dir/data -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
postgres_db() {
  "$bin/psql" "$base" -qc "CREATE DATABASE $1" >/dev/null
  echo "${base%/postgres\?sslmode=disable}/$1?sslmode=disable"
}

# run NAME DB [RESTART_AFTER]: seeds the queue, runs the curators, and restarts the server once RESTART_AFTER
# decisions have been reported; leaves each process's output in $WORK/NAME.*.
run() {
  local name=$1 db=$2 restart_after=${3:-0} pids=() i failed=0
  "$STRESS" seed "$db" "$items"
  local load=$(load_now) began=$(date +%s.%N)
  for i in $(seq 1 "$curators"); do
    "$STRESS" load "$db" "curator$i" 5 >"$WORK/$name.$i.out" 2>"$WORK/$name.$i.err" &
    pids+=($!)
  done
  if [ "$restart_after" -gt 0 ]; then
    while [ "$(cat "$WORK/$name".*.out | wc -l)" -lt "$restart_after" ] && [ "$(jobs -r | wc -l)" -gt 0 ]; do sleep 0.05; done
    local down=$(date +%s.%N)
    scripts/postgres-test-cluster.sh restart
    printf 'restart: pg_ctl restart -m fast took %.2f s, after %d decisions\n' "$(echo "$(date +%s.%N) - $down" | bc)" "$(cat "$WORK/$name".*.out | wc -l)"
  fi
  for i in "${pids[@]}"; do wait "$i" || failed=$((failed + 1)); done
  local wall=$(echo "$(date +%s.%N) - $began" | bc)
  echo "$name: $curators processes, $items items, load before $load, after $(load_now), $failed processes failed"
  python3 - "$WORK" "$name" "$wall" <<'PY'
import glob, re, sys
work, name, wall = sys.argv[1], sys.argv[2], float(sys.argv[3])
ids, times = [], []
for path in glob.glob(f"{work}/{name}.*.out"):
    for line in open(path):
        parts = line.split()
        if len(parts) == 2:
            ids.append(int(parts[0])); times.append(int(parts[1]) / 1e6)
times.sort()
pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
print(f"  one decision (ms): p50 {pick(0.50):.1f}, p99 {pick(0.99):.1f}, max {times[-1]:.1f}; "
      f"{len(times)} decisions in {wall:.1f} s ({len(times) / wall:.0f} per second)")
print(f"  reported: {len(ids)} decisions, {len(set(ids))} distinct ids, {len(ids) - len(set(ids))} reported twice")
waits = conflicts = steps = unknown = 0
for path in glob.glob(f"{work}/{name}.*.err"):
    text = open(path).read()
    unknown += text.count("whether it was kept is unknown")
    m = re.search(r"(\d+) failed steps tried again, (\d+) waits for the server, (\d+) transactions run again", text)
    if m: steps += int(m[1]); waits += int(m[2]); conflicts += int(m[3])
print(f"  clients: {waits} waits for the server, {conflicts} reruns after a conflict, {steps} failed steps tried again, "
      f"{unknown} commits of unknown outcome")
open(f"{work}/{name}.ids", "w").write("\n".join(map(str, sorted(set(ids)))))
PY
}

# The store's own account: decisions per item in the audit, and the status counts.
check_postgres() {
  echo "  store: $("$bin/psql" "$1" -qAt -F ' ' -c "SELECT count(*) || ' decisions in the audit over ' || count(DISTINCT annotation_id) || ' items, ' || count(*) FILTER (WHERE action = 'edit') || ' of them edits' FROM audit_log WHERE action IN ('approve', 'edit')"); status counts $("$bin/psql" "$1" -qAt -c "SELECT string_agg(status || ' ' || count, ', ' ORDER BY status) FROM status_count")"
  "$bin/psql" "$1" -qAt -c "SELECT DISTINCT annotation_id FROM audit_log WHERE action IN ('approve', 'edit') ORDER BY 1" >"$WORK/store.ids"
}
check_sqlite() {
  python3 - "$1" "$WORK/store.ids" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
n, items, edits = db.execute("SELECT count(*), count(DISTINCT annotation_id), sum(action = 'edit') FROM audit_log WHERE action IN ('approve', 'edit')").fetchone()
counts = ", ".join(f"{s} {c}" for s, c in db.execute("SELECT status, count FROM status_count ORDER BY status"))
print(f"  store: {n} decisions in the audit over {items} items, {edits} of them edits; status counts {counts}")
open(sys.argv[2], "w").write("\n".join(str(r[0]) for r in db.execute("SELECT DISTINCT annotation_id FROM audit_log WHERE action IN ('approve', 'edit') ORDER BY 1")))
PY
}
# Every id a process reported done is decided in the store.
check_reported() {
  echo "  reported done but not decided in the store: $(comm -23 <(sort "$WORK/$1.ids") <(sort "$WORK/store.ids") | wc -l)"
}

machine_header
db=$(postgres_db load)
run postgres "$db"
check_postgres "$db"
check_reported postgres
run sqlite "$WORK/load.sqlite"
check_sqlite "$WORK/load.sqlite"
check_reported sqlite
db=$(postgres_db restart)
run restart "$db" $((items / 3))
check_postgres "$db"
check_reported restart
