#!/bin/bash
# Alternating rounds of the Rust Newton solver (cases a, b, c) and the SciPy peer (a, b) on
# this machine, so both see the same machine state; prints median / min / max per solver and
# case and the per-round peer ÷ Rust ratio on case b (issue 4's ≥ 100× target).
# Usage: benches/peers/sx_rounds.sh [ROUNDS=8]   (from the repository root; builds the example)
set -euo pipefail
R=${1:-8}
cargo build --release --example sx_solver_bench --quiet
B=./target/release/examples/sx_solver_bench
CASES=$(mktemp)
trap 'rm -f "$CASES"' EXIT
$B --export-cases "$CASES" 2>/dev/null
for _ in $(seq 1 "$R"); do
  for c in a b c; do
    $B $c --solver newton | python3 -c "import json,sys; d=json.load(sys.stdin); print('rust', d['case'], d['wall_ms'])"
  done
  python3 benches/peers/sx_scipy.py "$CASES" a b | python3 -c "
import json, sys
for line in sys.stdin:
    d = json.loads(line); print('peer', d['case'], d['wall_ms'])"
done | python3 -c "
import statistics as st, sys
from collections import defaultdict
d = defaultdict(list)
for line in sys.stdin:
    who, case, t = line.split(); d[(who, case)].append(float(t))
for (who, case), v in sorted(d.items()):
    print(f'{who} {case}: median {st.median(v):.4f} ms (min {min(v):.4f}, max {max(v):.4f}, n = {len(v)})')
rb, pb = d[('rust', 'b')], d[('peer', 'b')]
print('peer / rust on b per round:', ' '.join(f'{p / r:.0f}' for p, r in zip(pb, rb)),
      f'| ratio of medians {st.median(pb) / st.median(rb):.0f}')
"
