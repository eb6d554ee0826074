#!/bin/sh
# Measure one phase on all four data sets (run from a checkout whose code is the phase's).
# usage: bench/measure.sh PHASE RESULTS_DIR
set -e
PHASE=$1; OUT=${2:-$(dirname "$0")/data}
PY=${PYTHON:-/work/main/.venv/bin/python}
DATA=${BENCH_DATA:-/work/main/bench/data}
PG=${BENCH_PG:-postgresql+psycopg://postgres@127.0.0.1:5432}
for url in "sqlite:///$DATA/records_10k.db" "sqlite:///$DATA/records_1m.db" \
           "$PG/bench_records_10k" "$PG/bench_records_1m"; do
  $PY -m bench.run_bench --url "$url" --phase "$PHASE" --repeat ${REPEAT:-15} \
      --results "$OUT/results.jsonl" 2>>"$OUT/bench_errors.log" | cut -c1-220
done
for url in "sqlite:///$DATA/records_1m.db" "$PG/bench_records_1m"; do
  case $url in sqlite*) label=sqlite-1M;; *) label=postgresql-1M;; esac
  $PY -m bench.run_wrk --url "$url" --phase "$PHASE" --label $label --seconds 6 \
      --results "$OUT/wrk.jsonl" 2>>"$OUT/bench_errors.log"
done
