"""Load test of ingest: many concurrent associations into one worker; are memory, file handles and threads bounded?

    load.py OUT [--studies 50] [--per-study 100] [--max-associations N ...] [--rounds 2] [--roles ingest,web] [--keep]

For each --max-associations value (none: the default, 32) a fresh worker (Release build, the given roles; ingest and
web by default: the SCP and indexing, no analysis) receives STUDIES x PER_STUDY small instances (128 x 128 crops of
sample study 04 with new study, series and SOP UIDs) from STUDIES storescu processes started at once, one association
each (-xs: JPEG lossless proposed first). A storescu that fails (its association rejected, e.g. over the SCP's
association limit) is started again after a second (at most 120 tries), as a sending PACS would, and the failures are counted.

The worker is sampled every second from /proc: resident memory (VmRSS), open file descriptors (/proc/PID/fd) and
threads (Threads), and the SCP's active associations from /health/ready. Figures: the idle baseline (5 s before the
first send), the peak during each send, and the value 20 s after its last instance was indexed. The same instances are
sent ROUNDS times to the same worker (later rounds replace what is stored): what does not come back after a round would
pile up over the rounds. Every instance must be indexed:
plao_instances_received_total (/metrics) and, through /api/studies, STUDIES studies with PER_STUDY inputs each.

Writes OUT/load-results.json and prints a summary; the instances are deleted at the end unless --keep. Nothing here
asserts; the figures go to bench/README.md by hand.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

import pydicom
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import ROOT, Worker, load  # noqa: E402  (the worker benchmark's helpers)

SOURCE = os.path.join(ROOT, "sample-data", "04-cr-normal-implicit", "lateral.dcm")
SIZE = 128


def make_instances(folder, studies, per_study):
    """studies folders of per_study instances: one series each, a 128 x 128 crop of sample 04, new UIDs."""
    ds = pydicom.dcmread(SOURCE)
    pixels = ds.pixel_array[:SIZE, :SIZE].copy()
    ds.Rows, ds.Columns = SIZE, SIZE
    ds.PixelData = pixels.tobytes()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.is_implicit_VR, ds.is_little_endian = False, True
    for tag in ("PixelSpacing", "ImagerPixelSpacing"):
        if tag in ds:
            delattr(ds, tag)  # the crop is no radiograph to measure; only ingest runs
    result = []
    for s in range(studies):
        study_folder = os.path.join(folder, f"study-{s:03d}")
        os.makedirs(study_folder, exist_ok=True)
        ds.StudyInstanceUID = generate_uid()
        ds.SeriesInstanceUID = generate_uid()
        ds.PatientID = f"LOAD-{s:03d}"
        ds.AccessionNumber = f"LOAD{s:03d}"
        files = []
        for i in range(per_study):
            ds.SOPInstanceUID = generate_uid()
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            ds.InstanceNumber = i + 1
            path = os.path.join(study_folder, f"{i:03d}.dcm")
            ds.save_as(path, write_like_original=False)
            files.append(path)
        result.append(files)
    return result


def proc_sample(pid):
    status = open(f"/proc/{pid}/status").read()
    rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024
    threads = int(re.search(r"Threads:\s+(\d+)", status).group(1))
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return rss, fds, threads


def fd_kinds(pid):
    """The worker's open descriptors by what they point at: socket, anon_inode:[eventpoll], pipe, or the file's name."""
    kinds = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        kind = target.split(":")[0] if target.startswith(("socket:", "pipe:")) else os.path.basename(target)
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def associations(worker):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{worker.http}/health/ready", timeout=2) as r:
            text = r.read().decode()
    except OSError as e:  # 503 while not ready still carries the body
        text = e.read().decode() if hasattr(e, "read") else ""
    m = re.search(r"(\d+) associations", text)
    return int(m.group(1)) if m else None


class Sampler(threading.Thread):
    """Samples the worker every second: (seconds since start, RSS MiB, fds, threads, active associations)."""

    def __init__(self, worker):
        super().__init__(daemon=True)
        self.worker, self.rows, self.stopped, self.started = worker, [], threading.Event(), time.time()

    def run(self):
        while not self.stopped.is_set():
            rss, fds, threads = proc_sample(self.worker.process.pid)
            self.rows.append((round(time.time() - self.started, 1), round(rss, 1), fds, threads, associations(self.worker)))
            self.stopped.wait(1)

    def between(self, t0, t1):
        return [r for r in self.rows if t0 <= r[0] + self.started <= t1]


def summarise(rows):
    return {"rss_mib": max(r[1] for r in rows), "fds": max(r[2] for r in rows), "threads": max(r[3] for r in rows),
            "associations": max((r[4] or 0) for r in rows)}


def send_all(port, studies, retry_pause=1.0, max_tries=120):
    """One storescu per study, all started at once; a failed one is started again after retry_pause."""
    tries = [0] * len(studies)
    failures = []  # (study index, exit code, last stderr line)
    running = {}
    for i, files in enumerate(studies):
        running[i] = subprocess.Popen(["storescu", "-xs", "-aec", "PLAO", "127.0.0.1", str(port), *files],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        tries[i] = 1
    codes = {}
    retry_at = {}
    while running or retry_at:
        for i, p in list(running.items()):
            if p.poll() is None:
                continue
            err = p.stderr.read()
            del running[i]
            if p.returncode == 0:
                codes[i] = 0
            else:
                last = [line for line in err.splitlines() if line.strip()]
                failures.append((i, p.returncode, last[-1] if last else ""))
                if tries[i] < max_tries:
                    retry_at[i] = time.time() + retry_pause
                else:
                    codes[i] = p.returncode
        for i, at in list(retry_at.items()):
            if time.time() >= at:
                del retry_at[i]
                tries[i] += 1
                running[i] = subprocess.Popen(["storescu", "-xs", "-aec", "PLAO", "127.0.0.1", str(port), *studies[i]],
                                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(0.05)
    return codes, failures, tries


def received(worker):
    """plao_instances_received_total summed over its outcome labels (added, replaced, ...)."""
    request = urllib.request.Request(f"http://127.0.0.1:{worker.http}/metrics", headers={"Authorization": worker.auth})
    with urllib.request.urlopen(request, timeout=60) as r:
        lines = r.read().decode().splitlines()
    return sum(float(line.split()[-1]) for line in lines if line.startswith("plao_instances_received_total"))


def studies_inputs(worker):
    counts, page = [], 1
    while True:
        result = worker.api(f"studies?pageSize=500&page={page}")
        counts += [s["inputs"] for s in result["items"]]
        if page * 500 >= result["total"]:
            return counts
        page += 1


def run_once(work, studies, roles, max_associations, label, rounds):
    folder = os.path.join(work, f"worker-{label}")
    shutil.rmtree(folder, ignore_errors=True)
    extra = [f"--Worker:Roles={roles}"]
    if max_associations:
        extra.append(f"--Dicom:Scp:MaxAssociations={max_associations}")
    os.environ["PLAO_WORKER_ARGS"] = " ".join(extra)
    worker = Worker(folder, "00:00:02")
    total = sum(len(f) for f in studies)
    try:
        sampler = Sampler(worker)
        sampler.start()
        time.sleep(5)
        idle_fds = fd_kinds(worker.process.pid)
        result = {"label": label, "roles": roles, "max_associations": max_associations or 32, "instances": total, "associations": len(studies),
                  "idle": summarise(sampler.between(0, time.time())), "fds_idle_by_kind": idle_fds, "rounds": []}
        print(f"[{label}] roles {roles}, MaxAssociations {result['max_associations']}, {total} instances over {len(studies)} associations per round", flush=True)
        v = result["idle"]
        print(f"    idle   : RSS {v['rss_mib']:.0f} MiB, fds {v['fds']}, threads {v['threads']}", flush=True)
        expected = 0
        for r in range(rounds):
            started = time.time()
            codes, failures, tries = send_all(worker.dicom, studies)
            sent = time.time()
            delivered = sum(len(studies[i]) for i, c in codes.items() if c == 0)
            expected += delivered
            # the C-STORE response comes after indexing, so the count is there at once
            deadline = time.time() + 120
            while received(worker) < expected and time.time() < deadline:
                time.sleep(0.5)
            indexed = time.time()
            count = received(worker)
            time.sleep(20)
            final_at = time.time()
            final_fds = fd_kinds(worker.process.pid)
            inputs = studies_inputs(worker)
            round_result = {
                "send_s": sent - started, "instances_delivered": delivered, "instances_per_s": delivered / (sent - started),
                "storescu_exit_codes": sorted(set(codes.values())), "storescu_ok": sum(1 for c in codes.values() if c == 0),
                "associations_failed_once": len({f[0] for f in failures}), "failures": len(failures),
                "failure_reasons": sorted({f[2] for f in failures})[:5], "max_tries": max(tries),
                "instances_received_total": count, "studies": len(inputs), "inputs_per_study": sorted(set(inputs)),
                "peak": summarise(sampler.between(started, indexed)), "final": summarise(sampler.between(final_at - 1.5, final_at)),
                "fds_final_by_kind": final_fds,
                "fds_changed_from_idle": {k: (idle_fds.get(k, 0), final_fds.get(k, 0)) for k in set(idle_fds) | set(final_fds)
                                          if idle_fds.get(k, 0) != final_fds.get(k, 0)},
            }
            result["rounds"].append(round_result)
            print(f"  round {r + 1}: sent in {round_result['send_s']:.1f} s ({delivered} delivered, {round_result['instances_per_s']:.0f}/s); "
                  f"storescu failures {len(failures)} over {round_result['associations_failed_once']} associations "
                  f"(retried after 1 s; {round_result['storescu_ok']} of {len(studies)} ended 0, most tries {max(tries)}); "
                  f"received total {count:.0f}, {len(inputs)} studies with inputs {round_result['inputs_per_study']}", flush=True)
            for k in ("peak", "final"):
                v = round_result[k]
                print(f"    {k:7}: RSS {v['rss_mib']:.0f} MiB, fds {v['fds']}, threads {v['threads']}, associations {v['associations']}", flush=True)
            print(f"    descriptors changed from idle to final: {round_result['fds_changed_from_idle']}", flush=True)
            if failures:
                print(f"    failure reasons: {round_result['failure_reasons']}", flush=True)
        sampler.stopped.set()
        sampler.join()
        result["samples"] = sampler.rows
        return result
    finally:
        worker.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--studies", type=int, default=50)
    parser.add_argument("--per-study", type=int, default=100)
    parser.add_argument("--roles", default="ingest,web")
    parser.add_argument("--max-associations", type=int, nargs="*", default=[0, 64], help="0: the default (32)")
    parser.add_argument("--rounds", type=int, default=2, help="sends of the same instances to the same worker (later ones replace)")
    parser.add_argument("--keep", action="store_true")
    options = parser.parse_args()
    out = os.path.abspath(options.out)
    work = os.path.join(out, "load")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    results = {"machine": {"cpus": os.cpu_count(), "load_start": load()}, "runs": []}
    print(f"making {options.studies} x {options.per_study} instances", flush=True)
    studies = make_instances(os.path.join(work, "instances"), options.studies, options.per_study)
    try:
        for m in options.max_associations:
            label = f"max{m or 'default'}"
            results["runs"].append(run_once(work, studies, options.roles, m, label, options.rounds))
            shutil.rmtree(os.path.join(work, f"worker-{label}", "data"), ignore_errors=True)
    finally:
        results["machine"]["load_end"] = load()
        with open(os.path.join(out, "load-results.json"), "w") as f:
            json.dump(results, f, indent=1)
        if not options.keep:
            shutil.rmtree(os.path.join(work, "instances"), ignore_errors=True)


if __name__ == "__main__":
    main()
