#!/usr/bin/env bash
# Side-by-side benchmarks. Each peer runs in the same invocation, on the same files, right after ours.
#   bench/run.sh parse   Part 10 parse: PlaoImaging vs DCMTK (in-process C++ reader) vs pydicom, full and header-only
#   bench/run.sh decode  pixel data decode per transfer syntax: PlaoImaging vs dcmdrle/dcmdjpeg/dcmdjpls (DCMTK),
#                        gdcmconv --raw (GDCM: its JPEG, CharLS and OpenJPEG), opj_decompress (OpenJPEG)
#   bench/run.sh net     C-STORE receive: DCMTK storescu sends the same 2,000 instances (3 GB) on one association over
#                        loopback to `plao listen` and to DCMTK storescp (PLAO_NET_COUNT scales the count down;
#                        PLAO_NET_RECEIVER=storescp puts storescp in our slot, to check the harness without plao;
#                        PLAO_NET_PEERS picks the peers, default "storescp storescp-sync"; PLAO_NET_REPS, default 3)
#   bench/run.sh pipeline  the engine end to end on the CPU: per-stage split for one radiograph, whole sample studies,
#                        memory over 1,000 images
#   bench/run.sh infer   landmark model inference on the CPU: ONNX Runtime (OnnxModelRunner) vs the same model in PyTorch,
#                        default and with OMP_WAIT_POLICY=PASSIVE; batch 1 and 8, 2 threads each, torch outputs checked
#                        against ONNX Runtime's first (PLAO_INFER_ROUNDS x PLAO_INFER_RUNS timed runs, default 5 x 10)
#   bench/run.sh worker  plao-worker on the CPU: latency (C-STORE response to SR at a storescp destination, less the
#                        quiet period), studies per hour over a burst of 500, folder-import reprocessing, and plao analyze
#                        on the same studies for the overhead ratio (bench/worker/bench.py)
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

# --- net: storescu -> plao listen vs storescp ------------------------------------------------------------------------
# Each receiver runs under /usr/bin/time (its whole-life CPU and peak RSS) with a fresh, empty output folder under
# out/net (same file system for all); storescu sends every file of the set on one association, with the same largest
# send PDU for all; the receiver is stopped with SIGTERM once storescu has exited, its folder counted and deleted.
net_pdu=131072

# free_port: a TCP port on the loopback interface that nothing listens on now.
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# proc_cpu PID: user + system CPU seconds of PID so far, all threads and waited-for children (/proc/PID/stat 14-17).
proc_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13 + $14 + $15) / hz }' "/proc/$1/stat"; }

