"""The worker benchmark (bench/run.sh worker): latency and throughput of plao-worker against the engine alone.

    bench.py OUT [--latency N] [--burst N] [--reprocess N] [--warm N] [--quiet SECONDS]

1. latency: one worker (Release build, CPU, the shipped defaults but for a quiet period of Q s) with DCMTK storescp as
   its export destination. Single-radiograph studies (sample-data 01-04 with new UIDs) are sent one at a time with
   storescu; for each, latency = (time storescp has the study's SR: the modification time of the file it wrote)
   - (time storescu returned: the C-STORE response and the association release) - Q. p50 / p95 / max.
2. burst: N more studies in one storescu association, as fast as it sends; studies per hour = N / (last SR at the
   destination - start of the send). Every study must end with its SR at the destination (none lost). With --warm W,
   a first burst of W studies (timed on its own, "burst_cold") brings the process to its steady state before the N:
   a service runs for months, and a fresh process spends its first few hundred studies compiling (tiered JIT).
3. reprocess: N studies stored in a worker are analysed again by a new model, the batch case the product exists for.
   A worker on the previous model (v1) imports a folder of N studies (POST /api/reprocess {"folder": ...}; that import
   is timed too, as "folder_import"); the same worker is restarted on the shipped model and reprocesses every analysed
   study (POST /api/reprocess {"state": "Analysed"}, queue batch, no destination); throughput from the request to its
   Done state. The quiet period is an hour, so the realtime queue stays out. With --warm W, W more studies are imported
   first; the restarted worker reprocesses those W first ("reprocess_cold": the restarted process's warm-up) and then
   the N (received after them), which are the steady-state figure.
4. engine: `plao analyze FOLDER --sr DIR --gsps` on the same folder (the same SR and GSPS the worker writes). Without
   --warm its start-up (process, model load) is taken out by a second run on 4 of the studies; with --warm W, plao
   analyses the W warm-up studies followed by the N, and a second run the W alone: the difference is the N after the
   same warm-up the worker had.

Writes OUT/worker-results.json and prints a summary. Needs the worker and plao built in Release, storescu/storescp,
pydicom. Nothing here asserts; the figures go to bench/README.md by hand.
"""
import argparse
import signal
import base64
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

import pydicom
from pydicom.uid import generate_uid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORKER = os.environ.get("PLAO_WORKER_DLL") or os.path.join(ROOT, "src", "PlaoImaging.Worker", "bin", "Release", "net10.0", "plao-worker.dll")
PLAO = os.environ.get("PLAO_CLI_DLL") or os.path.join(ROOT, "src", "PlaoImaging.Cli", "bin", "Release", "net10.0", "plao.dll")
SAMPLES = [os.path.join(ROOT, "sample-data", d, "lateral.dcm")
           for d in ("01-cr-lumbar-mono1-jpegll", "02-dx-thoracolumbar-explicit", "03-dx-thoracic-plao-run", "04-cr-normal-implicit")]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_studies(folder, count, tag):
    """count single-radiograph studies cycling through sample studies 01-04, each with new study, series and SOP UIDs."""
    os.makedirs(folder, exist_ok=True)
    sources = [pydicom.dcmread(p) for p in SAMPLES]
    files = []
    for i in range(count):
        ds = sources[i % len(sources)]
        ds.StudyInstanceUID = generate_uid()
        ds.SeriesInstanceUID = generate_uid()
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.PatientID = f"BENCH-{tag}-{i:04d}"
        ds.AccessionNumber = f"{tag}{i:04d}"
        path = os.path.join(folder, f"{tag}-{i:04d}.dcm")
        ds.save_as(path)
        files.append((path, ds.StudyInstanceUID))
    return files


