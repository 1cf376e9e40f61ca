# Sourced by tools/check-container.sh --flow after its own checks (it uses that script's published output $tmp/app,
# its run-as-user command, ok/fail and free_port): compose.yaml's flow on this machine, without a container engine.
#
#   PostgreSQL (password authentication)  <-  worker-1, worker-2 (compose.yaml's environment, one shared data folder)
#   storescu -> Orthanc (deploy/orthanc/orthanc.json + route-to-plao.lua) -> a worker -> report -> Orthanc
#
# Mapped to this machine: the compose host names (postgres, orthanc, worker-1, worker-2) to 127.0.0.1 and every port
# to a free one; shortened for the check: the workers' quiet period and Orthanc's StableAge (2 s each).

echo
echo "== compose flow (PostgreSQL, two workers, Orthanc) without a container engine"
flow_ok=true
for tool in initdb pg_ctl createdb Orthanc storescu; do
  if ! command -v "$tool" >/dev/null && [ ! -x "$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)/$tool" ]; then
    fail "--flow needs $tool (./build.sh test installs the test peers: postgresql, orthanc, dcmtk)"; flow_ok=false
  fi
done
python3 -c 'import yaml' 2>/dev/null || { fail "--flow needs python3's yaml module (python3-yaml) to read compose.yaml"; flow_ok=false; }

if $flow_ok; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$pg_bin" ] || pg_bin=$(dirname "$(readlink -f "$(command -v initdb)")")
  flow=$tmp/flow
  mkdir -p "$flow"
  secret() { python3 -c 'import secrets; print(secrets.token_hex(16))'; }
  postgres_password=$(secret) orthanc_password=$(secret) admin_password=$(secret) radiologist_password=$(secret)
  hash_of() { printf '%s\n' "$1" | dotnet "$tmp/app/plao-worker.dll" hash-password; }

  # ---- PostgreSQL: a private cluster, user plao with a password (scram-sha-256), database plao ----
  pg_port=$(free_port)
  pg_as=()
  if [ "$(id -u)" -eq 0 ]; then pg_as=(runuser -u postgres --); fi
  mkdir -p "$flow/pg"
  printf '%s\n' "$postgres_password" > "$flow/pg/pwfile"
  [ "$(id -u)" -eq 0 ] && chown -R postgres "$flow/pg"
  chmod 700 "$flow/pg"
  if "${pg_as[@]}" "$pg_bin/initdb" -D "$flow/pg/data" -U plao --pwfile="$flow/pg/pwfile" -A scram-sha-256 -E UTF8 --locale=C --no-sync > "$flow/pg-initdb.log" 2>&1 \
     && "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$flow/pg/data" -l "$flow/pg/server.log" -w -t 60 start \
          -o "-p $pg_port -k $flow/pg -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" > "$flow/pg-start.log" 2>&1; then
    pg_ctl_stop=("${pg_as[@]}" "$pg_bin/pg_ctl" -D "$flow/pg/data" -m fast -w -t 30 stop)
    PGPASSWORD=$postgres_password "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U plao plao \
      && ok "PostgreSQL on 127.0.0.1:$pg_port, user plao with a password, database plao" || { fail "createdb failed"; flow_ok=false; }
  else
    fail "PostgreSQL did not start: $(tail -3 "$flow/pg-start.log" "$flow/pg-initdb.log" 2>/dev/null)"; flow_ok=false
  fi
fi

if $flow_ok; then
  # ---- compose.yaml's environment of each worker, interpolated from a generated .env, mapped to this machine ----
  w1_http=$(free_port) w1_dicom=$(free_port) w2_http=$(free_port) w2_dicom=$(free_port) orthanc_http=$(free_port) orthanc_dicom=$(free_port)
  export POSTGRES_PASSWORD=$postgres_password ORTHANC_ADMIN_PASSWORD=$orthanc_password PLAO_RADIOLOGIST_USER=rad
  PLAO_ADMIN_PASSWORD_HASH=$(hash_of "$admin_password"); export PLAO_ADMIN_PASSWORD_HASH
  PLAO_RADIOLOGIST_PASSWORD_HASH=$(hash_of "$radiologist_password"); export PLAO_RADIOLOGIST_PASSWORD_HASH
  python3 - "$flow" "$pg_port" "$orthanc_dicom" "$orthanc_http" "$w1_dicom" "$w2_dicom" <<'PY'
import json, os, re, sys, yaml
flow, pg_port, orthanc_dicom, orthanc_http, w1_dicom, w2_dicom = sys.argv[1:]
pattern = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
def interpolate(value):
    def one(m):
        name, op, arg = m.group(1), m.group(2), m.group(3)
        v = os.environ.get(name)
        if op and op.endswith("?") and not v:
            sys.exit(f"compose.yaml requires {name}: {arg}")
        return v if v else (arg if op and op.endswith("-") else "")
    return pattern.sub(one, str(value))