net_files() {
  # 90% 512x512 16-bit MR (0.5 MB), 10% 2560x2048 16-bit DX (10 MB), Explicit VR Little Endian, made once by
  # make-bench-files.py into a temporary folder that is renamed when complete (so an interrupted run leaves no partial set)
  net_n=${PLAO_NET_COUNT:-2000}
  net_src="$PWD/$out/net/files"; [ "$net_n" = 2000 ] || net_src="$PWD/$out/net/files-$net_n"
  if [ ! -d "$net_src" ]; then
    echo "writing $net_n instances to $net_src"
    rm -rf "$net_src.tmp"; mkdir -p "$net_src.tmp"
    /usr/bin/python3 make-bench-files.py "$net_src.tmp" net "$net_n"
    mv "$net_src.tmp" "$net_src"
  fi
  [ "$(find "$net_src" -type f | wc -l)" = "$net_n" ] || { echo "net: $net_src does not hold $net_n files" >&2; exit 1; }
  net_bytes=$(find "$net_src" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
  # No page cache drop without root: the sources are read once here so that every run reads them from memory.
  cat "$net_src"/* > /dev/null
}

# net_run NAME REP: one timed storescu run to receiver NAME (plao, storescp, storescp-sync); appends a line to net.txt.
net_run() {
  local name=$1 rep=$2 d="$PWD/$out/net" kind=$1 port aec=STORESCP i
  [ "$name" = plao ] && kind=${PLAO_NET_RECEIVER:-plao}
  port=$(free_port)
  local dir="$d/recv-$name" log="$d/$name.log"
  rm -rf "$dir" "$log.pid" "$log.time"; mkdir -p "$dir"
  local cmd
  case $kind in
    plao) cmd=(dotnet "$d/plao/plao.dll" listen --port "$port" --out "$dir") ;;
    # ours without fsync: the same receive path as storescp's (acknowledged before the data is on disk)
    plao-nosync) cmd=(dotnet "$d/plao/plao.dll" listen --port "$port" --out "$dir" --no-sync) ;;
    storescp) cmd=(storescp --max-pdu "$net_pdu" --output-directory "$dir" "$port") ;;
    # no fsync option in storescp 3.6.7: coreutils sync(1) on each file, run (fork + sh + sync) after the response
    storescp-sync) cmd=(storescp --max-pdu "$net_pdu" --output-directory "$dir" --exec-on-reception 'sync "#p/#f"' --exec-sync "$port") ;;
    *) echo "net: unknown receiver $kind" >&2; exit 2 ;;
  esac
  /usr/bin/time -f '%e %U %S %M' -o "$log.time" bash -c 'echo $$ > "$0"; exec "$@"' "$log.pid" "${cmd[@]}" > "$log" 2>&1 &
  net_tpid=$! net_pid=
  for ((i = 0; i < 600; i++)); do  # up to 60 s (.NET start-up on a loaded machine)
    [ -z "$net_pid" ] && [ -s "$log.pid" ] && net_pid=$(cat "$log.pid")
    if [ -n "$net_pid" ] && [ -n "$(ss -Hltn "sport = :$port")" ]; then
      [ "${kind#plao}" = "$kind" ] || grep -q '^listening on ' "$log" && break
    fi
    kill -0 "$net_tpid" 2>/dev/null || { echo "NET: $name exited before listening:"; cat "$log"; exit 1; } >&2
    sleep 0.1
  done
  [ "$i" -lt 600 ] || { echo "NET: $name not listening on $port after 60 s:"; cat "$log"; exit 1; } >&2
  if [ "${kind#plao}" != "$kind" ]; then
    head -1 "$log" | grep -qE "^listening on [^ ]+:$port as [^ ]+\$" || echo "NET: unexpected first line from plao listen: $(head -1 "$log")" >&2
    aec=$(head -1 "$log" | sed -E 's/.* as //')
  fi
  # untimed C-ECHO: the receiver answers, and the largest PDU it takes (storescu sends min(that, $net_pdu))
  local pdu
  pdu=$(echoscu -d -aec "$aec" 127.0.0.1 "$port" 2>&1 | sed -nE 's/.*Their Max PDU Receive Size: *([0-9]+).*/\1/p' | tail -1 || true)
  [ -n "$pdu" ] && [ "$pdu" != 0 ] || { echo "NET: C-ECHO to $name failed"; pdu=nan; } >&2
  sync  # earlier runs' write-back must not land in this one
  local cpu0 cpu1 t0 t1 hwm rc=0
  cpu0=$(proc_cpu "$net_pid"); t0=$(date +%s.%N)
  storescu --max-send-pdu "$net_pdu" -aec "$aec" +sd +r 127.0.0.1 "$port" "$net_src" > "$log.scu" 2>&1 || rc=$?
  t1=$(date +%s.%N)
  cpu1=$(proc_cpu "$net_pid" 2>/dev/null || echo nan); hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$net_pid/status" 2>/dev/null || echo 0)
  kill -TERM "$net_pid" 2>/dev/null || echo "NET: $name had exited before storescu ended: $(tail -3 "$log")" >&2
  for ((i = 0; i < 300; i++)); do kill -0 "$net_tpid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$net_tpid" 2>/dev/null; then echo "NET: $name still running 30 s after SIGTERM; killing it" >&2; kill -KILL "$net_pid"; fi
  wait "$net_tpid" || true
  net_pid=
  local received others stored=- ok=1 t
  received=$(find "$dir" -type f | wc -l)
  if [ "${kind#plao}" != "$kind" ]; then  # ours: DIR/<Study>/<Series>/<SOP>.dcm and one "stored <path>" line per instance
    others=$(find "$dir" -type f ! -name '*.dcm' | wc -l); stored=$(grep -c '^stored ' "$log" || true)
    [ "$others" = 0 ] || { echo "NET: $name left $others files not named *.dcm:"; find "$dir" -type f ! -name '*.dcm' | head -5; } >&2
    [ "$stored" = "$received" ] || echo "NET: $name printed $stored 'stored' lines for $received files" >&2
  fi
  rm -rf "$dir"
  if [ "$rc" != 0 ] || [ "$received" != "$net_n" ] || grep -qE '^[EFW]: ' "$log.scu"; then
    ok=0; net_failed=1
    { echo "NET MISMATCH: $name run $rep: storescu exit $rc, $received of $net_n instances stored"; grep -E '^[EFW]: ' "$log.scu" | head -5; } >&2
  fi
  t=$(grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' "$log.time" | tail -1 || true)
  [ -n "$t" ] || { echo "NET: no /usr/bin/time figures for $name: $(cat "$log.time")" >&2; t="nan nan nan $hwm"; }
  echo "$name rep=$rep receiver=$kind n=$net_n mb=$(awk -v b="$net_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')" \
    "wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') cpu=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }')" \
    "cpu_total=$(echo "$t" | awk '{ printf "%.2f", $2 + $3 }') rss_mb=$(echo "$t" | awk '{ printf "%.0f", $4 / 1024 }') hwm_mb=$((hwm / 1024))" \
    "pdu=$pdu received=$received stored_lines=$stored ok=$ok" | tee -a "$out/net.txt"
}

