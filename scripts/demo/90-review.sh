# The review queue: counts of what the earlier steps stored, then the approved annotations exported as JSONL and
# CSV, the files a training script or the renderer reads. An empty database shows zero counts and empty exports.
set -euo pipefail
db="${TBD_DB:-data/tbd.sqlite}"
echo "\$ tbd review stats --db $db"
"$TBD" review stats --db "$db"
echo "\$ tbd export --format jsonl --out data/out/review-export.jsonl"
"$TBD" export --db "$db" --format jsonl --out data/out/review-export.jsonl
echo "\$ tbd export --format csv --out data/out/review-export.csv"
"$TBD" export --db "$db" --format csv --out data/out/review-export.csv
head -n 3 data/out/review-export.csv
