# The paper's Table 2 in miniature: two sample MEAD units rendered six times each with one seed (prompts from the
# label alone, one direct question, or the CoT-FA chain; progressive guidance on and off) by the tiny random
# talking checkpoint of the talking-head step, each clip scored against the unit's clip. Run again, it renders and
# scores nothing: the clips and scores are kept by content. Random weights: the numbers say noise.
set -euo pipefail
db="${TBD_DB:-data/tbd.sqlite}"
model=data/out/tiny-random-talking
[ -f "$model/model_index.json" ] || "$TBD" model init-random --config talking-tiny --out "$model" >/dev/null
run=(--db "$db" --sample 2 --model "$model" --out data/out/ablation --steps 2 --metrics psnr,ssim)
echo "\$ tbd eval ablation ${run[*]}"
"$TBD" eval ablation "${run[@]}" 2> >(grep -v '^render \[' >&2)
echo "\$ (again: every clip and score is kept)"
"$TBD" eval ablation "${run[@]}" > /dev/null 2> >(tail -n 1 >&2)
echo "Table 2: data/out/ablation/table2.md (JSON: table2.json, chart: table2.png)"