compose = yaml.safe_load(open("compose.yaml"))
hosts = {"postgres": "127.0.0.1", "orthanc": "127.0.0.1"}
for name, dicom in (("worker-1", w1_dicom), ("worker-2", w2_dicom)):
    env = {k: interpolate(v) for k, v in compose["services"][name]["environment"].items()}
    env["Storage__ConnectionString"] = env["Storage__ConnectionString"].replace("Host=postgres;", f"Host=127.0.0.1;Port={pg_port};")
    assert env["Export__Destinations__0__Host"] == "orthanc" and env["Export__Destinations__0__Port"] == "4242"
    env["Export__Destinations__0__Host"] = "127.0.0.1"
    env["Export__Destinations__0__Port"] = orthanc_dicom
    env["Dicom__Scp__Port"] = dicom
    env["Assembly__QuietPeriod"] = "00:00:02"
    with open(f"{flow}/{name}.env", "w") as f:
        f.writelines(f"{k}={v}\n" for k, v in env.items())
# Orthanc: deploy/orthanc/orthanc.json with this machine's folders, ports and the workers' loopback ports; the users
# compose.yaml gives the orthancteam image through ORTHANC__REGISTERED_USERS.
orthanc = json.load(open("deploy/orthanc/orthanc.json"))
orthanc_env = compose["services"]["orthanc"]["environment"]
orthanc["RegisteredUsers"] = json.loads(interpolate(orthanc_env["ORTHANC__REGISTERED_USERS"]))
orthanc["AuthenticationEnabled"] = interpolate(orthanc_env["ORTHANC__AUTHENTICATION_ENABLED"]) == "true"
orthanc["RemoteAccessAllowed"] = False
orthanc["DicomPort"] = int(orthanc_dicom)
orthanc["HttpPort"] = int(orthanc_http)
orthanc["StorageDirectory"] = orthanc["IndexDirectory"] = f"{flow}/orthanc-db"
orthanc["StableAge"] = 2
for key, port in (("plao1", w1_dicom), ("plao2", w2_dicom)):
    orthanc["DicomModalities"][key]["Host"] = "127.0.0.1"
    orthanc["DicomModalities"][key]["Port"] = int(port)
mounts = {m.split(":")[1]: m.split(":")[0] for m in compose["services"]["orthanc"]["volumes"] if m.startswith("./")}
orthanc["LuaScripts"] = [os.path.abspath(mounts[p]) for p in orthanc["LuaScripts"]]
json.dump(orthanc, open(f"{flow}/orthanc.json", "w"), indent=1)
PY
  [ -f "$flow/worker-2.env" ] && ok "compose.yaml's worker environment: $(wc -l < "$flow/worker-1.env") variables each (Worker, Storage, Dicom, Export, Auth, Logging)" || { fail "could not read compose.yaml"; flow_ok=false; }
fi

if $flow_ok; then
  # ---- the two workers (one shared data folder, as the compose volume) and Orthanc ----
  flow_work=$flow/var/lib/plao
  mkdir -p "$flow_work/data"
  [ "$(id -u)" -eq 0 ] && chown "$uid:$uid" "$flow_work/data"
  for n in 1 2; do
    port_var=w${n}_http
    mapfile -t worker_env < "$flow/worker-$n.env"
    (cd "$flow_work" && exec env -i "${image_env[@]}" ASPNETCORE_URLS="http://127.0.0.1:${!port_var}" "${worker_env[@]}" "${as_user[@]}" $entrypoint) > "$flow/worker-$n.log" 2>&1 &
    flow_pids+=($!)
  done
  Orthanc "$flow/orthanc.json" > "$flow/orthanc.log" 2>&1 &
  flow_pids+=($!)
  for n in 1 2; do
    port_var=w${n}_http
    for _ in $(seq 1 240); do
      curl -fs "http://127.0.0.1:${!port_var}/health/ready" >/dev/null 2>&1 && break
      kill -0 "${flow_pids[$((n - 1))]}" 2>/dev/null || break
      sleep 0.5
    done
    if curl -fs "http://127.0.0.1:${!port_var}/health/ready" >/dev/null 2>&1; then
      ok "worker-$n ready on PostgreSQL (AE $(grep '^Dicom__Scp__AETitle=' "$flow/worker-$n.env" | cut -d= -f2))"
    else
      fail "worker-$n did not become ready:"; tail -20 "$flow/worker-$n.log"; flow_ok=false
    fi
  done
  [ -e "$flow_work/data/secrets" ] && fail "a worker generated an admin password although compose.yaml configures accounts" || ok "no generated admin password: the accounts come from the environment"
  code=$(curl -s -o /dev/null -w '%{http_code}' -u "admin:$admin_password" "http://127.0.0.1:$w2_http/api/destinations")
  [ "$code" = 200 ] && ok "worker-2 admits admin with the password behind PLAO_ADMIN_PASSWORD_HASH" || fail "GET /api/destinations as admin answered $code"
  code=$(curl -s -o /dev/null -w '%{http_code}' -u "rad:$radiologist_password" "http://127.0.0.1:$w1_http/api/destinations")
  [ "$code" = 403 ] && ok "the radiologist account signs in and is refused admin routes (403)" || fail "GET /api/destinations as the radiologist answered $code"
  for _ in $(seq 1 60); do curl -fs -u "admin:$orthanc_password" "http://127.0.0.1:$orthanc_http/system" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fs -u "admin:$orthanc_password" "http://127.0.0.1:$orthanc_http/system" >/dev/null 2>&1 \
    && ok "Orthanc up with deploy/orthanc/ (DICOM $orthanc_dicom, HTTP $orthanc_http, password from the environment)" \
    || { fail "Orthanc did not start:"; tail -20 "$flow/orthanc.log"; flow_ok=false; }
