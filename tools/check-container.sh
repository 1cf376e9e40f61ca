#!/usr/bin/env bash
# Checks the container image's contents without a container engine (none runs on the project's machines):
#
#   1. the native codec packages the Dockerfile installs are the ones PlaoImaging.Dicom.Codecs.Native names, and (on a
#      Debian or Ubuntu machine that has them) they hold the sonames it loads;
#   2. the build context the .dockerignore admits is enough: the files of this working tree it lets through (what
#      `docker build .` would send) are copied to a temporary folder and the worker is published there with the
#      Dockerfile's own `dotnet publish` command;
#   3. that published output runs the way the image runs it: as uid 1654 (when this script runs as root; otherwise as
#      the current user), an emptied environment with the image's variables, working directory WORK with WORK/data
#      the only folder it may write (HOME and the program folder are read-only to it, as with `read_only: true` in
#      compose.yaml), and the Dockerfile's HEALTHCHECK command must pass; then the generated admin password opens the
#      API, and SIGTERM stops the worker cleanly.
#
#   4. with --flow, compose.yaml's set-up without the engine: a private PostgreSQL with a password, the two workers
#      with compose.yaml's own environment (host names and ports mapped to this machine's loopback; the worker's quiet
#      period and Orthanc's StableAge shortened to 2 s), Debian's Orthanc with deploy/orthanc/ (configuration and Lua
#      routing script); a sample study sent to Orthanc must come back from a worker as a report stored in Orthanc.
#      Needs PostgreSQL's server binaries, Orthanc and DCMTK's storescu (the test peers of ./build.sh test).
#
#   --flavor=cuda publishes and runs the CUDA image's output instead (FLAVOR=cuda): its ONNX Runtime carries the CUDA
#      provider, and on a machine without an NVIDIA driver the worker starts on the CPU and says why. The CUDA and
#      cuDNN libraries themselves are the base image's and are not checked here.
#
# Usage: tools/check-container.sh [--keep] [--flow] [--flavor=cpu|cuda]   (--keep leaves the temporary folder)
# Needs: the .NET 10 SDK, git, python3, curl; setpriv (util-linux) to change user when run as root. Ports are free
# ones picked at run time. Exit status 0 when every check passed; each check prints "ok" or "FAIL" with the reason.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

keep=false flow=false flavor=cpu
for arg in "$@"; do
  case "$arg" in
    --keep) keep=true ;;
    --flow) flow=true ;;
    --flavor=cpu|--flavor=cuda) flavor=${arg#--flavor=} ;;
    *) echo "usage: $0 [--keep] [--flow] [--flavor=cpu|cuda]"; exit 2 ;;
  esac
done
failures=0
ok() { echo "ok    $*"; }
fail() { echo "FAIL  $*"; failures=$((failures + 1)); }

