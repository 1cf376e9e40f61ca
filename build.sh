#!/usr/bin/env bash
# PlaoImaging build entry point.
#   ./build.sh test   install the test peers when missing, build, run every test project, print "N passed, N failed, N skipped"
#   ./build.sh run    the main job until the worker exists: plao analyze on every sample study
#   ./build.sh bench  run the side-by-side benchmarks in bench/
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Debian packages the tests use as peers (DCMTK, dicom3tools, GDCM, pydicom, Orthanc) and the Python packages of
# training/ (its smoke tests run with Debian's /usr/bin/python3).
PEER_PACKAGES=(dcmtk dicom3tools libgdcm-tools python3-pydicom python3-numpy libcharls2 libopenjp2-7 libopenjp2-tools orthanc openssl
  python3-scipy python3-torch python3-onnx python3-jsonschema)

install_peers() {
  local missing=()
  for p in "${PEER_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing test peers: ${missing[*]}"
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
      || echo "WARNING: could not install ${missing[*]}; tests that need them will fail in CI and skip elsewhere"
  fi
}

run_tests() {
  install_peers
  dotnet build PlaoImaging.sln -c Release -warnaserror 2>&1 | tail -3
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
  local results=artifacts/test-results
  rm -rf "$results"; mkdir -p "$results"
  local status=0
  for proj in tests/*/*.csproj; do
    local name; name=$(basename "$proj" .csproj)
    echo "== $name"
    # xunit v3 test projects are executables: run each directly, with an XML report to count from.
    (cd "$(dirname "$proj")" && dotnet "bin/Release/net10.0/$name.dll" -noLogo -noColor -parallelMode collections \
       -result-xml "$OLDPWD/$results/$name.xml" ${TEST_FILTER:-}) || status=1
  done
  local passed=0 failed=0 skipped=0
  for report in "$results"/*.xml; do
    [ -f "$report" ] || continue
    local head; head=$(grep -o '<assembly [^>]*>' "$report" | head -1)
    p=$(echo "$head" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p'); f=$(echo "$head" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')
    n=$(echo "$head" | sed -n 's/.* skipped="\([0-9]*\)".*/\1/p'); e=$(echo "$head" | sed -n 's/.* errors="\([0-9]*\)".*/\1/p')
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0})); skipped=$((skipped + ${n:-0}))
  done
  # training/: phantom generator and training-pipeline smoke tests (Python unittest, Debian's interpreter)
  echo "== training (Python unittest)"
  local py_log="$results/training-unittest.txt"
  if /usr/bin/python3 -c "import numpy, scipy, pydicom, torch, onnx" 2>/dev/null; then
    /usr/bin/python3 -m unittest discover -s training/tests -v > "$py_log" 2>&1 || status=1
    tail -3 "$py_log"
    local ran pf pe ps
    ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\}.*/\1/p' "$py_log" | tail -1)
    pf=$(grep -o 'failures=[0-9]*' "$py_log" | tail -1 | cut -d= -f2); pe=$(grep -o 'errors=[0-9]*' "$py_log" | tail -1 | cut -d= -f2)
    ps=$(grep -o 'skipped=[0-9]*' "$py_log" | tail -1 | cut -d= -f2)
    if [ -z "$ran" ]; then echo "training tests did not report"; failed=$((failed + 1)); else
      failed=$((failed + ${pf:-0} + ${pe:-0})); skipped=$((skipped + ${ps:-0}))
      passed=$((passed + ran - ${pf:-0} - ${pe:-0} - ${ps:-0})); fi
  elif [ "${CI:-}" = true ]; then
    echo "FAILED: the training smoke tests need python3-numpy python3-scipy python3-pydicom python3-torch python3-onnx"; failed=$((failed + 1))
  else
    echo "SKIPPED (loudly): the training smoke tests need python3-numpy python3-scipy python3-pydicom python3-torch python3-onnx"
    skipped=$((skipped + 1))
  fi
  local projects; projects=$(ls tests/*/*.csproj | wc -l); local reports; reports=$(ls "$results"/*.xml 2>/dev/null | wc -l)
  if [ "$reports" -lt "$projects" ]; then
    echo "only $reports of $projects test projects reported results"; failed=$((failed + projects - reports)); status=1
  fi
  [ "$failed" -gt 0 ] && status=1
  echo "$passed passed, $failed failed, $skipped skipped"
  exit $status
}

case "${1:-test}" in
  test) run_tests ;;
  run) shift; dotnet run --project src/PlaoImaging.Cli -c Release -- analyze sample-data "$@" ;;
  bench) shift; exec bench/run.sh "$@" ;;
  *) echo "usage: $0 {test|run|bench}"; exit 2 ;;
esac
