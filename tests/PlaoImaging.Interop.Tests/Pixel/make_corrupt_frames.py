#!/usr/bin/python3
"""Writes the multi-frame JPEG files of MultiFrameCorruptionTests (run with /usr/bin/python3: pydicom + numpy).

usage: make_corrupt_frames.py native OUT.dcm
         a 12-frame 8-bit 64 x 48 MONOCHROME2 Multi-frame Grayscale Byte SC, Explicit VR Little Endian
       make_corrupt_frames.py corrupt BASE.dcm OUTDIR
         from BASE (the native file through dcmcjpeg +eb: one fragment per frame, Basic Offset Table filled), one file
         per kind, <kind>.dcm, each with frame 5 (1-based) damaged one way; the kinds are listed in KINDS
"""
import struct
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate, generate_pixel_data_frame
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

BAD = 4  # zero-based index of the damaged frame: frame 5
KINDS = [
    "truncated",             # the codestream cut to 60 % (no EOI)
    "garbage",               # 40 random bytes (no 0xFF) in the middle of the entropy-coded data
    "sof-small",             # SOF0 says 32 rows; Rows is 64
    "sof-large",             # SOF0 says 128 rows; Rows is 64
    "no-eoi",                # the EOI marker removed
    "bot-misaligned",        # the Basic Offset Table entry of frame 5 points 2 bytes into its item
    "bot-repeat",            # ... repeats frame 4's offset
    "bot-beyond",            # ... points past the end of the items
    "split-bot-misaligned",  # every frame in two fragments, and frame 5's table entry 2 bytes into its item
    "missing-last",          # only the first 10 of the 12 frames' fragments, no offset table
]


def native(out):
    rows, cols, frames = 64, 48, 12
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    sop = "1.2.840.10008.5.1.4.1.1.7.2"
    uid = generate_uid(prefix="1.2.826.0.1.3680043.10.99.")
    ds.file_meta.MediaStorageSOPClassUID = sop
    ds.file_meta.MediaStorageSOPInstanceUID = uid
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = sop
    ds.SOPInstanceUID = uid
    ds.StudyInstanceUID = generate_uid(prefix="1.2.826.0.1.3680043.10.99.")
    ds.SeriesInstanceUID = generate_uid(prefix="1.2.826.0.1.3680043.10.99.")
    ds.PatientName = "Frames^Test"
    ds.PatientID = "FRAMES-0001"
    ds.Modality = "OT"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = rows
    ds.Columns = cols
    ds.NumberOfFrames = frames
    ds.FrameIncrementPointer = 0x00181063
    ds.FrameTime = "33.3"
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:rows, 0:cols]
    arr = np.stack([((x * 3 + y * 2 + f * 17) % 256 + rng.integers(0, 24, (rows, cols))).clip(0, 255)
                    for f in range(frames)]).astype(np.uint8)
    ds.PixelData = arr.tobytes()
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.save_as(out, write_like_original=False)


def marker(stream, wanted):
    """The offset of the first marker segment `wanted` (0xFFxx) before the scan."""
    i = 2
    while True:
        m = stream[i + 1]
        length = struct.unpack(">H", stream[i + 2:i + 4])[0]
        if m == wanted:
            return i
        if m == 0xDA:
            raise ValueError("marker not found")
        i += 2 + length


def corrupt(base, outdir):
    for kind in KINDS:
        ds = pydicom.dcmread(base)
        frames = [bytes(f) for f in generate_pixel_data_frame(ds.PixelData, int(ds.NumberOfFrames))]
        f = bytearray(frames[BAD])
        if kind == "truncated":
            f = f[:(len(f) * 6 // 10) & ~1]
        elif kind == "garbage":
            sos = marker(f, 0xDA)
            start = (sos + 2 + struct.unpack(">H", f[sos + 2:sos + 4])[0] + len(f)) // 2
            f[start:start + 40] = bytes(np.random.default_rng(3).integers(0, 0xFF, 40, dtype=np.uint8))
        elif kind == "sof-small":
            f[marker(f, 0xC0) + 5:marker(f, 0xC0) + 7] = struct.pack(">H", 32)
        elif kind == "sof-large":
            f[marker(f, 0xC0) + 5:marker(f, 0xC0) + 7] = struct.pack(">H", 128)
        elif kind == "no-eoi":
            assert f[-2:] == b"\xff\xd9"
            f = f[:-2]
        frames[BAD] = bytes(f)
        if kind == "split-bot-misaligned":
            data = bytearray(encapsulate(frames, fragments_per_frame=2, has_bot=True))
        elif kind == "missing-last":
            data = bytearray(encapsulate(frames[:10], has_bot=False))
        else:
            data = bytearray(encapsulate(frames, has_bot=True))

        def entry(index, value=None):
            # The Basic Offset Table's values start after its item tag and length.
            if value is None:
                return struct.unpack("<I", data[8 + 4 * index:12 + 4 * index])[0]
            data[8 + 4 * index:12 + 4 * index] = struct.pack("<I", value)

        if kind in ("bot-misaligned", "split-bot-misaligned"):
            entry(BAD, entry(BAD) + 2)
        elif kind == "bot-repeat":
            entry(BAD, entry(BAD - 1))
        elif kind == "bot-beyond":
            entry(BAD, 0x7FFFFFF0)
        ds.PixelData = bytes(data)
        ds.save_as(f"{outdir}/{kind}.dcm")


if __name__ == "__main__":
    if sys.argv[1] == "native":
        native(sys.argv[2])
    else:
        corrupt(sys.argv[2], sys.argv[3])
