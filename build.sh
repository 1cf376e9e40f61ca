#!/usr/bin/env bash
# PlaoImaging build entry point.
#   ./build.sh test       install the test peers when missing, build, run every test project and training's Python
#                         suite, print "N passed, N failed, N skipped"
#   ./build.sh test-fast  the inner loop: build, run only the fast in-process tests (not Category=peer, not
#                         Category=slow), no peer install and no Python suite; the same closing line
#   ./build.sh run        build and start the worker on its embedded defaults (SQLite and files under ./data, DICOM
#                         SCP on port 11112 AE PLAO, web and API on http://localhost:5080), send it sample-data/ over
#                         C-STORE, print the results when they are in, and keep running until Ctrl-C
#   ./build.sh bench  run the side-by-side benchmarks in bench/
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Debian packages the tests use as peers (DCMTK, dicom3tools, GDCM, pydicom, Orthanc, PostgreSQL, Chromium) and the Python packages of
# training/ (its smoke tests run with Debian's /usr/bin/python3).
PEER_PACKAGES=(dcmtk dicom3tools libgdcm-tools python3-pydicom python3-numpy libcharls2 libopenjp2-7 libopenjp2-tools orthanc orthanc-dicomweb openssl
  python3-scipy python3-torch python3-onnx python3-jsonschema postgresql chromium)

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

# Test projects are the tests/*/*.csproj with IsTestProject true; tests/PlaoImaging.TestSupport is a class library that
# they reference, not run.
test_projects() {
  local proj
  for proj in tests/*/*.csproj; do
    grep -q '<IsTestProject>true</IsTestProject>' "$proj" && echo "$proj"
  done
}

# Every test carries a Category trait (README.md, "Tests"): unit (in-process, fast), peer (a real tool,
# server or the shared corpus), slow (over ~2 s); peer and slow may come on top of unit from a class or assembly trait.
# test-fast runs what is neither peer nor slow, untagged tests included, so that nothing new is left out unseen.
FAST_FILTER="-trait- Category=peer -trait- Category=slow"

run_tests() {
  local mode=${1:-full}
  local filter=${TEST_FILTER:-}
  if [ "$mode" = fast ]; then filter="$FAST_FILTER $filter"; else install_peers; fi
  dotnet build PlaoImaging.sln -c Release -warnaserror 2>&1 | tail -3
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
  local results=artifacts/test-results
  rm -rf "$results"; mkdir -p "$results"
  local status=0
  local projects; projects=$(test_projects)
  for proj in $projects; do
    local name; name=$(basename "$proj" .csproj)
    echo "== $name"
    # xunit v3 test projects are executables: run each directly, with an XML report to count from.
    # shellcheck disable=SC2086 # the filter is a list of options
    (cd "$(dirname "$proj")" && dotnet "bin/Release/net10.0/$name.dll" -noLogo -noColor -parallelMode collections \
       -result-xml "$OLDPWD/$results/$name.xml" $filter) || status=1
  done
  local passed=0 failed=0 skipped=0
  for report in "$results"/*.xml; do
    [ -f "$report" ] || continue
    local head; head=$(grep -o '<assembly [^>]*>' "$report" | head -1)
    p=$(echo "$head" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p'); f=$(echo "$head" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')
    n=$(echo "$head" | sed -n 's/.* skipped="\([0-9]*\)".*/\1/p'); e=$(echo "$head" | sed -n 's/.* errors="\([0-9]*\)".*/\1/p')
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0})); skipped=$((skipped + ${n:-0}))
    local untagged; untagged=$(tr -d '\n' < "$report" | sed 's/<test /\n<test /g' | grep '^<test ' | grep -vc 'name="Category"')
    [ "$untagged" -gt 0 ] && echo "NOTE: $untagged tests of $(basename "$report" .xml) have no Category trait (unit, peer or slow); test-fast runs them"
  done
  # training/: phantom generator and training-pipeline smoke tests (Python unittest, Debian's interpreter)
  local py_log="$results/training-unittest.txt"
  [ "$mode" = fast ] || echo "== training (Python unittest)"
  if [ "$mode" = fast ]; then
    echo "== training (Python unittest): not run by test-fast"
  elif /usr/bin/python3 -c "import numpy, scipy, pydicom, torch, onnx" 2>/dev/null; then
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
  local expected; expected=$(echo "$projects" | wc -w); local reports; reports=$(ls "$results"/*.xml 2>/dev/null | wc -l)
  if [ "$reports" -lt "$expected" ]; then
    echo "only $reports of $expected test projects reported results"; failed=$((failed + expected - reports)); status=1
  fi
  [ "$failed" -gt 0 ] && status=1
  echo "$passed passed, $failed failed, $skipped skipped"
  exit $status
}

# The worker on its embedded defaults, fed with sample-data/ through its own SCP (the path a PACS takes).
run_worker() {
  dotnet build src/PlaoImaging.Worker -c Release -v q -nologo 2>&1 | grep -E " error |rror\(s\)" | sort -u
  dotnet build src/PlaoImaging.Cli -c Release -v q -nologo 2>&1 | grep -E " error |rror\(s\)" | sort -u
  local worker=src/PlaoImaging.Worker/bin/Release/net10.0/plao-worker.dll plao=src/PlaoImaging.Cli/bin/Release/net10.0/plao.dll
  [ -f "$worker" ] && [ -f "$plao" ] || { echo "build failed"; exit 1; }
  dotnet "$worker" "$@" &
  local pid=$!
  trap 'kill -TERM $pid 2>/dev/null; wait $pid; exit 0' INT TERM
  local i
  for i in $(seq 1 120); do
    curl -fs http://localhost:5080/health/ready >/dev/null 2>&1 && break
    kill -0 $pid 2>/dev/null || { echo "the worker did not start (see its log above)"; exit 1; }
    sleep 0.5
  done
  echo "== worker ready: http://localhost:5080 (user admin, password in data/secrets/admin-password); DICOM: AE PLAO, port 11112"
  echo "== sending the sample studies (sample-data/0*) to the worker over C-STORE"
  # shellcheck disable=SC2046 # one argument per file
  dotnet "$plao" send localhost 11112 $(find sample-data/0* -name '*.dcm' | sort) --called PLAO --quiet
  echo "== results (each study is analysed after a 10 s quiet period)"
  dotnet "$plao" studies --wait 60
  echo "== the worker keeps running; Ctrl-C stops it (graceful: associations and jobs finish first)"
  wait $pid
}

case "${1:-test}" in
  test) run_tests full ;;
  test-fast) run_tests fast ;;
  run) shift; run_worker "$@" ;;
  analyze) shift; dotnet run --project src/PlaoImaging.Cli -c Release -- analyze sample-data "$@" ;;
  bench) shift; exec bench/run.sh "$@" ;;
  *) echo "usage: $0 {test|test-fast|run|analyze|bench}"; exit 2 ;;
esac
