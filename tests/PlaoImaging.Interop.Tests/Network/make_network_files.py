#!/usr/bin/python3
"""Writes the native sources of the Network interop tests (run with /usr/bin/python3: pydicom + numpy).

usage: make_network_files.py small OUTDIR
         one small file per id (see NetworkSources.cs), named <id>.dcm, each with its own UIDs; the ids starting
         with "im-" are Implicit VR Little Endian, all others Explicit VR Little Endian (the tests compress some of
         them with DCMTK afterwards)
       make_network_files.py big FILE FRAMES
         one multi-frame 16-bit 512 x 512 Explicit VR Little Endian instance with FRAMES frames
"""
import sys

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid

CT = "1.2.840.10008.5.1.4.1.1.2"
MR = "1.2.840.10008.5.1.4.1.1.4"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
MULTIFRAME_GRAY16 = "1.2.840.10008.5.1.4.1.1.7.3"
PREFIX = "1.2.826.0.1.3680043.10.98."

rng = np.random.default_rng(20260202)
STUDY = generate_uid(prefix=PREFIX)


def base(sop_class, modality, rows, columns, photometric, samples, series):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    uid = generate_uid(prefix=PREFIX)
    ds.file_meta.MediaStorageSOPInstanceUID = uid
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["DERIVED", "SECONDARY"]
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = uid
    ds.StudyDate = "20260202"
    ds.StudyTime = "101500.123"
    ds.AccessionNumber = "ACC1"
    ds.Modality = modality
    ds.Manufacturer = "PlaoImaging network tests"
    ds.ReferringPhysicianName = "Dr^Ref"
    ds.StudyDescription = "Network interop, odd"
    ds.SeriesDescription = "sources"
    ds.PatientName = "Netw\u00f6rk^Test"
    ds.PatientID = "NET-0001"
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "O"
    ds.PatientAge = "056Y"
    ds.PatientWeight = "71.5"
    # A sequence with two items, one of them nested.
    item1 = Dataset()
    item1.CodeValue = "T-D1100"
    item1.CodingSchemeDesignator = "SRT"
    item1.CodeMeaning = "Head"
    item2 = Dataset()
    item2.CodeValue = "T-11500"
    item2.CodingSchemeDesignator = "SRT"
    item2.CodeMeaning = "Spine"
    inner = Dataset()
    inner.CodeValue = "G-A101"
    inner.CodingSchemeDesignator = "SRT"
    inner.CodeMeaning = "Left"
    item2.ModifierCodeSequence = Sequence([inner])
    ds.AnatomicRegionSequence = Sequence([item1, item2])
    ds.StudyInstanceUID = STUDY
    ds.SeriesInstanceUID = series
    ds.StudyID = "7"
    ds.SeriesNumber = "3"
    ds.InstanceNumber = "1"
    ds.PatientOrientation = ["L", "P"]
    ds.ImagePositionPatient = [-12.5, 3.25, 100.0]
    ds.PixelSpacing = [0.5, 0.5]
    # Private elements: a creator and two values.
    block = ds.private_block(0x0029, "PLAO NETWORK TEST", create=True)
    block.add_new(0x10, "LO", "private value")
    block.add_new(0x11, "US", 4242)
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = photometric
    ds.Rows = rows
    ds.Columns = columns
    return ds


def gray(ds, array, bits_allocated, bits_stored, signed):
    ds.BitsAllocated = bits_allocated
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = 1 if signed else 0
    ds.PixelData = array.astype(array.dtype.newbyteorder("<")).tobytes()


def smooth(rows, columns, top, frames=1):
    y, x = np.mgrid[0:rows, 0:columns]
    out = []
    for f in range(frames):
        v = (x * 7 + y * 3 + f * 50) % top
        v = v + rng.integers(0, 8, size=(rows, columns))
        out.append(np.clip(v, 0, top - 1))
    return np.stack(out) if frames > 1 else out[0]


def u8(series):
    ds = base(SECONDARY_CAPTURE, "OT", 48, 64, "MONOCHROME2", 1, series)
    gray(ds, smooth(48, 64, 256).astype(np.uint8), 8, 8, False)
    return ds


def u16(series):
    ds = base(MR, "MR", 64, 64, "MONOCHROME2", 1, series)
    ds.EchoTime = "12.5"
    gray(ds, smooth(64, 64, 4096).astype(np.uint16), 16, 12, False)
    return ds


def s16(series):
    ds = base(CT, "CT", 64, 48, "MONOCHROME2", 1, series)
    ds.RescaleIntercept = "-1024"
    ds.RescaleSlope = "1"
    ds.KVP = "120"
    gray(ds, (smooth(64, 48, 3000) - 1024).astype(np.int16), 16, 16, True)
    return ds


def rgb(series):
    ds = base(SECONDARY_CAPTURE, "OT", 40, 56, "RGB", 3, series)
    ds.PlanarConfiguration = 0
    y, x = np.mgrid[0:40, 0:56]
    pixels = np.stack([(x * 4) % 256, (y * 6) % 256, ((x + y) * 3) % 256], axis=-1).astype(np.uint8)
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.PixelData = pixels.tobytes()
    return ds


def multiframe(series):
    ds = base(MULTIFRAME_GRAY16, "OT", 32, 32, "MONOCHROME2", 1, series)
    ds.NumberOfFrames = 3
    ds.FrameIncrementPointer = 0x00181063
    ds.FrameTime = "33.3"
    gray(ds, smooth(32, 32, 4096, frames=3).astype(np.uint16), 16, 12, False)
    return ds


# id -> maker; the tests compress the sources of the compressed ids (see NetworkSources.cs).
SMALL = {
    "ex-u16": u16,
    "ex-rgb": rgb,
    "ex-multiframe": multiframe,
    "im-s16": s16,
    "im-u8": u8,
    "src-jpeg-baseline-u8": u8,
    "src-jpeg-baseline-rgb": rgb,
    "src-jpeg-sv1-u16": u16,
    "src-jpeg-sv1-s16": s16,
    "src-jpeg-sv1-multiframe": multiframe,
    "src-rle-s16": s16,
    "src-rle-rgb": rgb,
    "src-jls-u16": u16,
    "src-jls-u8": u8,
}


def save(ds, path, implicit):
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
    ds.is_implicit_VR = implicit
    ds.is_little_endian = True
    ds.save_as(path, write_like_original=False)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "small":
        out = sys.argv[2]
        series = generate_uid(prefix=PREFIX)
        for name, make in SMALL.items():
            ds = make(series)
            save(ds, f"{out}/{name}.dcm", name.startswith("im-"))
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "big":
        frames = int(sys.argv[3])
        ds = base(MULTIFRAME_GRAY16, "OT", 512, 512, "MONOCHROME2", 1, generate_uid(prefix=PREFIX))
        ds.NumberOfFrames = frames
        ds.FrameIncrementPointer = 0x00181063
        ds.FrameTime = "40"
        y, x = np.mgrid[0:512, 0:512]
        pixels = np.empty((frames, 512, 512), dtype="<u2")
        for f in range(frames):
            pixels[f] = (x * 13 + y * 7 + f * 101) & 0xFFFF
        ds.BitsAllocated = 16
        ds.BitsStored = 16
        ds.HighBit = 15
        ds.PixelRepresentation = 0
        ds.PixelData = pixels.tobytes()
        save(ds, sys.argv[2], False)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
