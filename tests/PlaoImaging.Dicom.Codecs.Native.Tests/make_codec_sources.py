"""Native (Explicit VR Little Endian) sources for the codec peer tests, written with pydicom and numpy.

usage: make_codec_sources.py OUTPUT_DIR
Deterministic: a seeded generator, gradients plus noise, the extreme values of the range in two corners.
"""
import os
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

out = sys.argv[1]
rng = np.random.default_rng(20240611)


def make(name, rows, cols, spp, ba, bs, signed, frames=1, pc=0):
    lo = -(1 << (bs - 1)) if signed else 0
    hi = (1 << (bs - 1)) - 1 if signed else (1 << bs) - 1
    y, x = np.mgrid[0:rows, 0:cols]
    shape = (frames, rows, cols, spp)
    base = np.zeros(shape, dtype=np.float64)
    for f in range(frames):
        for s in range(spp):
            base[f, :, :, s] = (x * (s + 1) * 7 + y * 13 + f * 31) / (rows + cols) * (hi - lo) / 8
    noise = rng.integers(0, max(2, (hi - lo) // 16), size=shape)
    arr = (lo + (base + noise) % (hi - lo + 1)).astype(np.int64)
    arr[:, 0, 0, :] = lo
    arr[:, -1, -1, :] = hi
    dtype = {8: (np.int8 if signed else np.uint8), 16: (np.int16 if signed else np.uint16)}[ba]
    arr = arr.astype(dtype)
    data = np.ascontiguousarray(arr.transpose(0, 3, 1, 2)) if (pc == 1 and spp > 1) else arr
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    # Fixed UIDs keep the sources byte-identical between runs.
    ds.SOPInstanceUID = "2.25.%d" % (sum(map(ord, name)) * 7919 + len(name))
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.StudyInstanceUID = "2.25.1001"
    ds.SeriesInstanceUID = "2.25.1002"
    ds.Modality = "OT"
    ds.PatientName = "Codec^Test"
    ds.PatientID = "CODEC"
    ds.Rows = rows
    ds.Columns = cols
    ds.SamplesPerPixel = spp
    ds.PhotometricInterpretation = "RGB" if spp == 3 else "MONOCHROME2"
    if spp > 1:
        ds.PlanarConfiguration = pc
    ds.BitsAllocated = ba
    ds.BitsStored = bs
    ds.HighBit = bs - 1
    ds.PixelRepresentation = 1 if signed else 0
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.PixelData = data.astype(data.dtype.newbyteorder("<")).tobytes()
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.save_as(os.path.join(out, name + ".dcm"), write_like_original=False)


make("mono8", 61, 97, 1, 8, 8, False)
make("signed8", 40, 45, 1, 8, 8, True)
make("mono12", 64, 80, 1, 16, 12, False)
make("mono16", 50, 70, 1, 16, 16, False)
make("signed12", 64, 80, 1, 16, 12, True)
make("signed16", 50, 70, 1, 16, 16, True)
make("rgb8", 48, 66, 3, 8, 8, False)
make("rgb8planar", 48, 66, 3, 8, 8, False, pc=1)
make("rgb16", 40, 52, 3, 16, 16, False)
make("multiframe12", 40, 52, 1, 16, 12, False, frames=3)
make("multiframergb", 32, 44, 3, 8, 8, False, frames=2)