fi

if $flow_ok; then
  # ---- a modality sends a study to Orthanc; the Lua script routes it; a worker's report comes back ----
  study_dir=sample-data/03-dx-thoracic-plao-run
  # The radiograph is JPEG Lossless (process 14, SV1): proposed as it is, so that Orthanc keeps and routes it compressed.
  if storescu --propose-lossless -aet MODALITY -aec ORTHANC 127.0.0.1 "$orthanc_dicom" $(find "$study_dir" -name '*.dcm' | sort) > "$flow/storescu.log" 2>&1; then
    ok "storescu sent $study_dir to Orthanc"
  else
    fail "storescu failed: $(tail -3 "$flow/storescu.log")"
  fi
  # Orthanc's view: the modality of each series, and for the images the PlaoRouted metadata the Lua script set.
  orthanc_view() {
    ORTHANC_URL="http://127.0.0.1:$orthanc_http" ORTHANC_AUTH="admin:$orthanc_password" python3 -c '
import base64, json, os, urllib.request
def get(path):
    request = urllib.request.Request(os.environ["ORTHANC_URL"] + path)
    request.add_header("Authorization", "Basic " + base64.b64encode(os.environ["ORTHANC_AUTH"].encode()).decode())
    with urllib.request.urlopen(request, timeout=10) as answer:
        body = answer.read().decode()
        return json.loads(body) if body[:1] in "[{" else body
modalities, routed = [], []
for series in get("/series?expand"):
    modality = series["MainDicomTags"].get("Modality", "")
    modalities.append(modality)
    if modality in ("CR", "DX", "MR"):
        for instance in series["Instances"]:
            routed.append(get("/instances/" + instance + "/metadata?expand").get("PlaoRouted", "-"))
print(" ".join(sorted(modalities)) + " | " + " ".join(routed))' 2>/dev/null
  }
  view=""
  for _ in $(seq 1 180); do
    view=$(orthanc_view)
    case " ${view%%|*} " in *" SR "*) break ;; esac
    sleep 1
  done
  case " ${view%%|*} " in
    *" SR "*) ok "Orthanc holds the worker's report: its series by modality: ${view%%|*}" ;;
    *) fail "no report reached Orthanc in 180 s (series: ${view%%|*}); Orthanc's log:"; grep -i "plaoimaging\|error" "$flow/orthanc.log" | tail -10 ;;
  esac
  routed=$(grep -o 'PlaoImaging: study [^ ]*: [0-9]* instance(s) sent to plao[12]' "$flow/orthanc.log" | head -1)
  [ -n "$routed" ] && ok "the Lua script routed: $routed" || fail "no routing line in Orthanc's log"
  marks=${view#*| }
  case " $marks " in
    *" - "*|"  ") fail "image instances without the PlaoRouted mark: $marks" ;;
    *) ok "every image instance is marked PlaoRouted (by worker: $marks)" ;;
  esac
  # The report's arrival made the study stable again; nothing more is sent (no second routing line).
  sleep 4
  times=$(grep -c 'instance(s) sent to' "$flow/orthanc.log")
  [ "$times" -eq 1 ] && ok "nothing routed again once the report arrived" || fail "the study was routed $times times"
  # How many times the study was analysed, over both workers: once is the aim; a second analysis is the loser of the
  # two assemblers' race (both saw the study due), thrown away at its insert; reported, not failed.
  analysed=$(cat "$flow/worker-1.log" "$flow/worker-2.log" | grep -c 'generation 1 analysed')
  [ "$analysed" -eq 1 ] && ok "the study was analysed once over both workers" \
    || echo "note  the study was analysed $analysed times over both workers (one result kept; the other lost the insert race)"
  states=$(curl -fs -u "admin:$admin_password" "http://127.0.0.1:$w1_http/api/studies" | python3 -c '
import json, sys
d = json.load(sys.stdin)
items = d.get("items", d) if isinstance(d, dict) else d
print(" ".join(str(s.get("state")) for s in items))' 2>/dev/null)
  [ -n "$states" ] && ok "worker-1's API (shared database) lists the study: $states" || fail "worker-1's API lists no study"
fi

# ---- stop: workers with SIGTERM (as compose stop), Orthanc, PostgreSQL ----
for p in "${flow_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
for p in "${flow_pids[@]}"; do
  for _ in $(seq 1 80); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$p" 2>/dev/null && { fail "process $p still running 40 s after SIGTERM"; kill -KILL "$p"; }
done
flow_pids=()
if [ ${#pg_ctl_stop[@]} -gt 0 ]; then "${pg_ctl_stop[@]}" >/dev/null 2>&1; pg_ctl_stop=(); fi
