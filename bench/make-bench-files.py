"""Makes the benchmark inputs that the shared corpus lacks: a large radiograph and a 100 MB multi-frame (parse),
a radiograph-like 12-bit image that run.sh encodes in each compressed syntax (`make-bench-files.py OUT decode`), and
the instances that storescu sends in the C-STORE benchmark (`make-bench-files.py OUT net [COUNT]`).

Run by bench/run.sh with Debian's python3 (pydicom, numpy). Writes into the folder given as the first argument.
"""
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid


def image(path, rows, cols, frames, modality, sop_class):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = modality
    ds.PatientName = "Bench^Phantom"
    ds.PatientID = "BENCH"
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Rows, ds.Columns = rows, cols
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    rng = np.random.default_rng(7)
    ds.PixelData = rng.integers(0, 4096, size=rows * cols * frames, dtype=np.uint16).tobytes()
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(path, write_like_original=False)


out = sys.argv[1]
if len(sys.argv) < 3 or sys.argv[2] == "parse":
    image(f"{out}/cr-3000x2500.dcm", 3000, 2500, 1, "CR", "1.2.840.10008.5.1.4.1.1.1")
    image(f"{out}/mr-multiframe-100mb.dcm", 512, 512, 200, "MR", "1.2.840.10008.5.1.4.1.1.4.1")


def radiograph(path, rows=2048, cols=2048):
    """Decode benchmark source: a radiograph-like 12-bit image (smooth anatomy-like background + noise), 16 allocated.

    Compressible the way real radiographs are (lossless ratios around 2-3:1), unlike the uniform noise above.
    """
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.1"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "DX"
    ds.PatientName = "Bench^Radiograph"
    ds.PatientID = "BENCH"
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    y /= rows
    x /= cols
    body = np.exp(-(((x - 0.5) / 0.32) ** 2 + ((y - 0.5) / 0.42) ** 2) ** 2)
    ribs = 0.12 * np.sin(2 * np.pi * 9 * y + 2.0 * np.sin(2 * np.pi * x)) * body
    lungs = -0.35 * (np.exp(-(((x - 0.33) / 0.12) ** 2 + ((y - 0.45) / 0.22) ** 2))
                     + np.exp(-(((x - 0.67) / 0.12) ** 2 + ((y - 0.45) / 0.22) ** 2)))
    signal = 300 + 3000 * np.clip(body + ribs + lungs, 0, 1.2) / 1.2
    rng = np.random.default_rng(11)
    noisy = signal + rng.normal(0, 1, size=signal.shape) * np.sqrt(signal) * 0.8
    ds.PixelData = np.clip(np.rint(noisy), 0, 4095).astype(np.uint16).tobytes()
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(path, write_like_original=False)


if len(sys.argv) > 2 and sys.argv[2] == "decode":
    radiograph(f"{out}/dx-2048-12bit.dcm")


def net_instances(out, count):
    """C-STORE benchmark inputs (`make-bench-files.py OUT net [COUNT]`): COUNT uncompressed Explicit VR Little Endian
    instances, 9 in 10 of them 512x512 16-bit MR (0.5 MB; 100 per series, 3 series per study) and the rest 2560x2048
    16-bit DX (10 MB; one per series, 2 per study). Deterministic UIDs (same files on every machine); the pixel data is
    a cheap ramp shifted per instance, so that generation costs little more than writing the bytes.
    """
    mr = round(count * 0.9)
    specs = [("mr", i, 512, 512, "MR", "1.2.840.10008.5.1.4.1.1.4", i // 300, i // 100) for i in range(mr)]
    specs += [("dx", j, 2048, 2560, "DX", "1.2.840.10008.5.1.4.1.1.1.1", j // 2, j) for j in range(count - mr)]
    ramps = {}
    for kind, i, rows, cols, modality, sop_class, study, series in specs:
        if (rows, cols) not in ramps:
            y, x = np.mgrid[0:rows, 0:cols]
            ramps[rows, cols] = ((x + 3 * y) & 0x0FFF).astype(np.uint16)

        def uid(*parts):
            return generate_uid(entropy_srcs=["plao-bench-net", kind, *map(str, parts)])

        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = sop_class
        meta.MediaStorageSOPInstanceUID = uid("instance", i)
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        path = f"{out}/{kind}-{i:04d}.dcm"
        ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID = sop_class
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.Modality = modality
        ds.PatientName = f"Bench^{kind.upper()}{study:03d}"
        ds.PatientID = f"BENCH-{kind.upper()}-{study:03d}"
        ds.StudyDate, ds.StudyTime = "20261125", "120000"
        ds.AccessionNumber = f"{kind.upper()}{study:05d}"
        ds.StudyInstanceUID = uid("study", study)
        ds.SeriesInstanceUID = uid("series", series)
        ds.StudyID, ds.SeriesNumber, ds.InstanceNumber = str(study + 1), series + 1, i + 1
        ds.Rows, ds.Columns = rows, cols
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.PixelData = ((ramps[rows, cols] + i) & 0x0FFF).astype(np.uint16).tobytes()
        ds.is_little_endian, ds.is_implicit_VR = True, False
        ds.save_as(path, write_like_original=False)


if len(sys.argv) > 2 and sys.argv[2] == "net":
    net_instances(out, int(sys.argv[3]) if len(sys.argv) > 3 else 2000)