net() {
  need time
  # DCMTK 3.6.7 as built here leaves Nagle's algorithm on unless TCP_NODELAY=1 is in the environment; with it on, each
  # C-STORE response (three small writes) waits on delayed ACKs, ~45 ms per instance on loopback. Off for storescu
  # and storescp alike, so that storescp is measured at its best.
  export TCP_NODELAY=1
  mkdir -p "$out/net"
  if [ "${PLAO_NET_RECEIVER:-plao}" = plao ]; then
    dotnet build "$root/src/PlaoImaging.Cli" -c Release --artifacts-path "$PWD/$out/net/artifacts" -o "$PWD/$out/net/plao" > "$out/net/build.log" 2>&1 \
      || { grep -E "error" "$out/net/build.log" | sort -u | head -20; echo "net: plao build failed (bench/out/net/build.log)"; exit 1; } >&2
  fi
  net_files
  net_failed=0 net_pid=
  trap '[ -z "$net_pid" ] || kill -KILL "$net_pid" 2>/dev/null || true; rm -rf "$PWD/$out/net"/recv-*' EXIT
  : > "$out/net.txt"
  local peers=${PLAO_NET_PEERS:-storescp storescp-sync plao-nosync}
  local reps=${PLAO_NET_REPS:-3}
  for ((rep = 1; rep <= reps; rep++)); do for name in plao $peers; do net_run "$name" "$rep"; done; done
  # Per receiver, over its runs (3 by default): least wall time (and its instances/s and MB/s = bytes of the sent files
  # / wall s, 1 MB = 10^6 B), least receiver CPU during the transfer, largest peak RSS. Ratios: ours / peer for time,
  # CPU and peak RSS (< 1: we are faster or smaller); throughput ours / peer (> 1: we are faster).
  echo; echo "receiver: wall s (inst/s, MB/s) | receiver cpu s | peak RSS MB  (best of $reps; $net_n instances, $(awk -v b="$net_bytes" 'BEGIN { printf "%.0f", b / 1e6 }') MB per run)"
  awk '{ r=$1; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      if (!(r in wall)) { names[++k] = r; kind[r] = v["receiver"]; rss[r] = 0 }
      if (!(r in wall) || v["wall"] < wall[r]) wall[r] = v["wall"]
      if (!(r in cpu) || v["cpu"] < cpu[r]) cpu[r] = v["cpu"]
      if (v["rss_mb"] > rss[r]) rss[r] = v["rss_mb"]
      if (v["ok"] != 1) bad[r]++; n = v["n"]; mb = v["mb"]; e = (v["pdu"] + 0 > '"$net_pdu"') ? '"$net_pdu"' : v["pdu"]
      pdu[r] = pdu[r] (index(" " pdu[r] " ", " " e " ") ? "" : " " e) }
    END { for (j = 1; j <= k; j++) { r = names[j]
            printf "%s%s: %.2f (%.0f, %.0f) | %.2f | %.0f%s\n", r, (kind[r] != r ? " (ran " kind[r] ")" : ""), wall[r], n / wall[r], mb / wall[r], cpu[r], rss[r], (r in bad ? "  ** " bad[r] " FAILED RUN(S) **" : "") }
          for (j = 2; j <= k; j++) { p = names[j]
            printf "plao/%s: time %.2f | throughput %.2f | cpu %.2f | peak RSS %.2f\n", p, wall["plao"] / wall[p], wall[p] / wall["plao"], cpu["plao"] / cpu[p], rss["plao"] / rss[p] }
          for (j = 1; j <= k; j++) { all = all sprintf(" %s:%s", names[j], pdu[names[j]]); if (pdu[names[j]] != pdu[names[1]]) differ = 1 }
          if (differ) printf "NOTE: storescu sent different PDU sizes, min(receiver max, %d):%s\n", '"$net_pdu"', all }' "$out/net.txt"
  [ "$net_failed" = 0 ] || { echo "NET: some runs did not deliver every instance (see above and bench/out/net/*.log)" >&2; exit 1; }
}

