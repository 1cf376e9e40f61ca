"""Makes the `mix` file set of the parse benchmark: a few hundred instances of 0.1-10 MB in the sizes, syntaxes and
frame counts that a routing node receives (CT and MR slices, CR/DX radiographs, US/XA/NM/enhanced MR multi-frame),
native and compressed, from a fixed seed.

    make-parse-mix.py OUT      writes OUT/<nnn>-<kind>-<syntax>.dcm and OUT/manifest.tsv (name, bytes, syntax, frames)

Native instances are written here with pydicom (Explicit or Implicit VR Little Endian, as PACS send them); compressed
ones are written native into a scratch file and then encoded by the reference encoders: dcmcjpeg +e1 (JPEG lossless
SV1), dcmcjpeg +eb (JPEG baseline, 8-bit US), dcmcjpls (JPEG-LS lossless), dcmcrle (RLE), gdcmconv --j2k (JPEG 2000
lossless). Pixel content is a smooth phantom per geometry plus signal-dependent noise drawn per instance, so the
lossless encoders reach about the ratios they reach on real images (2-3:1), not those of flat or random data.
Every UID derives from the instance number (the same files on every machine). Run by bench/run.sh with Debian's
python3 (pydicom, numpy) and DCMTK, GDCM on the PATH.
"""
import os
import subprocess
import sys

import numpy as np
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid

SEED = 20261207

# kind: (modality, SOP class, rows, cols, frames, bits stored, samples, count, syntax shares)
# Syntax shares are the fraction of that kind's instances per syntax; counts give about 300 instances, 0.1-10 MB each.
KINDS = {
    "ct": ("CT", "1.2.840.10008.5.1.4.1.1.2", 512, 512, 1, 12, 1, 90,
           {"explicit": 0.35, "implicit": 0.25, "sv1": 0.2, "jls": 0.1, "j2k": 0.1}),
    "mr256": ("MR", "1.2.840.10008.5.1.4.1.1.4", 256, 256, 1, 12, 1, 50,
              {"explicit": 0.4, "implicit": 0.2, "sv1": 0.2, "rle": 0.2}),
    "mr384": ("MR", "1.2.840.10008.5.1.4.1.1.4", 384, 384, 1, 12, 1, 40,
              {"explicit": 0.4, "implicit": 0.2, "jls": 0.2, "j2k": 0.2}),
    "cr": ("CR", "1.2.840.10008.5.1.4.1.1.1", 2140, 1760, 1, 12, 1, 18,
           {"explicit": 0.35, "sv1": 0.4, "j2k": 0.25}),
    "dx": ("DX", "1.2.840.10008.5.1.4.1.1.1.1", 2048, 2048, 1, 12, 1, 14,
           {"explicit": 0.3, "sv1": 0.4, "jls": 0.3}),
    "us": ("US", "1.2.840.10008.5.1.4.1.1.3.1", 480, 640, 8, 8, 3, 12,
           {"explicit": 0.35, "jpeg8": 0.4, "rle": 0.25}),
    "xa": ("XA", "1.2.840.10008.5.1.4.1.1.12.1", 512, 512, 24, 8, 1, 10,
           {"explicit": 0.4, "sv1": 0.6}),
    "nm": ("NM", "1.2.840.10008.5.1.4.1.1.20", 128, 128, 64, 16, 1, 8,
           {"explicit": 0.5, "rle": 0.5}),
    "emr": ("MR", "1.2.840.10008.5.1.4.1.1.4.1", 256, 256, 30, 12, 1, 10,
            {"explicit": 0.5, "jls": 0.5}),
}

TRANSFER_SYNTAX = {
    "explicit": "1.2.840.10008.1.2.1", "implicit": "1.2.840.10008.1.2", "sv1": "1.2.840.10008.1.2.4.70",
    "jpeg8": "1.2.840.10008.1.2.4.50", "jls": "1.2.840.10008.1.2.4.80", "rle": "1.2.840.10008.1.2.5",
    "j2k": "1.2.840.10008.1.2.4.90",
}

ENCODE = {
    "sv1": lambda s, d: ["dcmcjpeg", "+e1", "+un", s, d],
    "jpeg8": lambda s, d: ["dcmcjpeg", "+eb", "+un", s, d],
    "jls": lambda s, d: ["dcmcjpls", "+un", s, d],
    "rle": lambda s, d: ["dcmcrle", s, d],
    "j2k": lambda s, d: ["gdcmconv", "--j2k", s, d],
}


def phantom(rows, cols, bits):
    """A smooth, anatomy-like image in [0, 0.8 * 2^bits): an ellipse of 'tissue' with bands and two darker lobes."""
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    y /= rows
    x /= cols
    body = np.exp(-(((x - 0.5) / 0.34) ** 2 + ((y - 0.5) / 0.40) ** 2) ** 2)
    bands = 0.10 * np.sin(2 * np.pi * 7 * y + 1.5 * np.sin(2 * np.pi * x)) * body
    lobes = -0.3 * (np.exp(-(((x - 0.35) / 0.11) ** 2 + ((y - 0.48) / 0.2) ** 2))
                    + np.exp(-(((x - 0.65) / 0.11) ** 2 + ((y - 0.48) / 0.2) ** 2)))
    top = 0.8 * (1 << bits)
    return 0.05 * top + 0.95 * top * np.clip(body + bands + lobes, 0, 1.2) / 1.2