class Storescp:
    """storescp as the export destination. A report's arrival time is its file's modification time (storescp writes
    the file as the C-STORE arrives and closes it complete); no command runs per file, so the destination costs the
    shared cores no more than a PACS's receive would."""

    def __init__(self, folder):
        self.folder = os.path.join(folder, "received")
        os.makedirs(self.folder, exist_ok=True)
        self.port = free_port()
        # --fork: one process per association, as a PACS takes several associations at once. Without it storescp
        # serves one association at a time, and the worker's export workers queued behind each other: at most ~8
        # exports per second, whatever their number, so the reports of a burst trailed the analyses by 10 s.
        self.process = subprocess.Popen(["storescp", "--fork", "-aet", "PACS", "-od", self.folder, str(self.port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, 15)

    def sr_times(self):
        """Arrival time of each SR file storescp received (storescp names SR files 'SR.<uid>'), in order."""
        with os.scandir(self.folder) as entries:
            return sorted(e.stat().st_mtime for e in entries if e.name.startswith("SR"))

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


class Worker:
    def __init__(self, folder, quiet, destination_port=None, model=None, extra=()):
        os.makedirs(folder, exist_ok=True)
        self.folder = folder
        self.http = free_port()
        self.dicom = free_port()
        args = ["dotnet", WORKER, f"--Urls=http://127.0.0.1:{self.http}", f"--Dicom:Scp:Port={self.dicom}", "--Dicom:Scp:BindAddress=127.0.0.1",
                f"--Assembly:QuietPeriod={quiet}", "--Analysis:Provider=cpu"]
        if model:
            args.append(f"--Analysis:Model={model}")
        args += list(extra)
        args += os.environ.get("PLAO_WORKER_ARGS", "").split()  # extra settings for an experiment, e.g. --Analysis:Threads=1
        if destination_port:
            args += ["--Export:Destinations:0:Name=pacs", "--Export:Destinations:0:Host=127.0.0.1",
                     f"--Export:Destinations:0:Port={destination_port}", "--Export:Destinations:0:CalledAETitle=PACS"]
        self.log = open(os.path.join(folder, "worker.log"), "a")
        env = {**os.environ, "DOTNET_PerfMapEnabled": "1", "DOTNET_EnableWriteXorExecute": "0"} if os.environ.get("PLAO_BENCH_PERF") else None
        self.process = subprocess.Popen(args, cwd=folder, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 120
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"the worker exited with {self.process.returncode}; see {folder}/worker.log")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.http}/health/ready", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                raise SystemExit("the worker was not ready in 120 s")
            time.sleep(0.2)
        password = open(os.path.join(folder, "data", "secrets", "admin-password")).read().strip()
        self.auth = "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()

    def api(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.http}/api/{path}", data=data, method="GET" if body is None else "POST",
                                         headers={"Authorization": self.auth, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as r:
            return json.loads(r.read())

    def metric(self, name):
        """The value of one unlabelled Prometheus sample from /metrics (e.g. plao_analysis_duration_seconds_sum)."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.http}/metrics", headers={"Authorization": self.auth})
        with urllib.request.urlopen(request, timeout=60) as r:
            for line in r.read().decode().splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
        return None

    def studies_by_state(self):
        counts, page = {}, 1
        while True:
            result = self.api(f"studies?pageSize=500&page={page}")
            for s in result["items"]:
                counts[s["state"]] = counts.get(s["state"], 0) + 1
            if page * 500 >= result["total"]:
                return counts
            page += 1

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def wait_port(port, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def cpu_seconds(pid):
    """User + system CPU seconds a running process, its ended children and its live descendants have used so far
    (/proc): the destination's are the processes storescp forks per association, and a worker that keeps its export
    association open leaves one such process running when the figure is taken."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0  # ended meanwhile: its time is in its parent's ended-children figure
    total = (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return total
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                total += sum(cpu_seconds(int(child)) for child in f.read().split())
        except OSError:
            continue
    return total


def thread_cpu_seconds(pid):
    """CPU seconds per thread name of a running process (/proc/PID/task), digits in names folded: where its CPU goes."""
    by_name = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/stat") as f:
                text = f.read()
        except OSError:
            continue  # the thread ended
        name = "".join("#" if c.isdigit() else c for c in text[text.index("(") + 1:text.rindex(")")])
        fields = text.rsplit(")", 1)[1].split()
        by_name[name] = by_name.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return by_name


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def send(port, files):
    result = subprocess.run(["storescu", "-xs", "-aec", "PLAO", "127.0.0.1", str(port), *files], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"storescu failed: {result.stderr}")


def wait_for_srs(pacs, count, seconds):
    deadline = time.time() + seconds
    while True:
        times = pacs.sr_times()
        if len(times) >= count:
            return times
        if time.time() > deadline:
            raise SystemExit(f"only {len(times)} of {count} reports arrived in {seconds} s")
        time.sleep(0.05)


def analysis_ms(log):
    """The worker's own duration of each analysis (its "analysed: ... N ms" log line: inputs read, engine, SR/GSPS written)."""
    values = []
    with open(log) as f:
        for line in f:
            if " analysed: " in line and line.rstrip().endswith(" ms"):
                values.append(float(line.rstrip()[:-3].rsplit(" ", 1)[1]))
    return values


def percentile(values, p):
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def load():
    return open("/proc/loadavg").read().split()[:3]


# The garbage collector settings the worker ships with (its runtimeconfig): the engine-alone row is also run with them,
# so that the ratio shows the orchestration, not a difference of settings.
WORKER_GC = {"DOTNET_gcConcurrent": "0", "DOTNET_GCRetainVM": "1", "DOTNET_GCLOHThreshold": "0x1000000"}


def engine_seconds(folder, out, env=None, processes=1):
    """plao analyze over folder; with processes > 1, that many at once (one ONNX Runtime thread each) over as many
    parts of the folder (symbolic links), which is how the worker runs its analyses on 2 cores."""
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    parts = [folder]
    if processes > 1:
        names = sorted(os.listdir(folder))
        parts = []
        for p in range(processes):
            part = os.path.join(out + "-in", str(p))
            shutil.rmtree(part, ignore_errors=True)
            os.makedirs(part)
            for name in names[p::processes]:
                os.symlink(os.path.join(folder, name), os.path.join(part, name))
            parts.append(part)
    threads = ["--threads", "1"] if processes > 1 else []
    cpu_before = children_cpu_seconds()
    started = time.time()
    running = [subprocess.Popen(["dotnet", PLAO, "analyze", part, "--sr", out, "--gsps", "--provider", "cpu", "--quiet"] + threads,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                env=None if env is None else {**os.environ, **env}) for part in parts]
    for process in running:
        _, stderr = process.communicate()
        if process.returncode not in (0, 1):  # 1: some study has findings or no result; 2+: usage or failure
            raise SystemExit(f"plao analyze exited {process.returncode}: {stderr}")
    elapsed = time.time() - started
    engine_seconds.cpu = children_cpu_seconds() - cpu_before  # user + system of the plao processes just waited for
    return elapsed, len([f for f in os.listdir(out)])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--latency", type=int, default=60)
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--reprocess", type=int, default=200)
    parser.add_argument("--quiet", type=float, default=2.0)
    parser.add_argument("--warm", type=int, default=0, help="warm-up studies before the timed burst, reprocess and engine runs (0: none, the fresh process is timed)")
    parser.add_argument("--phases", default="latency,burst,ingest,reprocess,engine", help="which of latency,burst,ingest,reprocess,engine to run (ingest: the burst's receiving side alone)")
    options = parser.parse_args()
    out = os.path.abspath(options.out)
    work = os.path.join(out, "worker-bench")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    quiet = options.quiet
    phases = set(options.phases.split(","))
    if "latency" not in phases:
        options.latency = 0
    if not phases & {"burst", "ingest"}:
        options.burst = 0
    quiet_text = time.strftime("%H:%M:%S", time.gmtime(int(quiet))) + (f"{quiet - int(quiet):.3f}"[1:] if quiet != int(quiet) else "")
    results = {"machine": {"cpus": os.cpu_count(), "load_start": load()}, "quiet_period_s": quiet}

    warm = options.warm
    results["warm_up_studies"] = warm
    print(f"making {options.latency + options.burst + options.reprocess + 2 * warm} studies", flush=True)
    latency_files = make_studies(os.path.join(work, "latency"), options.latency, "L")
    warm_burst_files = make_studies(os.path.join(work, "burst-warm"), warm if options.burst else 0, "V")
    burst_files = make_studies(os.path.join(work, "burst"), options.burst, "B")
    reprocess_folder = os.path.join(work, "reprocess")
    make_studies(reprocess_folder, options.reprocess, "R")
    warm_folder = os.path.join(work, "reprocess-warm")
    make_studies(warm_folder, warm, "W")
    # the engine's start-up (and, with --warm, its warm-up) is measured on small_folder and taken off; with --warm it
    # analyses the warm-up studies and then the timed ones, in that order (plao analyze takes files in name order)
    small_folder = os.path.join(work, "engine-small")
    os.makedirs(small_folder)
    if warm:
        for name in sorted(os.listdir(warm_folder)):
            shutil.copy(os.path.join(warm_folder, name), small_folder)
    else:
        for name in sorted(os.listdir(reprocess_folder))[:4]:
            shutil.copy(os.path.join(reprocess_folder, name), small_folder)
    engine_folder = reprocess_folder
    if warm:
        engine_folder = os.path.join(work, "engine-warm-then-timed")
        os.makedirs(engine_folder)
        for name in sorted(os.listdir(small_folder)):
            os.symlink(os.path.join(small_folder, name), os.path.join(engine_folder, "0-" + name))
        for name in sorted(os.listdir(reprocess_folder)):
            os.symlink(os.path.join(reprocess_folder, name), os.path.join(engine_folder, "1-" + name))

    if phases & {"latency", "burst"}:
        realtime(options, work, quiet, quiet_text, latency_files, warm_burst_files, burst_files, results)
    if "ingest" in phases:
        ingest_only(options, work, quiet, quiet_text, warm_burst_files, burst_files, results)
    if "reprocess" in phases:
        reprocess(options, work, warm_folder if warm else None, reprocess_folder, results)
    if "engine" in phases:
        engine(options, work, engine_folder, small_folder, results)
    if "engine" in phases and "reprocess" in phases:
        per_study = results["engine"]["seconds_per_study"]
        # "engine": against the faster of plao analyze's two single-process runs (its defaults, the worker's GC settings);
        # "best engine": against the fastest engine-alone run, two processes at once included
        per_study = min(per_study, results["engine_worker_gc"]["seconds_per_study"])
        best = min(per_study, results["engine_two_processes"]["seconds_per_study"])
        results["ratios"] = {"reprocess_over_engine": results["reprocess"]["seconds_per_study"] / per_study,
                             "reprocess_over_best_engine": results["reprocess"]["seconds_per_study"] / best}
        if "burst" in results:
            results["ratios"]["burst_over_engine"] = 3600 / results["burst"]["studies_per_hour"] / per_study
            results["ratios"]["burst_over_best_engine"] = 3600 / results["burst"]["studies_per_hour"] / best
        # CPU: the worker's own CPU per study against the least CPU per study of the engine alone; unlike the wall
        # time this leaves out the peers (sender, destination) that share the 2 cores here and not in a hospital
        engine_cpu = min(results[k]["cpu_seconds_per_study"] for k in ("engine", "engine_worker_gc", "engine_two_processes"))
        results["ratios"]["reprocess_cpu_over_engine_cpu"] = results["reprocess"]["worker_cpu_seconds_per_study"] / engine_cpu
        if "burst" in results:
            results["ratios"]["burst_cpu_over_engine_cpu"] = results["burst"]["cpu_s"]["worker"] / results["burst"]["n"] / engine_cpu
        print("worker / engine, per study: " + ", ".join(f"{k} {v:.2f}" for k, v in results["ratios"].items()), flush=True)
    results["machine"]["load_end"] = load()
    print(f"load average {results['machine']['load_start']} -> {results['machine']['load_end']}", flush=True)
    with open(os.path.join(out, "worker-results.json"), "w") as f:
        json.dump(results, f, indent=2)


def start_profiler(worker, work, name):
    """PLAO_BENCH_PERF=1: perf samples the worker during a timed part (its JIT symbols from DOTNET_PerfMapEnabled, set
    for it by Worker, with W^X off so that perf can resolve them), into OUT/worker-bench/perf-NAME.data, for `perf report`."""
    if not os.environ.get("PLAO_BENCH_PERF"):
        return None
    return subprocess.Popen(["perf", "record", "-F", "499", "-g", "-p", str(worker.process.pid), "-o", os.path.join(work, f"perf-{name}.data")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_profiler(profiler):
    if profiler:
        profiler.send_signal(signal.SIGINT)
        profiler.wait(60)


def realtime(options, work, quiet, quiet_text, latency_files, warm_burst_files, burst_files, results):
    pacs = Storescp(os.path.join(work, "pacs"))
    worker = Worker(os.path.join(work, "worker"), quiet_text, pacs.port)
    try:
        # 1. latency, one study at a time (a warm-up study first, not counted)
        if not latency_files:
            latency_files = make_studies(os.path.join(work, "warm-up"), 1, "W")
        send(worker.dicom, [latency_files[0][0]])
        wait_for_srs(pacs, 1, 120)
        latencies = []
        for i, (path, _) in enumerate(latency_files[1:], start=2):
            send(worker.dicom, [path])
            acknowledged = time.time()
            sr = wait_for_srs(pacs, i, 120)[i - 1]
            latencies.append(sr - acknowledged - quiet)
        if latencies:
            results["latency_s"] = {"n": len(latencies), "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
                                    "max": max(latencies), "min": min(latencies), "mean": statistics.mean(latencies)}
            print(f"latency over {len(latencies)} studies: p50 {results['latency_s']['p50']:.3f} s, p95 {results['latency_s']['p95']:.3f} s, "
                  f"max {results['latency_s']['max']:.3f} s (Q = {quiet} s taken off)", flush=True)
        if not burst_files:
            return

        # 2. burst (with --warm: a first, untimed-for-the-ratio burst brings the process to its steady state)
        before = max(len(latency_files), 1)
        if warm_burst_files:
            started = time.time()
            send(worker.dicom, [p for p, _ in warm_burst_files])
            times = wait_for_srs(pacs, before + len(warm_burst_files), 600 + 3 * len(warm_burst_files))
            last = max(times[before:])
            results["burst_cold"] = {"n": len(warm_burst_files), "first_to_last_sr_s": last - started,
                                     "seconds_per_study": (last - started) / len(warm_burst_files)}
            print(f"first burst of {len(warm_burst_files)} (the fresh process's warm-up): last SR after {last - started:.1f} s, "
                  f"{(last - started) / len(warm_burst_files) * 1000:.0f} ms per study", flush=True)
            before += len(warm_burst_files)
        cpu_before = {"worker": cpu_seconds(worker.process.pid), "destination": cpu_seconds(pacs.process.pid), "sender": children_cpu_seconds()}
        threads_before = thread_cpu_seconds(worker.process.pid)
        engine_before = worker.metric("plao_analysis_duration_seconds_sum") or 0.0
        engine_cpu_before = worker.metric("plao_analysis_engine_cpu_seconds_total") or 0.0
        profiler = start_profiler(worker, work, "burst")
        started = time.time()
        send(worker.dicom, [p for p, _ in burst_files])
        sent = time.time()
        times = wait_for_srs(pacs, before + len(burst_files), 600 + 3 * len(burst_files))
        last = max(times[before:])
        stop_profiler(profiler)
        cpu = {"worker": cpu_seconds(worker.process.pid) - cpu_before["worker"],
               "destination": cpu_seconds(pacs.process.pid) - cpu_before["destination"],
               "sender": children_cpu_seconds() - cpu_before["sender"]}
        threads = {k: v - threads_before.get(k, 0.0) for k, v in thread_cpu_seconds(worker.process.pid).items()}
        results["burst_worker_threads_cpu_s"] = {k: round(v, 2) for k, v in sorted(threads.items(), key=lambda kv: -kv[1]) if v >= 0.05}
        print("burst worker CPU by thread: " + ", ".join(f"{k} {v:.1f}" for k, v in results["burst_worker_threads_cpu_s"].items()), flush=True)
        states = worker.studies_by_state()
        srs = len([f for f in os.listdir(pacs.folder) if f.startswith("SR")])
        results["burst"] = {"n": len(burst_files), "send_s": sent - started, "first_to_last_sr_s": last - started,
                            "studies_per_hour": len(burst_files) * 3600 / (last - started), "srs_at_destination": srs, "states": states}
        worker.log.flush()
        durations = analysis_ms(worker.log.name)
        results["burst"]["analysis_ms_mean_all"] = statistics.mean(durations)
        # CPU seconds each process used from the start of the send to the last report (the worker's includes some
        # idle polling after its last analysis; the sender's is storescu, which had ended).
        results["burst"]["cpu_s"] = cpu
        engine_sum = (worker.metric("plao_analysis_duration_seconds_sum") or 0.0) - engine_before
        results["burst"]["engine_call_s_sum"] = engine_sum
        # the engine calls' own CPU (their threads' clocks): what the engine costs inside the service, against the
        # rest of the worker's CPU (receiving, indexing, jobs, reading inputs, writing and sending the objects)
        engine_cpu = (worker.metric("plao_analysis_engine_cpu_seconds_total") or 0.0) - engine_cpu_before
        results["burst"]["engine_cpu_s"] = engine_cpu
        n = len(burst_files)
        print(f"burst worker CPU per study: {cpu['worker'] / n * 1000:.0f} ms, of which the engine calls {engine_cpu / n * 1000:.0f} ms "
              f"and the rest {(cpu['worker'] - engine_cpu) / n * 1000:.0f} ms", flush=True)
        print("burst CPU seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items()) + f"; the engine calls' wall time, summed: {engine_sum:.1f} s", flush=True)
        print(f"burst of {len(burst_files)}: sent in {sent - started:.1f} s, last SR after {last - started:.1f} s: "
              f"{results['burst']['studies_per_hour']:.0f} studies/hour; {srs} SRs at the destination; states {states}", flush=True)
    finally:
        worker.stop()
        pacs.stop()


def ingest_only(options, work, quiet, quiet_text, warm_files, files, results):
    """The receiving side of the burst alone: a worker with the ingest and web roles only (SCP, index, quiet period, the
    assembler queuing each study's analysis job, which no job server here runs), sent the same burst after the same
    warm-up. Its CPU per study, taken from the burst's, leaves the jobs: reading the inputs, the engine, writing and
    recording the results, and the exports."""
    worker = Worker(os.path.join(work, "worker-ingest"), quiet_text, extra=["--Worker:Roles=ingest,web"])
    try:
        settle = quiet + 3.0  # the quiet period, the assembler's poll (1 s) and its pass
        if warm_files:
            # The W warm-up studies pass through this worker in seconds, not in the minute the analysing worker takes
            # over them, and the runtime's background recompilation (tiered JIT) is still busy after them: a profile
            # found it taking 43 % of the timed part's CPU. So as many studies again as are timed go first (new UIDs),
            # after which it takes under 1 %, as in the analysing worker's timed burst.
            extra_warm = make_studies(os.path.join(work, "ingest-warm"), len(files), "I")
            for batch in (warm_files, extra_warm):
                send(worker.dicom, [p for p, _ in batch])
                time.sleep(settle)
        before = cpu_seconds(worker.process.pid)
        profiler = start_profiler(worker, work, "ingest")
        started = time.time()
        send(worker.dicom, [p for p, _ in files])
        sent = time.time()
        time.sleep(settle)
        stop_profiler(profiler)
        cpu = cpu_seconds(worker.process.pid) - before
        states = worker.studies_by_state()
        n = len(files)
        results["ingest_only"] = {"n": n, "send_s": sent - started, "cpu_s": cpu, "cpu_ms_per_study": cpu / n * 1000, "states": states}
        print(f"ingest only (roles ingest,web): {n} studies sent in {sent - started:.1f} s; worker CPU {cpu:.1f} s until {settle:.0f} s after the send, "
              f"{cpu / n * 1000:.0f} ms per study; states {states}", flush=True)
    finally:
        worker.stop()


def reprocess(options, work, warm_folder, reprocess_folder, results):
    """3. reprocessing stored studies: import the folder with the previous model, restart on the shipped one, reprocess"""
    folder = os.path.join(work, "worker-reprocess")
    previous = os.path.join(ROOT, "models", "plao-vertebra-landmarks-v1.json")
    # 3a. the folder import, analysed by the previous model (v1): how studies get into storage here; timed for the record
    importer = Worker(folder, "01:00:00", model=previous)
    boundary = None
    try:
        if warm_folder:
            wait_request(importer, importer.api("reprocess", {"folder": warm_folder}))
            time.sleep(1.0)
            boundary = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            time.sleep(1.0)
        started = time.time()
        record = wait_request(importer, importer.api("reprocess", {"folder": reprocess_folder}))
        elapsed = time.time() - started
        results["folder_import"] = {"n": options.reprocess, "model": "v1", "seconds": elapsed, "seconds_per_study": elapsed / options.reprocess,
                                    "record": record}
        print(f"folder import of {options.reprocess} (analysed by the previous model, v1): {elapsed:.1f} s, "
              f"{elapsed / options.reprocess * 1000:.0f} ms per study", flush=True)
    finally:
        importer.stop()

    # 3b. the same worker restarted on the shipped model: every stored study is analysed again (the model changed)
    fresh = Worker(folder, "01:00:00")
    try:
        request = {"state": "Analysed"}
        if boundary:
            # the warm-up studies first (imported before the boundary), timed on their own as the cold start
            started = time.time()
            record = wait_request(fresh, fresh.api("reprocess", {"state": "Analysed", "receivedTo": boundary}))
            elapsed = time.time() - started
            results["reprocess_cold"] = {"n": record.get("done"), "seconds": elapsed, "seconds_per_study": elapsed / max(record.get("done") or 1, 1)}
            print(f"reprocess of the {record.get('done')} warm-up studies first (the restarted process's warm-up): {elapsed:.1f} s, "
                  f"{results['reprocess_cold']['seconds_per_study'] * 1000:.0f} ms per study", flush=True)
            request = {"state": "Analysed", "receivedFrom": boundary}
            engine_before = (fresh.metric("plao_analysis_duration_seconds_sum") or 0.0, fresh.metric("plao_analysis_duration_seconds_count") or 0.0)
        else:
            engine_before = (0.0, 0.0)
        cpu_before = cpu_seconds(fresh.process.pid)
        started = time.time()
        record = wait_request(fresh, fresh.api("reprocess", request))
        elapsed = time.time() - started
        worker_cpu = cpu_seconds(fresh.process.pid) - cpu_before
        states = fresh.studies_by_state()
        results["reprocess"] = {"n": options.reprocess, "seconds": elapsed, "studies_per_hour": options.reprocess * 3600 / elapsed,
                                "seconds_per_study": elapsed / options.reprocess, "record": record, "states": states,
                                "worker_cpu_seconds_per_study": worker_cpu / options.reprocess}
        fresh.log.flush()
        durations = analysis_ms(fresh.log.name)[-options.reprocess:]
        results["reprocess"]["analysis_ms_mean"] = statistics.mean(durations)
        # The engine's own call inside the worker (plao_analysis_duration_seconds): the same work plao analyze does per
        # study, less reading the headers and writing SR and GSPS.
        engine_sum = (fresh.metric("plao_analysis_duration_seconds_sum") or 0.0) - engine_before[0]
        engine_count = (fresh.metric("plao_analysis_duration_seconds_count") or 0.0) - engine_before[1]
        if engine_count:
            results["reprocess"]["engine_call_ms_mean"] = engine_sum / engine_count * 1000
        print(f"reprocess of {options.reprocess} stored studies (state Analysed, new model): {elapsed:.1f} s, {elapsed / options.reprocess * 1000:.0f} ms per study, "
              f"{results['reprocess']['studies_per_hour']:.0f} studies/hour (analysis itself {results['reprocess']['analysis_ms_mean']:.0f} ms mean, "
              f"the engine call {results['reprocess'].get('engine_call_ms_mean', 0):.0f} ms); "
              f"{record['state']} done {record.get('done')} skipped {record.get('skipped')}; states {states}", flush=True)
    finally:
        fresh.stop()


def wait_request(worker, request):
    while True:
        record = worker.api(f"reprocess/{request['id']}")
        if record["state"] in ("Done", "Failed", "Cancelled"):
            return record
        time.sleep(0.1)


def engine(options, work, reprocess_folder, small_folder, results):
    """4. the engine alone on the same folder; its fixed start-up (and the warm-up studies) measured on small_folder and taken off"""
    timed = len(os.listdir(reprocess_folder)) - len(os.listdir(small_folder))
    full, produced = engine_seconds(reprocess_folder, os.path.join(work, "engine-sr"))
    cpu_full = engine_seconds.cpu
    small, _ = engine_seconds(small_folder, os.path.join(work, "engine-sr-small"))
    per_study = (full - small) / timed
    results["engine"] = {"n": options.reprocess, "seconds": full, "objects": produced, "startup_and_4_studies_s": small,
                         "seconds_per_study": per_study, "studies_per_hour": 3600 / per_study,
                         "cpu_seconds_per_study": (cpu_full - engine_seconds.cpu) / timed}
    print(f"engine (plao analyze --sr --gsps) on {options.reprocess}: {full:.1f} s ({small:.1f} s for the {len(os.listdir(small_folder))} taken off), {per_study * 1000:.0f} ms per study, "
          f"{3600 / per_study:.0f} studies/hour; {produced} objects", flush=True)
    # the same with the worker's garbage collector settings
    full, _ = engine_seconds(reprocess_folder, os.path.join(work, "engine-sr"), WORKER_GC)
    cpu_full = engine_seconds.cpu
    small, _ = engine_seconds(small_folder, os.path.join(work, "engine-sr-small"), WORKER_GC)
    per_study_gc = (full - small) / timed
    results["engine_worker_gc"] = {"seconds": full, "startup_and_4_studies_s": small, "seconds_per_study": per_study_gc, "env": WORKER_GC,
                                   "cpu_seconds_per_study": (cpu_full - engine_seconds.cpu) / timed}
    print(f"engine with the worker's GC settings: {per_study_gc * 1000:.0f} ms per study", flush=True)
    # two processes at once, one ONNX Runtime thread each: the engine alone run the way the worker runs it on 2 cores
    # (two analyses at once, the cores divided between them), so the ratio against it is the orchestration alone
    full, _ = engine_seconds(reprocess_folder, os.path.join(work, "engine-sr"), None, 2)
    cpu_full = engine_seconds.cpu
    small, _ = engine_seconds(small_folder, os.path.join(work, "engine-sr-small"), None, 2)
    per_study_2 = (full - small) / timed
    results["engine_two_processes"] = {"seconds": full, "startup_and_4_studies_s": small, "seconds_per_study": per_study_2,
                                       "processes": 2, "threads_each": 1, "cpu_seconds_per_study": (cpu_full - engine_seconds.cpu) / timed}
    print("engine CPU per study (user + system, start-up and warm-up taken off): " + ", ".join(
        f"{k} {results[k]['cpu_seconds_per_study'] * 1000:.0f} ms" for k in ("engine", "engine_worker_gc", "engine_two_processes")), flush=True)
    print(f"engine, two processes at once with one thread each: {per_study_2 * 1000:.0f} ms per study", flush=True)


if __name__ == "__main__":
    sys.exit(main())