# --- infer: ONNX Runtime vs PyTorch on the landmark model ------------------------------------------------------------
# The tools alternate in rounds (ort, torch, torch-passive for batch 1, then batch 8), each round a fresh process with
# its own untimed warm-up runs, so that load from other work on the machine falls on all of them alike; the summary
# pools every timed run of every round (bench/inference/summarise.py).
infer() {
  need python3-torch; need python3-onnx; need python3-numpy
  local d="$out/infer" model="$root/models/plao-vertebra-landmarks-v1.onnx" manifest="$root/models/plao-vertebra-landmarks-v1.json"
  local rounds=${PLAO_INFER_ROUNDS:-5} runs=${PLAO_INFER_RUNS:-10} warmup=3 threads=2
  mkdir -p "$d/check"
  dotnet build inference -c Release --artifacts-path "$PWD/$d/artifacts" -o "$PWD/$d/app" > "$d/build.log" 2>&1 \
    || { grep -E "error" "$d/build.log" | sort -u | head -20; echo "infer: build failed ($d/build.log)"; exit 1; } >&2
  local app=("dotnet" "$d/app/PlaoImaging.Bench.Inference.dll")
  # The PyTorch network is rebuilt from training/plaomodel/net.py with the ONNX weights: its outputs must equal ONNX
  # Runtime's (within 1e-4) before anything is timed.
  "${app[@]}" check "$manifest" "$d/check"
  /usr/bin/python3 inference/torch_infer.py check "$model" "$d/check" || { echo "infer: PyTorch does not reproduce ONNX Runtime; nothing timed" >&2; exit 1; }
  : > "$out/infer.txt"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$d/load.txt"
  for ((round = 1; round <= rounds; round++)); do
    for batch in 1 8; do
      "${app[@]}" time "$manifest" "$batch" "$runs" "$warmup" "$threads" | tee -a "$out/infer.txt" | cut -c1-100
      /usr/bin/python3 inference/torch_infer.py time "$model" "$batch" "$runs" "$warmup" "$threads" torch | tee -a "$out/infer.txt" | cut -c1-100
      OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 inference/torch_infer.py time "$model" "$batch" "$runs" "$warmup" "$threads" torch-passive \
        | tee -a "$out/infer.txt" | cut -c1-100
    done
  done
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$d/load.txt"
  echo; /usr/bin/python3 inference/summarise.py "$out/infer.txt"
}

