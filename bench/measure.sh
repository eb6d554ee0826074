#!/bin/sh
# Measure one phase on the four data sets, from a checkout whose code is the phase's:
# in-process (10k and 1M interleaved, per database), then gunicorn + wrk on the 1M sets.
# usage: sh bench/measure.sh PHASE [RESULTS_DIR]
# Data sets (bench/build_data.py): BENCH_DATA/records_{10k,1m}.db and the PostgreSQL
# databases bench_records_{10k,1m} at BENCH_PG.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
PHASE=$1; OUT=${2:-$HERE/data}
PY=${PYTHON:-$HERE/../.venv/bin/python}
DATA=${BENCH_DATA:-$HERE/data}
PG=${BENCH_PG:-postgresql+psycopg://postgres@127.0.0.1:5432}
mkdir -p "$OUT"
$PY -m bench.run_bench --phase "$PHASE" --repeat "${REPEAT:-21}" --results "$OUT/results.jsonl" \
    --url "sqlite:///$DATA/records_10k.db" --url "sqlite:///$DATA/records_1m.db" \
    2>>"$OUT/bench_errors.log" | cut -c1-160
$PY -m bench.run_bench --phase "$PHASE" --repeat "${REPEAT:-21}" --results "$OUT/results.jsonl" \
    --url "$PG/bench_records_10k" --url "$PG/bench_records_1m" \
    2>>"$OUT/bench_errors.log" | cut -c1-160
for url in "sqlite:///$DATA/records_1m.db" "$PG/bench_records_1m"; do
  case $url in sqlite*) label=sqlite-1M;; *) label=postgresql-1M;; esac
  $PY -m bench.run_wrk --url "$url" --phase "$PHASE" --label $label --seconds 8 \
      --results "$OUT/wrk.jsonl" 2>>"$OUT/bench_errors.log"
done
