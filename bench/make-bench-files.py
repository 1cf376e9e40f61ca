"""Makes the benchmark inputs that the shared corpus lacks: a large radiograph and a 100 MB multi-frame.

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
image(f"{out}/cr-3000x2500.dcm", 3000, 2500, 1, "CR", "1.2.840.10008.5.1.4.1.1.1")
image(f"{out}/mr-multiframe-100mb.dcm", 512, 512, 200, "MR", "1.2.840.10008.5.1.4.1.1.4.1")