# --- pipeline: the engine end to end on the CPU --------------------------------------------------------------------
# One radiograph through the engine's own classes stage by stage (read, decode, preprocess, inference, post-process):
# the 960x800 sample radiographs (explicit VR; JPEG lossless) and a 2048x2048 12-bit radiograph-like image (native;
# JPEG lossless SV1), each PLAO_PIPELINE_RUNS times (default 30) after 3 untimed runs; then every sample study through
# StudyAnalyzer as plao analyze runs it; then memory over PLAO_PIPELINE_MEMORY images (default 1000). The model is the
# shipped two-stage one (PLAO_PIPELINE_MODEL=plao-vertebra-landmarks-v1 for the detector alone).
pipeline() {
  need dcmtk; need python3-pydicom; need python3-numpy
  decode_files
  local d="$out/pipeline" manifest="$root/models/${PLAO_PIPELINE_MODEL:-plao-vertebra-landmarks-v2}.json" runs=${PLAO_PIPELINE_RUNS:-30}
  local threads=${PLAO_PIPELINE_THREADS:-2} memory=${PLAO_PIPELINE_MEMORY:-1000}
  mkdir -p "$d"
  dotnet build pipeline -c Release --artifacts-path "$PWD/$d/artifacts" -o "$PWD/$d/app" > "$d/build.log" 2>&1 \
    || { grep -E "error" "$d/build.log" | sort -u | head -20; echo "pipeline: build failed ($d/build.log)"; exit 1; } >&2
  local app=("dotnet" "$d/app/PlaoImaging.Bench.Pipeline.dll")
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/pipeline.txt"
  "${app[@]}" stages "$manifest" "$threads" "$runs" "$root/sample-data/02-dx-thoracolumbar-explicit/lateral.dcm" \
    "$root/sample-data/01-cr-lumbar-mono1-jpegll/lateral.dcm" "$PWD/$out/decode/dx-2048-12bit.dcm" "$PWD/$out/decode/sv1.dcm" | tee -a "$out/pipeline.txt"
  "${app[@]}" studies "$manifest" "$threads" 5 "$root"/sample-data/0* | tee -a "$out/pipeline.txt"
  "${app[@]}" memory "$manifest" "$threads" "$memory" "$root/sample-data/02-dx-thoracolumbar-explicit/lateral.dcm" | tee -a "$out/pipeline.txt"
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/pipeline.txt"
}

# The worker (plao-worker, Release, CPU) against the engine alone (bench/worker/bench.py): latency from the C-STORE
# response to the SR at a storescp destination less the quiet period (PLAO_WORKER_LATENCY studies one at a time,
# default 60), studies per hour over a burst (PLAO_WORKER_BURST, default 500), folder-import reprocessing
# (PLAO_WORKER_REPROCESS, default 200) and plao analyze on the same folder; PLAO_WORKER_QUIET seconds of quiet period
# (default 2).
worker() {
  need dcmtk; need python3-pydicom
  (cd "$root" && dotnet build src/PlaoImaging.Worker -c Release 2>&1 | grep -E " error |rror\(s\)" | sort -u
   dotnet build src/PlaoImaging.Cli -c Release 2>&1 | grep -E " error |rror\(s\)" | sort -u)
  /usr/bin/python3 worker/bench.py "$out" --latency "${PLAO_WORKER_LATENCY:-60}" --burst "${PLAO_WORKER_BURST:-500}" \
    --reprocess "${PLAO_WORKER_REPROCESS:-200}" --quiet "${PLAO_WORKER_QUIET:-2}" | tee "$out/worker.txt"
}

case "${1:-parse}" in
  parse) parse ;;
  decode) decode ;;
  net) net ;;
  infer) infer ;;
  pipeline) pipeline ;;
  worker) worker ;;
  *) echo "usage: $0 parse|decode|net|infer|pipeline|worker"; exit 2 ;;
esac
