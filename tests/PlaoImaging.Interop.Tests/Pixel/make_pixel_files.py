#!/usr/bin/python3
"""Writes the native pixel-data sources of the Pixel interop tests (run with /usr/bin/python3: pydicom + numpy).

usage: make_pixel_files.py OUTDIR
One Explicit VR Little Endian file per layout, named <id>.dcm; the ids are listed in PixelPeers.cs.
"""
import sys

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
CR = "1.2.840.10008.5.1.4.1.1.1"
MULTIFRAME_GRAY16 = "1.2.840.10008.5.1.4.1.1.7.3"
MULTIFRAME_TRUECOLOR = "1.2.840.10008.5.1.4.1.1.7.4"

rng = np.random.default_rng(20260101)


def base(sop_class, modality, rows, columns, photometric, samples=1):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    uid = generate_uid(prefix="1.2.826.0.1.3680043.10.99.")
    ds.file_meta.MediaStorageSOPInstanceUID = uid
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = uid
    ds.StudyInstanceUID = generate_uid(prefix="1.2.826.0.1.3680043.10.99.")
    ds.SeriesInstanceUID = generate_uid(prefix="1.2.826.0.1.3680043.10.99.")
    ds.StudyDate = "20260101"
    ds.StudyTime = "120000"
    ds.AccessionNumber = ""
    ds.ReferringPhysicianName = ""
    ds.StudyID = "1"
    ds.SeriesNumber = "1"
    ds.InstanceNumber = "1"
    ds.PatientName = "Pixel^Test"
    ds.PatientID = "PIXEL-0001"
    ds.PatientBirthDate = ""
    ds.PatientSex = "O"
    ds.Modality = modality
    if modality != "CR":
        ds.Laterality = ""
    ds.Manufacturer = "PlaoImaging"
    ds.ConversionType = "WSD"
    ds.PatientOrientation = ""
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = photometric
    ds.Rows = rows
    ds.Columns = columns
    return ds


def gray(ds, array, bits_allocated, bits_stored, high_bit, signed):
    ds.BitsAllocated = bits_allocated
    ds.BitsStored = bits_stored
    ds.HighBit = high_bit
    ds.PixelRepresentation = 1 if signed else 0
    dtype = {8: "u1", 16: "<u2", 32: "<u4"}[bits_allocated]
    ds.PixelData = np.ascontiguousarray(array).astype(dtype).tobytes()
    return ds


def ramp(rows, columns, low, high):
    """A diagonal ramp from low to high with some noise, so that every window case has values on both sides."""
    y, x = np.mgrid[0:rows, 0:columns]
    t = (x + y) / float(rows + columns - 2)
    values = low + t * (high - low) + rng.normal(0, (high - low) / 50.0, size=(rows, columns))
    return np.clip(np.rint(values), low, high).astype(np.int64)


def write(ds, path):
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.save_as(path, write_like_original=False)


