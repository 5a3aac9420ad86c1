#!/usr/bin/env bash
# Copies the charts of one benchmark run into the docs, with the run's header (command, machine, load), so that
# docs/performance.md shows the charts of the run it reports.
#
#   modules/bench/publish-charts.sh <results dir> [docs dir, default docs/perf]
#
# <results dir> is what run.sh printed as "results:" (its charts are in <results dir>/charts/*.png). Files of the
# same name in the docs dir are replaced; charts of scenarios the run did not have are left as they are.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
[ $# -ge 1 ] || { echo "usage: $0 <results dir> [docs dir]" >&2; exit 2; }
RESULTS=$1
DEST=${2:-"$ROOT/docs/perf"}
[ -d "$RESULTS/charts" ] || { echo "no charts in $RESULTS/charts (run modules/bench/run.sh first)" >&2; exit 1; }
shopt -s nullglob
charts=("$RESULTS"/charts/*.png)
[ ${#charts[@]} -gt 0 ] || { echo "no PNG files in $RESULTS/charts" >&2; exit 1; }

mkdir -p "$DEST"
cp "${charts[@]}" "$DEST/"
[ -f "$RESULTS/run.txt" ] && cp "$RESULTS/run.txt" "$DEST/run.txt"
echo "copied ${#charts[@]} charts into $DEST; Markdown for docs/performance.md:"
rel=$(realpath --relative-to="$ROOT/docs" "$DEST")
for c in "${charts[@]}"; do
  n=$(basename "$c")
  echo "![${n%.png}]($rel/$n)"
done
