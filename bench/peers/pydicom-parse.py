"""pydicom side of the parse benchmark: same list, same passes, same output line as PlaoImaging.Bench.

full:   dcmread (pydicom reads every element's bytes; values are converted on access, as ours)
default: dcmread(defer_size=256 KiB) (large values read when accessed)
header: dcmread(stop_before_pixels=True)
"""
import resource
import sys
import time

import pydicom


def main():
    mode, iterations, listing = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    files = [line.strip() for line in open(listing) if line.strip()]
    header = mode == "header"
    size = 0
    for f in files:
        with open(f, "rb") as fh:
            size += len(fh.read())

    def one_pass():
        for f in files:
            ds = pydicom.dcmread(f, stop_before_pixels=header, force=True,
                                 defer_size=256 * 1024 if mode == "default" else None)
            del ds

    one_pass()
    start = time.perf_counter()
    cpu_start = time.process_time()
    for _ in range(iterations):
        one_pass()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"pydicom {mode} files={len(files) * iterations} bytes={size * iterations} seconds={seconds:.4f} cpu_seconds={cpu:.4f} peak_rss_mb={peak:.1f}")


if __name__ == "__main__":
    main()
