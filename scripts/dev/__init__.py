"""Development tools, not pipeline steps: benchmarks (`bench_*`), the recorded-data generators (`gen_recorded_*`),
the contract doc generator and version check (`contract_*`) and the CI dry run. Make runs them with `scripts/` on
PYTHONPATH, so they import the pipeline modules and `lib` like the steps do; no pipeline step imports them."""
