# The demo store moved to PostgreSQL and back: `tbd store copy` copies every table of the SQLite file the earlier
# steps filled into a throwaway PostgreSQL cluster (scripts/postgres-test-cluster.sh under its own state file; it
# installs PostgreSQL 15 from Debian when missing, as `make test` does, and is stopped and removed at the end), then
# from there into a new SQLite file. Each copy checks every table's row count and SHA-256 on both sides; this step
# then compares the two copies' reports, so the file that comes back holds exactly what the demo store held.
set -euo pipefail
db="${TBD_DB:-data/tbd.sqlite}"
out=data/out/store-copy
mkdir -p "$out"
# Only what an earlier run of this step made.
rm -f "$out"/round-trip.sqlite* "$out/to-postgres.json" "$out/from-postgres.json"
export TBD_POSTGRES_CLUSTER_STATE=.build/store-copy-demo-cluster.env
trap 'scripts/postgres-test-cluster.sh stop' EXIT
scripts/postgres-test-cluster.sh start
url=$(sed -n 's/^TBD_TEST_POSTGRES_URL=//p' "$TBD_POSTGRES_CLUSTER_STATE")
echo "\$ tbd store copy --from $db --to $url --json"
"$TBD" store copy --from "$db" --to "$url" --json > "$out/to-postgres.json"
echo "\$ tbd store copy --from $db --to $url   # again: the target is no longer empty"
if "$TBD" store copy --from "$db" --to "$url" > /dev/null; then
  echo "error: a copy into a store that holds rows was not refused" >&2; exit 1
fi
echo "\$ tbd store copy --from $url --to $out/round-trip.sqlite --json"
"$TBD" store copy --from "$url" --to "$out/round-trip.sqlite" --json > "$out/from-postgres.json"
python3 - "$out/to-postgres.json" "$out/from-postgres.json" <<'PY'
import json, sys
there, back = (json.load(open(path))["tables"] for path in sys.argv[1:3])
print(f"  {'table':<18} {'rows':>6}  {'sha256 there':<16}  {'sha256 back':<16}")
for a, b in zip(there, back):
    print(f"  {a['table']:<18} {a['rows']:>6}  {a['sha256'][:16]}  {b['sha256'][:16]}")
if there != back:
    sys.exit("error: the store that came back differs from the demo store")
print(f"all {sum(t['rows'] for t in there)} rows of the {len(there)} tables came back, each table with the same count and SHA-256")
PY
echo "\$ tbd review check --db $out/round-trip.sqlite"
"$TBD" review check --db "$out/round-trip.sqlite"
