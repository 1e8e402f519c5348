#!/usr/bin/env bash
# The render farm on one PostgreSQL, end to end (docs/render-farm.md): starts a throwaway cluster (the tests' script,
# with a state file of its own), annotates four emotions of the public-domain portrait with the offline reasoner and
# approves them, makes a tiny random-weight talking-head checkpoint, runs two `tbd render --worker` processes at once
# against the one database and shared output folder, shows `tbd render status`, and checks in the database that
# every pair was rendered exactly once. The clips stay in data/out/render-farm.XXXXXX; the cluster is stopped and its
# folder removed however the script ends. Random weights draw noise, not faces.
#   scripts/render-farm-demo.sh            (builds tbd when TBD is not set)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TBD:-}" ]; then
  swift build --product tbd >/dev/null
  TBD="$(swift build --show-bin-path)/tbd"
fi
export TBD_POSTGRES_CLUSTER_STATE=.build/render-farm-demo-cluster.env
trap 'scripts/postgres-test-cluster.sh stop' EXIT
scripts/postgres-test-cluster.sh start
admin=$(sed -n 's/^TBD_TEST_POSTGRES_URL=//p' "$TBD_POSTGRES_CLUSTER_STATE")
bin=$(sed -n 's/^TBD_TEST_POSTGRES_BIN=//p' "$TBD_POSTGRES_CLUSTER_STATE")
psql() { "$bin/psql" "$@"; }
psql "$admin" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE farm"
db=${admin/\/postgres\?/\/farm?}

mkdir -p data/out
work=$(mktemp -d data/out/render-farm.XXXXXX)
echo "== four approved pairs in $db"
for emotion in happy sad angry surprised; do
  "$TBD" annotate --image data/astronaut.png --emotion "$emotion" --db "$db" --json >/dev/null
done
for id in 1 2 3 4; do "$TBD" review approve "$id" --curator demo --db "$db" >/dev/null; done
"$TBD" review stats --db "$db"

echo "== a tiny random-weight talking-head checkpoint"
"$TBD" model init-random --config talking-tiny --out "$work/model" >/dev/null

echo "== two workers, one queue"
run=(--approved --db "$db" --model "$work/model" --out "$work/clips" --crop none --audio none
     --frames 10 --window 4 --motion-frames 1 --steps 6)
echo "\$ tbd render --worker ann ${run[*]} &"
echo "\$ tbd render --worker bob ${run[*]} &"
"$TBD" render --worker ann "${run[@]}" >"$work/ann.log" 2>&1 &
ann=$!
"$TBD" render --worker bob "${run[@]}" >"$work/bob.log" 2>&1 &
bob=$!
status=0
wait "$ann" || status=$?
wait "$bob" || status=$?
grep -h -e "took item" -e "rendered" "$work/ann.log" "$work/bob.log" || true
[ "$status" -eq 0 ] || { echo "error: a worker failed (logs: $work/ann.log, $work/bob.log)" >&2; exit 1; }

echo "\$ tbd render status --db $db"
"$TBD" render status --db "$db"

echo "== every pair rendered exactly once?"
check=$(psql "$db" -At -v ON_ERROR_STOP=1 -c "
  SELECT (SELECT count(*) FROM render_item WHERE status = 'done')
      || ' ' || (SELECT count(DISTINCT annotation_id) FROM render WHERE status = 'done')
      || ' ' || (SELECT count(*) FROM render WHERE status = 'done')
      || ' ' || (SELECT count(*) FROM render_item)")
read -r items_done pairs_done renders_done items <<<"$check"
echo "queue items done: $items_done of $items; pairs with a done render: $pairs_done; done renders: $renders_done"
if [ "$items" -eq 4 ] && [ "$items_done" -eq 4 ] && [ "$pairs_done" -eq 4 ] && [ "$renders_done" -eq 4 ]; then
  echo "yes: 4 pairs, 4 renders, by two workers; clips in $work/clips"
else
  echo "error: not every pair was rendered exactly once" >&2
  exit 1
fi