def main(out):
    files = {}

    ds = base(SECONDARY_CAPTURE, "OT", 48, 64, "MONOCHROME2")
    files["u8-mono2"] = gray(ds, ramp(48, 64, 0, 255), 8, 8, 7, False)

    ds = base(SECONDARY_CAPTURE, "OT", 5, 7, "MONOCHROME2")
    files["u8-odd-size"] = gray(ds, ramp(5, 7, 10, 240), 8, 8, 7, False)

    ds = base(SECONDARY_CAPTURE, "OT", 40, 50, "MONOCHROME2")
    ds.WindowCenter = "2048"
    ds.WindowWidth = "1000"
    files["u12-mono2"] = gray(ds, ramp(40, 50, 0, 4095), 16, 12, 11, False)

    # Stored bits 4..15 (High Bit 15): the low 4 bits are not part of the sample.
    ds = base(SECONDARY_CAPTURE, "OT", 40, 50, "MONOCHROME2")
    stored = ramp(40, 50, 0, 4095)
    files["u12-highbit15"] = gray(ds, (stored << 4) | rng.integers(0, 16, size=stored.shape), 16, 12, 15, False)

    ds = base(SECONDARY_CAPTURE, "OT", 40, 50, "MONOCHROME2")
    files["u16-mono2"] = gray(ds, ramp(40, 50, 0, 65535), 16, 16, 15, False)

    # Signed 12-bit in 16 with the unused top 4 bits holding garbage: readers must mask and sign-extend.
    ds = base(SECONDARY_CAPTURE, "OT", 40, 50, "MONOCHROME2")
    stored = ramp(40, 50, -2048, 2047)
    cells = (stored & 0x0FFF) | (rng.integers(0, 16, size=stored.shape) << 12)
    files["s12-garbage"] = gray(ds, cells, 16, 12, 11, True)

    ds = base(SECONDARY_CAPTURE, "CT", 40, 50, "MONOCHROME2")
    ds.RescaleIntercept = "-1024"
    ds.RescaleSlope = "1"
    ds.RescaleType = "HU"
    ds.WindowCenter = ["40", "300"]
    ds.WindowWidth = ["400", "1500"]
    files["s16-ct"] = gray(ds, ramp(40, 50, -1000, 3000).astype(np.int16).view(np.uint16), 16, 16, 15, True)

    ds = base(SECONDARY_CAPTURE, "OT", 40, 50, "MONOCHROME2")
    ds.WindowCenter = "0"
    ds.WindowWidth = "2000"
    ds.VOILUTFunction = "SIGMOID"
    files["s16-sigmoid"] = gray(ds, ramp(40, 50, -3000, 3000).astype(np.int16).view(np.uint16), 16, 16, 15, True)

    ds = base(CR, "CR", 40, 50, "MONOCHROME1")
    ds.BodyPartExamined = "CHEST"
    ds.ViewPosition = "PA"
    files["u12-mono1"] = gray(ds, ramp(40, 50, 0, 4095), 16, 12, 11, False)

    for planar in (0, 1):
        ds = base(SECONDARY_CAPTURE, "OT", 24, 32, "RGB", samples=3)
        ds.PlanarConfiguration = planar
        ds.BitsAllocated = 8
        ds.BitsStored = 8
        ds.HighBit = 7
        ds.PixelRepresentation = 0
        rgb = np.stack([ramp(24, 32, 0, 255), 255 - ramp(24, 32, 0, 255), rng.integers(0, 256, size=(24, 32))], axis=-1).astype("u1")
        ds.PixelData = (rgb if planar == 0 else np.moveaxis(rgb, -1, 0)).tobytes()
        files[f"rgb-planar{planar}"] = ds

    ds = base(MULTIFRAME_GRAY16, "OT", 20, 30, "MONOCHROME2")
    ds.NumberOfFrames = 3
    ds.BurnedInAnnotation = "NO"
    ds.PresentationLUTShape = "IDENTITY"
    ds.RescaleIntercept = "0"
    ds.RescaleSlope = "1"
    ds.RescaleType = "US"
    ds.FrameIncrementPointer = 0x00181063
    ds.FrameTime = "33"
    frames = np.stack([ramp(20, 30, 0, 4095) + 10 * f for f in range(3)])
    files["u16-multiframe"] = gray(ds, np.clip(frames, 0, 65535), 16, 16, 15, False)

    ds = base(MULTIFRAME_TRUECOLOR, "OT", 16, 20, "RGB", samples=3)
    ds.NumberOfFrames = 2
    ds.BurnedInAnnotation = "NO"
    ds.FrameIncrementPointer = 0x00181063
    ds.FrameTime = "33"
    ds.PlanarConfiguration = 0
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.PixelData = rng.integers(0, 256, size=(2, 16, 20, 3)).astype("u1").tobytes()
    files["rgb-multiframe"] = ds

    # A lateral lumbar spine-like CR, MONOCHROME1 (bone is low, shown white): background, soft tissue, five vertebral
    # bodies with discs, posterior elements. 12 bits stored, 384 x 320.
    rows, columns = 384, 320
    y, x = np.mgrid[0:rows, 0:columns]
    image = np.full((rows, columns), 3900.0)                       # raw exposure outside the body: dark on display
    body = ((x - 165) / 150.0) ** 2 + ((y - 192) / 260.0) ** 2 < 1.0
    image[body] = 2600.0                                          # soft tissue
    for level in range(5):
        top = 28 + level * 70
        vertebra = (x > 120) & (x < 205) & (y > top) & (y < top + 54)
        image[vertebra] = 1100.0 - 60 * level                     # vertebral bodies
        cortex = vertebra & ((x < 127) | (x > 198) | (y < top + 5) | (y > top + 49))
        image[cortex] = 700.0                                     # cortical rim, brightest
        pedicle = (x > 210) & (x < 262) & (y > top + 8) & (y < top + 40)
        image[pedicle] = 1500.0                                   # posterior elements
    image += rng.normal(0, 25, size=image.shape)
    ds = base(CR, "CR", rows, columns, "MONOCHROME1")
    ds.BodyPartExamined = "LSPINE"
    ds.ViewPosition = "LL"
    ds.ImagerPixelSpacing = ["0.143", "0.143"]
    files["cr-lateral-spine"] = gray(ds, np.clip(np.rint(image), 0, 4095), 16, 12, 11, False)

    for name, ds in files.items():
        write(ds, f"{out}/{name}.dcm")


if __name__ == "__main__":
    main(sys.argv[1])
