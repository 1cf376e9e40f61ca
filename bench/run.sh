#!/usr/bin/env bash
# Side-by-side benchmarks. Each peer runs in the same invocation, on the same files, right after ours.
#   bench/run.sh parse   Part 10 parse: PlaoImaging vs DCMTK (in-process C++ reader) vs pydicom, full and header-only
#   bench/run.sh decode  pixel data decode per transfer syntax: PlaoImaging vs dcmdrle/dcmdjpeg/dcmdjpls (DCMTK),
#                        gdcmconv --raw (GDCM: its JPEG, CharLS and OpenJPEG), opj_decompress (OpenJPEG)
# Results go to bench/out/ and are summarised as ratios; bench/README.md keeps the latest figures.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
out=out; mkdir -p "$out"
corpus=${PLAO_CORPUS:-$root/../shared/dicom-corpus}

need() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || { echo "installing $1"; apt-get install -y -qq "$1" >/dev/null; }; }
need dcmtk; need libdcmtk-dev; need python3-pydicom; need python3-numpy; need libgdcm-tools; need libopenjp2-tools
need libcharls2; need libopenjp2-7

build() {
  dotnet build PlaoImaging.Bench -c Release -o "$out/plao" 2>&1 | grep -E "error|Warn|Elapsed" || true
  g++ -O2 -std=c++17 -o "$out/dcmtk-parse" peers/dcmtk-parse.cc -ldcmdata -loflog -lofstd
  g++ -O2 -std=c++17 -o "$out/dcmtk-decode" peers/dcmtk-decode.cc -ldcmjpls -ldcmjpeg -ldcmimgle -ldcmdata -loflog -lofstd
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

decode_files() {
  # One radiograph-like 2048x2048 image, 12 bits stored in 16 (smooth background + signal-dependent noise), made once
  # by make-bench-files.py and encoded here by the reference encoders; the J2K codestream is extracted for
  # opj_decompress.
  local d="$out/decode"; mkdir -p "$d"
  [ -f "$d/dx-2048-12bit.dcm" ] || /usr/bin/python3 make-bench-files.py "$d" decode
  local s="$d/dx-2048-12bit.dcm"
  [ -f "$d/rle.dcm" ] || dcmcrle "$s" "$d/rle.dcm"
  [ -f "$d/sv1.dcm" ] || dcmcjpeg +e1 "$s" "$d/sv1.dcm"      # JPEG lossless, process 14 SV1 (.70)
  [ -f "$d/ext12.dcm" ] || dcmcjpeg +ee "$s" "$d/ext12.dcm"  # JPEG extended 12-bit lossy (.51)
  [ -f "$d/jls.dcm" ] || dcmcjpls "$s" "$d/jls.dcm"          # JPEG-LS lossless (.80)
  [ -f "$d/j2k.dcm" ] || gdcmconv --j2k "$s" "$d/j2k.dcm"    # JPEG 2000 lossless (.90)
  [ -f "$d/j2k.j2k" ] || /usr/bin/python3 -c "import pydicom,sys; from pydicom.encaps import generate_pixel_data_frame as g; open(sys.argv[2],'wb').write(next(g(pydicom.dcmread(sys.argv[1]).PixelData)))" "$d/j2k.dcm" "$d/j2k.j2k"
}

# peer_cpu ITERATIONS CMD...: user+system CPU seconds of running CMD ITERATIONS times (children included).
peer_cpu() {
  local n=$1; shift
  /usr/bin/time -f "%U %S" -o "$out/decode/time.txt" bash -c 'n=$1; shift; for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1 || exit 1; done' _ "$n" "$@" \
    || { echo "failed: $*" >&2; echo nan; return; }
  awk '{ printf "%.3f", $1 + $2 }' "$out/decode/time.txt"
}

decode() {
  build; decode_files
  local d="$out/decode" results="$out/decode.txt" iters=${PLAO_DECODE_ITERATIONS:-8}; : > "$results"
  local mpix; mpix=$(awk -v n="$iters" 'BEGIN { printf "%.3f", 2048 * 2048 * n / 1e6 }')
  for rep in 1 2 3; do
    # I/O baselines: the same tools reading and writing the uncompressed image (start-up, parse, write; no decode)
    echo "baseline dcmconv $mpix $(peer_cpu "$iters" dcmconv "$d/dx-2048-12bit.dcm" "$d/peer-out.dcm")" | tee -a "$results"
    echo "baseline gdcmconv $mpix $(peer_cpu "$iters" gdcmconv --raw "$d/dx-2048-12bit.dcm" "$d/peer-out.dcm")" | tee -a "$results"
    for syntax in rle sv1 ext12 jls j2k; do
      local f="$d/$syntax.dcm" line
      line=$(dotnet "$out/plao/PlaoImaging.Bench.dll" decode "$f" "$iters")
      echo "$line" >&2
      echo "$syntax plao $(echo "$line" | sed -E 's/.* mpix=([^ ]+) .* cpu_seconds=([^ ]+).*/\1 \2/')" | tee -a "$results"
      # DCMTK in process: its decoders alone, timed around chooseRepresentation (no start-up, parse or write)
      if [ "$syntax" != j2k ]; then
        line=$("$out/dcmtk-decode" "$f" "$iters")
        echo "$syntax dcmtk-inproc $(echo "$line" | sed -E 's/.* mpix=([^ ]+) cpu_seconds=([^ ]+).*/\1 \2/')" | tee -a "$results"
      fi
      case $syntax in
        rle) echo "$syntax dcmdrle $mpix $(peer_cpu "$iters" dcmdrle "$f" "$d/peer-out.dcm")" ;;
        sv1|ext12) echo "$syntax dcmdjpeg $mpix $(peer_cpu "$iters" dcmdjpeg "$f" "$d/peer-out.dcm")" ;;
        jls) echo "$syntax dcmdjpls $mpix $(peer_cpu "$iters" dcmdjpls "$f" "$d/peer-out.dcm")" ;;
        j2k) echo "$syntax opj_decompress $mpix $(peer_cpu "$iters" opj_decompress -i "$d/j2k.j2k" -o "$d/peer-out.raw")" ;;
      esac | tee -a "$results"
      echo "$syntax gdcmconv $mpix $(peer_cpu "$iters" gdcmconv --raw "$f" "$d/peer-out.dcm")" | tee -a "$results"
    done
  done
  # Best of 3 CPU time per tool. dcmtk-inproc is measured like ours (decode alone, nothing subtracted). DCMTK tools have the dcmconv baseline subtracted, gdcmconv its own --raw of the
  # uncompressed file; opj_decompress nothing (its start-up and raw write stay in, which flatters us slightly).
  # MB/s = decoded bytes (2 per pixel) per CPU second; ratio = our CPU s per Mpixel / the peer's (< 1: we are faster).
  echo; echo "syntax peer: ours cpu s (MB/s) | peer net cpu s (MB/s) | ours/peer  (best of 3, $iters x 2048x2048 per run)"
  awk '{ k=$1" "$2; if (!(k in t) || $4 < t[k]) t[k]=$4; m[k]=$3; if ($2 != "plao" && $1 != "baseline") peers[k]=1 }
    END { for (k in peers) { split(k, a, " "); s=a[1]; p=a[2];
            base = (p ~ /^dcmd/) ? t["baseline dcmconv"] : (p == "gdcmconv") ? t["baseline gdcmconv"] : 0;
            net = t[k] - base; ours = t[s" plao"];
            printf "%s %s: %.3f (%.0f) | %.3f (%.0f) | %.2f\n", s, p, ours, 2*m[s" plao"]/ours, net, 2*m[k]/net, (ours/m[s" plao"])/(net/m[k]) }
          printf "baselines: dcmconv %.3f s, gdcmconv --raw %.3f s\n", t["baseline dcmconv"], t["baseline gdcmconv"] }' "$results" | sort
}

case "${1:-parse}" in
  parse) parse ;;
  decode) decode ;;
  *) echo "usage: $0 parse|decode"; exit 2 ;;
esac
