#!/usr/bin/python3
"""Writes the native sources of the JPEG interop tests (run with /usr/bin/python3: pydicom + numpy).

usage: make_jpeg_sources.py OUTDIR
One Explicit VR Little Endian file per source, named <id>.dcm; the ids are listed in JpegDecodeInteropTests.cs.
"""
import sys

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
rng = np.random.default_rng(20260214)


def dataset(rows, columns, photometric, samples=1, frames=1):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = SECONDARY_CAPTURE
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    uid = generate_uid(prefix="1.2.826.0.1.3680043.10.98.")
    ds.file_meta.MediaStorageSOPInstanceUID = uid
    ds.SOPClassUID = SECONDARY_CAPTURE
    ds.SOPInstanceUID = uid
    ds.StudyInstanceUID = generate_uid(prefix="1.2.826.0.1.3680043.10.98.")
    ds.SeriesInstanceUID = generate_uid(prefix="1.2.826.0.1.3680043.10.98.")
    ds.PatientName = "Jpeg^Test"
    ds.PatientID = "JPEG-0001"
    ds.Modality = "OT"
    ds.ConversionType = "WSD"
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = photometric
    ds.Rows = rows
    ds.Columns = columns
    if frames > 1:
        ds.NumberOfFrames = str(frames)
    return ds


def image(rows, columns, low, high, frames=1, noise=40.0):
    """Smooth structure (waves and a diagonal ramp) plus noise, clipped to low..high; one array per frame."""
    y, x = np.mgrid[0:rows, 0:columns]
    out = []
    for f in range(frames):
        t = (np.sin((x + 3 * f) / 6.0) + np.cos((y - 2 * f) / 4.5) + 2) / 4 * 0.7 + (x + y) / float(rows + columns) * 0.3
        values = low + t * (high - low) + rng.normal(0, (high - low) / noise, size=(rows, columns))
        out.append(np.clip(np.rint(values), low, high).astype(np.int64))
    return np.stack(out)


def pixels(ds, frames, bits_allocated, bits_stored, signed):
    ds.BitsAllocated = bits_allocated
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = 1 if signed else 0
    if ds.SamplesPerPixel > 1:
        ds.PlanarConfiguration = 0
    dtype = "u1" if bits_allocated == 8 else "<u2"
    # Signed values are stored two's complement, sign-extended through the whole cell.
    cells = frames & (0xFF if bits_allocated == 8 else 0xFFFF)
    ds.PixelData = np.ascontiguousarray(cells).astype(dtype).tobytes()
    return ds


def gray(id_, rows, columns, bits_allocated, bits_stored, signed, photometric="MONOCHROME2", frames=1):
    low = -(1 << (bits_stored - 1)) if signed else 0
    high = (1 << (bits_stored - 1)) - 1 if signed else (1 << bits_stored) - 1
    ds = dataset(rows, columns, photometric, frames=frames)
    return id_, pixels(ds, image(rows, columns, low, high, frames), bits_allocated, bits_stored, signed)


def color(id_, rows, columns, photometric="RGB", planar=0, frames=1):
    ds = dataset(rows, columns, photometric, samples=3, frames=frames)
    planes = [image(rows, columns, 0, 255, frames, noise=25.0) for _ in range(3)]
    rgb = np.stack(planes, axis=-1)  # frames, rows, columns, 3
    pixels(ds, rgb, 8, 8, False)
    if planar:
        ds.PlanarConfiguration = 1
        ds.PixelData = np.ascontiguousarray(np.moveaxis(rgb, -1, 1)).astype("u1").tobytes()
    return id_, ds


def main(out):
    files = [
        gray("u8", 61, 77, 8, 8, False),
        gray("u8-odd", 5, 7, 8, 8, False),
        gray("u8-mono1", 40, 48, 8, 8, False, "MONOCHROME1"),
        gray("u8-multi", 32, 40, 8, 8, False, frames=3),
        gray("u10", 40, 50, 16, 10, False),
        gray("u12", 61, 77, 16, 12, False),
        gray("u12-mono1", 40, 48, 16, 12, False, "MONOCHROME1"),
        gray("s12", 61, 77, 16, 12, True),
        gray("u16", 61, 77, 16, 16, False),
        gray("s16", 61, 77, 16, 16, True),
        gray("u16-multi", 24, 30, 16, 16, False, frames=2),
        color("rgb8", 61, 77),
        color("rgb8-odd", 5, 7),
        color("rgb8-planar", 40, 48, planar=1),
        color("rgb8-multi", 32, 40, frames=2),
        color("ybr-full", 40, 48, photometric="YBR_FULL"),
    ]
    for id_, ds in files:
        ds.is_little_endian = True
        ds.is_implicit_VR = False
        ds.save_as(f"{out}/{id_}.dcm", write_like_original=False)


if __name__ == "__main__":
    main(sys.argv[1])