def pixels(base, frames, samples, bits, rng):
    """Frames of the phantom, each shifted a little and with its own signal-dependent noise."""
    out = []
    for f in range(frames):
        img = np.roll(base, (f * 3) % base.shape[0], axis=0) * (1 - 0.02 * (f % 5))
        noisy = img + rng.normal(0, 1, size=img.shape) * np.sqrt(img) * (0.6 if bits > 8 else 0.25)
        frame = np.clip(np.rint(noisy), 0, (1 << bits) - 1)
        if samples == 3:
            frame = np.stack([frame, frame * 0.9, frame * 0.8], axis=-1)
        out.append(frame)
    dtype = np.uint8 if bits <= 8 else np.uint16
    return np.stack(out).astype(dtype).tobytes()


def uid(*parts):
    return generate_uid(entropy_srcs=["plao-bench-parse-mix", *map(str, parts)])


def instance(path, n, kind, syntax, base, rng):
    modality, sop_class, rows, cols, frames, bits, samples, _, _ = KINDS[kind]
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = uid("instance", n)
    meta.TransferSyntaxUID = ImplicitVRLittleEndian if syntax == "implicit" else ExplicitVRLittleEndian
    ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
    study = n // 40
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL" if modality in ("CT", "MR") else "OTHER"]
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20261207"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = f"{8 + n % 10:02d}{n % 60:02d}00"
    ds.AccessionNumber = f"MIX{study:05d}"
    ds.Modality = modality
    ds.Manufacturer = "Bench"
    ds.InstitutionName = "Bench Hospital"
    ds.ReferringPhysicianName = "Referrer^Bench"
    ds.StationName = f"BENCH{n % 7}"
    ds.StudyDescription = "Bench study"
    ds.SeriesDescription = f"{kind} {syntax}"
    ds.PatientName = f"Mix^Patient{study:03d}"
    ds.PatientID = f"MIX-{study:03d}"
    ds.PatientBirthDate = "19500101"
    ds.PatientSex = "FO"[n % 2]
    ds.BodyPartExamined = "SPINE"
    ds.StudyInstanceUID = uid("study", study)
    ds.SeriesInstanceUID = uid("series", kind, syntax, study)
    ds.StudyID, ds.SeriesNumber, ds.InstanceNumber = str(study + 1), 1 + n % 9, n + 1
    ds.FrameOfReferenceUID = uid("for", study)
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "T-D0146", "SRT", "Spine"
    ds.AnatomicRegionSequence = Sequence([code])
    if modality in ("CT", "MR"):
        ds.ImagePositionPatient = [-125.0, -125.0, float(n)]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.SliceThickness = "1.0"
        ds.PixelSpacing = [0.488, 0.488]
    if modality == "CT":
        ds.RescaleIntercept, ds.RescaleSlope = "-1024", "1"
        ds.KVP = "120"
    if modality in ("CR", "DX"):
        ds.ImagerPixelSpacing = [0.139, 0.139]
        ds.ViewPosition = "LL"
    if frames > 1:
        ds.NumberOfFrames = frames
        if modality in ("US", "XA"):
            ds.FrameTime = "33.3"
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = "RGB" if samples == 3 else "MONOCHROME2"
    if samples == 3:
        ds.PlanarConfiguration = 0
    allocated = 8 if bits <= 8 else 16
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = allocated, bits, bits - 1, 0
    ds.WindowCenter, ds.WindowWidth = str(1 << (bits - 1)), str(1 << bits)
    ds.PixelData = pixels(base, frames, samples, bits, rng)
    ds.is_little_endian, ds.is_implicit_VR = True, syntax == "implicit"
    ds.save_as(path, write_like_original=False)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(SEED)
    plan = []
    for kind, spec in KINDS.items():
        count, shares = spec[7], spec[8]
        syntaxes = []
        for syntax, share in shares.items():
            syntaxes += [syntax] * round(count * share)
        syntaxes = (syntaxes + [next(iter(shares))] * count)[:count]
        plan += [(kind, s) for s in syntaxes]
    order = rng.permutation(len(plan))
    bases = {}
    manifest = []
    scratch = os.path.join(out, "scratch-native.dcm")
    for n, index in enumerate(order):
        kind, syntax = plan[index]
        _, _, rows, cols, frames, bits, samples, _, _ = KINDS[kind]
        if kind not in bases:
            bases[kind] = phantom(rows, cols, bits)
        name = f"{n:03d}-{kind}-{syntax}.dcm"
        path = os.path.join(out, name)
        if syntax in ENCODE:
            instance(scratch, n, kind, "explicit", bases[kind], rng)
            subprocess.run(ENCODE[syntax](scratch, path), check=True, stdout=subprocess.DEVNULL)
            os.remove(scratch)
        else:
            instance(path, n, kind, syntax, bases[kind], rng)
        manifest.append(f"{name}\t{os.path.getsize(path)}\t{TRANSFER_SYNTAX[syntax]}\t{frames}")
    with open(os.path.join(out, "manifest.tsv"), "w") as f:
        f.write("name\tbytes\ttransfer_syntax\tframes\n" + "\n".join(manifest) + "\n")


if __name__ == "__main__":
    main()
