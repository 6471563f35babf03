#!/usr/bin/env bash
# The nightly fuzz run: the suite's property test (tests/model/test_fuzz_property.py) with many
# more examples and a fresh random seed, printing progress every 1,000 examples.
#
#   bash scripts/fuzz.sh                      100,000 examples (about 3 hours on the 2-core machine)
#   bash scripts/fuzz.sh 10000                fewer examples
#   PACKETSTAGE_FUZZ_SEED=1234 bash scripts/fuzz.sh 10000    repeat a night's run exactly
#
# A failure prints the smallest scene Hypothesis could shrink it to, and a @reproduce_failure line.
# Fix the crash at its root, then add that scene to tests/model/test_fuzz_findings.py.
set -euo pipefail
cd "$(dirname "$0")/.."

examples=${1:-100000}
if ! [[ $examples =~ ^[0-9]+$ ]] || ((examples < 1)); then
  echo "usage: bash scripts/fuzz.sh [EXAMPLES]   (a whole number, default 100000)" >&2
  exit 2
fi
seed=${PACKETSTAGE_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
python=.venv/bin/python
[[ -x $python ]] || python=python3

echo "fuzz: $examples examples, seed $seed (repeat with PACKETSTAGE_FUZZ_SEED=$seed)"
start=$SECONDS
status=0
PACKETSTAGE_FUZZ_EXAMPLES=$examples PACKETSTAGE_FUZZ_PROGRESS=1 QT_QPA_PLATFORM=offscreen \
  "$python" -m pytest tests/model/test_fuzz_property.py -q -s -p no:cacheprovider \
  --hypothesis-seed="$seed" --hypothesis-show-statistics || status=$?
elapsed=$((SECONDS - start))
printf 'fuzz: %s examples, seed %s, %dh%02dm%02ds: %s\n' "$examples" "$seed" $((elapsed / 3600)) \
  $((elapsed % 3600 / 60)) $((elapsed % 60)) "$([[ $status -eq 0 ]] && echo passed || echo FAILED)"
exit "$status"
