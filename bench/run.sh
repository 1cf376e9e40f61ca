#!/usr/bin/env bash
# Side-by-side benchmarks. Each peer runs in the same invocation, on the same files, right after ours.
#   bench/run.sh parse   Part 10 parse: PlaoImaging vs DCMTK (in-process C++ reader) vs pydicom, full and header-only
# Results go to bench/out/ and are summarised as ratios; bench/README.md keeps the latest figures.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
out=out; mkdir -p "$out"
corpus=${PLAO_CORPUS:-$root/../shared/dicom-corpus}

need() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || { echo "installing $1"; apt-get install -y -qq "$1" >/dev/null; }; }
need dcmtk; need libdcmtk-dev; need python3-pydicom; need python3-numpy

build() {
  dotnet build PlaoImaging.Bench -c Release -o "$out/plao" 2>&1 | grep -E "error|Warn|Elapsed" || true
  g++ -O2 -std=c++17 -o "$out/dcmtk-parse" peers/dcmtk-parse.cc -ldcmdata -loflog -lofstd
}

file_sets() {
  # corpus: every file of the shared corpus that DCMTK reads (a realistic mix, mostly small files)
  : > "$out/corpus.txt"
  if [ -d "$corpus" ]; then
    find "$corpus" -type f \( -name '*.dcm' -o -name '*.DCM' -o ! -name '*.*' \) | sort | while read -r f; do
      dcmdump -q "$f" >/dev/null 2>&1 && /usr/bin/python3 -c "import pydicom,sys; pydicom.dcmread(sys.argv[1])" "$f" >/dev/null 2>&1 && echo "$f"
    done >> "$out/corpus.txt"
  fi
  # large: a 15 MB radiograph and a 100 MB multi-frame MR
  [ -f "$out/mr-multiframe-100mb.dcm" ] || /usr/bin/python3 make-bench-files.py "$out"
  printf '%s\n' "$PWD/$out/cr-3000x2500.dcm" "$PWD/$out/mr-multiframe-100mb.dcm" > "$out/large.txt"
}

parse() {
  build; file_sets
  local results="$out/parse.txt"; : > "$results"
  for set in corpus large; do
    local n; n=$(wc -l < "$out/$set.txt"); [ "$n" -gt 0 ] || continue
    local iters=20; [ "$set" = large ] && iters=5
    for mode in full default header; do
      for rep in 1 2 3; do for tool in plao dcmtk pydicom; do
        case $tool in
          plao) line=$(dotnet "$out/plao/PlaoImaging.Bench.dll" parse $mode $iters "$out/$set.txt") ;;
          dcmtk) line=$("$out/dcmtk-parse" $mode $iters "$out/$set.txt") ;;
          pydicom) line=$(/usr/bin/python3 peers/pydicom-parse.py $mode $iters "$out/$set.txt") ;;
        esac
        echo "$set $line" | tee -a "$results"
      done; done
    done
  done
  # Each tool ran three times, interleaved with the others; the least CPU time of the three is kept (CPU time, not
  # wall time, so that other load on the machine disturbs the comparison as little as possible), and the ratios
  # compare those.
  echo; echo "set mode: plao cpu s | dcmtk cpu s | pydicom cpu s | plao/dcmtk | plao/pydicom  (best of 3; < 1 means we are faster)"
  awk '{ split($7,s,"="); k=$1" "$3" "$2; if (!(k in t) || s[2] < t[k]) t[k]=s[2] } END {
      for (k in t) { split(k,a," "); if (a[3]=="plao") { key=a[1]" "a[2];
        printf "%s %s: %.3f | %.3f | %.3f | %.2f | %.2f\n", a[1], a[2], t[key" plao"], t[key" dcmtk"], t[key" pydicom"], t[key" plao"]/t[key" dcmtk"], t[key" plao"]/t[key" pydicom"] } } }' "$results" | sort
}

case "${1:-parse}" in
  parse) parse ;;
  *) echo "usage: $0 parse"; exit 2 ;;
esac