tmp=$(mktemp -d /tmp/plao-container-check.XXXXXX)
chmod 0755 "$tmp"
worker_pid="" flow_pids=() pg_ctl_stop=()
cleanup() {
  if [ -n "$worker_pid" ] && kill -0 "$worker_pid" 2>/dev/null; then kill -KILL "$worker_pid" 2>/dev/null; fi
  for p in "${flow_pids[@]}"; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done
  [ ${#pg_ctl_stop[@]} -gt 0 ] && "${pg_ctl_stop[@]}" >/dev/null 2>&1
  if $keep; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# ---- 1. native codec packages ----------------------------------------------------------------------------------
native=src/PlaoImaging.Dicom.Codecs.Native/NativeLibraries.cs
# NativeLoader entries read: new("CharLS", CharLsImport, "libcharls2", ["libcharls.so.2", ...]); package, then soname.
mapfile -t packages < <(grep -oE 'Import, "[^"]+"' "$native" | sed -E 's/.*"(.*)"/\1/')
mapfile -t sonames < <(grep -oE '\["lib[^"]+\.so\.[0-9]+"' "$native" | sed -E 's/\["(.*)"/\1/')
if [ "${#packages[@]}" -eq 0 ] || [ "${#packages[@]}" -ne "${#sonames[@]}" ]; then
  fail "could not read the packages and sonames from $native"
fi
apt_line=$(sed -n '/apt-get install/,/rm -rf/p' Dockerfile | tr -d '\\')
for i in "${!packages[@]}"; do
  pkg=${packages[$i]} so=${sonames[$i]}
  if grep -qw -- "$pkg" <<<"$apt_line"; then ok "Dockerfile installs $pkg (the package $native names for $so)"; else fail "Dockerfile does not install $pkg"; fi
  grep -q "'$so '" Dockerfile && ok "Dockerfile checks that $so is on the loader's path" || fail "Dockerfile does not check $so"
  if command -v dpkg-query >/dev/null; then
    if dpkg-query -L "$pkg" 2>/dev/null | grep -q "/$so\$"; then
      ok "$pkg provides $so on this machine ($(. /etc/os-release; echo "$PRETTY_NAME"), $(dpkg-query -W -f='${Version}' "$pkg"))"
    else
      echo "note  $pkg is not installed here; the image installs it from Ubuntu 24.04 (docs/security.md, 'Image')"
    fi
  fi
done

# ---- 2. publish from the build context the .dockerignore admits -------------------------------------------------
context=$tmp/context
mkdir -p "$context"
mapfile -t admitted < <(sed -n 's/^!//p' .dockerignore)
mapfile -t refused < <(grep -vE '^(#|!|\*$|$)' .dockerignore | sed -e 's#^\*\*/##' -e 's#/$##')
# What `docker build .` would send from this working tree: the admitted paths, less the refused ones (bin and obj
# folders at any depth; tar's exclusion patterns match any trailing part of a path, as `**/` does).
excludes=()
for r in "${refused[@]}"; do excludes+=("--exclude=$r"); done
tar -cf - "${excludes[@]}" "${admitted[@]}" | tar -xf - -C "$context"
# The Dockerfile's own command (its continuation lines joined), with FLAVOR and the output folder of this check.
publish=$(python3 -c 'import re; s=re.sub(r"\\\n\s*(#[^\n]*\n\s*)?", " ", open("Dockerfile").read()); print(re.search(r"dotnet publish [^&]*", s).group(0).strip())')
publish=${publish//'"$FLAVOR"'/$flavor}
publish=${publish//'/app'/$tmp/app}
echo "...   $publish   (in the copied context: $(find "$context" -type f | wc -l) files)"
start=$(date +%s)
if (cd "$context" && $publish -nologo -v q > "$tmp/publish.log" 2>&1); then
  ok "published in $(( $(date +%s) - start )) s: $(du -sh "$tmp/app" | cut -f1) in $(find "$tmp/app" -type f | wc -l) files"
else
  fail "publish failed (the .dockerignore may leave out something the build needs):"; tail -20 "$tmp/publish.log"; exit 1
fi
for f in plao-worker.dll appsettings.json models/plao-vertebra-landmarks-v2.json models/plao-vertebra-landmarks-v2-refiner.onnx; do
  [ -f "$tmp/app/$f" ] && ok "published output has $f" || fail "published output lacks $f"
done
# One ONNX Runtime flavour only, linux-x64 only; no native codecs of its own: those come from the packages.
[ -f "$tmp/app/libonnxruntime.so" ] && ok "libonnxruntime.so (linux-x64) beside the binary" || fail "no libonnxruntime.so in the output"
[ -z "$(find "$tmp/app" -path '*/runtimes/*' -name '*.so')" ] && ok "no per-platform runtimes/ folders (published for linux-x64)" || fail "runtimes/ folders in the output"
[ -z "$(find "$tmp/app" -iname '*charls*' -o -iname '*openjp2*')" ] && ok "no CharLS or OpenJPEG of its own (the packages provide them)" || fail "the output carries its own CharLS or OpenJPEG"
cuda_provider=$(find "$tmp/app" -name 'libonnxruntime_providers_cuda.so')
if [ "$flavor" = cuda ]; then
  [ -n "$cuda_provider" ] && ok "CUDA flavour: $(du -h "$cuda_provider" | cut -f1) libonnxruntime_providers_cuda.so beside the binary" || fail "the CUDA flavour lacks the CUDA provider"
else
  [ -z "$cuda_provider" ] && ok "no CUDA provider in the CPU flavour" || fail "the CPU flavour carries the CUDA provider"
fi

# ---- 3. run it as the image does --------------------------------------------------------------------------------
uid=1654
work=$tmp/var/lib/plao home=$tmp/home/app
mkdir -p "$work/data" "$home"
if [ "$(id -u)" -eq 0 ]; then
  chown "$uid:$uid" "$work/data"; chmod 0750 "$work/data"
  as_user=(setpriv --reuid="$uid" --regid="$uid" --clear-groups --)
  who="uid $uid"
else
  as_user=()
  who="$(id -un) (not root: cannot take uid $uid)"
  chmod a-w "$home" "$tmp/app"
fi
chmod -R a+rX "$tmp/app"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
http_port=$(free_port) dicom_port=$(free_port)
# The image's environment (Dockerfile ENV) with free ports instead of 5080 and 11112.
image_env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$home" DOTNET_RUNNING_IN_CONTAINER=true
  ASPNETCORE_URLS="http://127.0.0.1:$http_port" ASPNETCORE_HTTP_PORTS= DOTNET_NOLOGO=1 PLAO_FLAVOR="$flavor"
  Dicom__Scp__Port="$dicom_port")
entrypoint=$(python3 -c 'import json,re,sys; m=re.search(r"^ENTRYPOINT (\[.*\])$", open("Dockerfile").read(), re.M); print(" ".join(json.loads(m.group(1))))')
entrypoint=${entrypoint//'/app/'/$tmp/app/}
touch "$tmp/before-start"
sleep 1
(cd "$work" && exec env -i "${image_env[@]}" "${as_user[@]}" $entrypoint) > "$tmp/worker.log" 2>&1 &
worker_pid=$!
echo "...   started the published worker as $who in WORK=$work (web $http_port, DICOM $dicom_port)"

# The Dockerfile's HEALTHCHECK command, run as the image would run it (as the user, PLAO_HEALTH_PORT for the port).
health=$(python3 -c 'import json,re; s=open("Dockerfile").read().replace("\\\n"," "); m=re.search(r"HEALTHCHECK .*?CMD (\[.*?\])\s*$", s, re.M|re.S); print(json.dumps(json.loads(m.group(1))))')
mapfile -t health_cmd < <(python3 -c 'import json,sys; [print(a) for a in json.loads(sys.argv[1])]' "$health")
ready=false
for _ in $(seq 1 240); do
  if env -i "${image_env[@]}" PLAO_HEALTH_PORT="$http_port" "${as_user[@]}" "${health_cmd[@]}" 2>/dev/null; then ready=true; break; fi
  kill -0 "$worker_pid" 2>/dev/null || break
  sleep 0.5
done
if $ready; then
  ok "the Dockerfile's HEALTHCHECK passes: $(curl -fsS "http://127.0.0.1:$http_port/health/ready" | head -c 400)"
else
  fail "the worker did not become ready; its log:"; tail -30 "$tmp/worker.log"
fi
if $ready; then
  pw_file=$work/data/secrets/admin-password
  if [ -f "$pw_file" ]; then
    ok "generated admin password: $(stat -c '%U(%u) %a' "$pw_file") $(realpath --relative-to="$tmp" "$pw_file")"
    [ "$(stat -c %a "$pw_file")" = 600 ] || fail "the admin password file is not 600"
    code=$(curl -s -o "$tmp/model.json" -w '%{http_code}' -u "admin:$(tr -d '\n' < "$pw_file")" "http://127.0.0.1:$http_port/api/model")
    [ "$code" = 200 ] && ok "GET /api/model as admin: 200 ($(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m.get("id", m.get("Id", "")), m.get("version", m.get("Version", "")))' "$tmp/model.json" 2>/dev/null))" || fail "GET /api/model as admin answered $code"
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http_port/api/studies")
    [ "$code" = 401 ] && ok "GET /api/studies without credentials: 401" || fail "GET /api/studies without credentials answered $code"
  else
    fail "no generated admin password in data/secrets"
  fi
  grep -q "Model .* loaded on cpu" "$tmp/worker.log" && ok "log: $(grep -o 'Model .* loaded on [^ ]*' "$tmp/worker.log" | head -1)" || echo "note  no model line in the log"
fi

# Stop as `docker stop` does: SIGTERM, then wait (the worker's own limit is 30 s).
if kill -0 "$worker_pid" 2>/dev/null; then
  kill -TERM "$worker_pid"
  for _ in $(seq 1 80); do kill -0 "$worker_pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$worker_pid" 2>/dev/null; then fail "still running 40 s after SIGTERM"; kill -KILL "$worker_pid"; fi
fi
wait "$worker_pid" 2>/dev/null; rc=$?
worker_pid=""
if [ "$rc" -eq 0 ]; then ok "stopped on SIGTERM, exit code 0"; else fail "exit code $rc after SIGTERM; log tail:"; tail -15 "$tmp/worker.log"; fi

# Nothing written outside WORK/data (the image's volume): HOME, the program folder and WORK itself stay untouched.
written=$(find "$tmp/app" "$home" "$work" -newer "$tmp/before-start" ! -path "$work/data" ! -path "$work/data/*" 2>/dev/null)
[ -z "$written" ] && ok "wrote only under WORK/data: $(cd "$work/data" && find . -mindepth 1 -maxdepth 1 | sort | tr '\n' ' ')" || fail "wrote outside WORK/data: $written"
if [ "$(id -u)" -eq 0 ]; then
  others=$(find "$work/data" ! -uid "$uid" | head -3)
  [ -z "$others" ] && ok "every file under data/ belongs to uid $uid" || fail "files under data/ not owned by $uid: $others"
fi
grep -qiE "unhandled|fatal" "$tmp/worker.log" && fail "the log has an unhandled or fatal error" || ok "no unhandled or fatal error in the worker's log"

if $flow; then
  # shellcheck source=tools/check-compose-flow.sh
  . tools/check-compose-flow.sh
fi

echo
if [ "$failures" -eq 0 ]; then echo "container check: every check passed"; else echo "container check: $failures failed"; fi
[ "$failures" -eq 0 ]
