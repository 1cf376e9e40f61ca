"""Write phantoms as DICOM Part 10 files with pydicom (CR, DX For
Presentation, MR), in Explicit or Implicit VR Little Endian; JPEG Lossless
SV1 (1.2.840.10008.1.2.4.70) is made from the Explicit VR file by DCMTK's
``dcmcjpeg +e1`` (pydicom's own encoders are not relied upon).

    write_dicom(phantom, path, transfer_syntax="explicit"|"implicit"|"jpeg-lossless")
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

from .common import GENERATOR_VERSION

IMPLEMENTATION_CLASS_UID = "2.25.161616432217262917154129512402785497041"
IMPLEMENTATION_VERSION = "PLAOPHANTOM" + GENERATOR_VERSION

_ANATOMY_CODES = {  # SNOMED CT codes from CID 4009 (DX anatomy imaged)
    "LSPINE": ("122496007", "Lumbar spine"),
    "TSPINE": ("122495006", "Thoracic spine"),
    "SPINE": ("421060004", "Spine"),
    "CHEST": ("43799004", "Chest"),
}


def _ds_str(x: float, digits: int = 6) -> str:
    """A DS value that fits 16 characters."""
    s = ("%." + str(digits) + "g") % float(x)
    return s if len(s) <= 16 else ("%.8g" % float(x))[:16]


def build_dataset(ph) -> Dataset:
    d = ph.dicom
    st = d["study"]
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    kind = d["kind"]
    if kind == "mr":
        ds.ImageType = ["ORIGINAL", "PRIMARY", "OTHER"]
    else:
        ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.SOPClassUID = d["sop_class_uid"]
    ds.SOPInstanceUID = d["sop_instance_uid"]
    ds.StudyDate = st["study_date"]
    ds.SeriesDate = st["study_date"]
    ds.ContentDate = st["study_date"]
    ds.AcquisitionDate = st["study_date"]
    ds.StudyTime = st["study_time"]
    ds.SeriesTime = st["study_time"]
    ds.ContentTime = st["study_time"]
    ds.AcquisitionTime = st["study_time"]
    ds.AccessionNumber = st["accession_number"]
    ds.Modality = d["modality"]
    if d["modality"] == "DX":
        ds.PresentationIntentType = "FOR PRESENTATION"
    ds.Manufacturer = "PlaoImaging"
    ds.InstitutionName = "Phantom Institute"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = st["study_description"] or ""
    ds.SeriesDescription = d["series_description"]
    ds.ManufacturerModelName = "plao-phantom"
    ds.PatientName = st["patient_name"]
    ds.PatientID = st["patient_id"]
    ds.PatientBirthDate = st["patient_birth_date"]
    ds.PatientSex = st["patient_sex"]
    ds.PatientAge = "%03dY" % st["patient_age"]
    ds.BodyPartExamined = d["body_part"]
    ds.SoftwareVersions = "plao-phantom " + GENERATOR_VERSION
    ds.DeviceSerialNumber = "PH0001"

    if kind == "radiograph":
        ds.KVP = _ds_str(d["kvp"], 4)
        ds.DistanceSourceToDetector = _ds_str(d["sid_mm"], 6)
        ds.DistanceSourceToPatient = _ds_str(d["sod_mm"], 6)
        ds.ExposureTime = "%d" % 50
        ds.XRayTubeCurrent = "%d" % max(1, int(round(d["exposure_mas"] * 1000 / 50)))
        ds.Exposure = "%d" % max(1, int(round(d["exposure_mas"])))
        ds.ExposureInuAs = int(round(d["exposure_mas"] * 1000))
        ds.FocalSpots = "1.2"
        ds.ViewPosition = d["view_position"]
        if d["modality"] == "DX":
            ds.Grid = "FOCUSED"
            ds.PositionerType = "COLUMN"
            ds.EstimatedRadiographicMagnificationFactor = _ds_str(d["magnification"], 6)
        if d["spacing_attribute"] == "ImagerPixelSpacing":
            ds.ImagerPixelSpacing = [_ds_str(v, 8) for v in d["pixel_spacing"]]
        if d["modality"] == "DX":
            ds.DetectorType = "SCINTILLATOR"
            ds.DetectorConfiguration = "AREA"
            ds.DetectorID = "PHDET01"
            ds.DetectorElementPhysicalSize = [_ds_str(d["detector_element_mm"], 6)] * 2
            ds.DetectorElementSpacing = [_ds_str(d["detector_element_mm"], 6)] * 2
            ds.DetectorActiveShape = "RECTANGLE"
            ds.DetectorActiveDimensions = [_ds_str(ph.pixels.shape[0] * d["pixel_spacing"][0], 6),
                                           _ds_str(ph.pixels.shape[1] * d["pixel_spacing"][1], 6)]
            ds.DetectorBinning = ["1", "1"]
            ds.FieldOfViewShape = "RECTANGLE"
            ds.FieldOfViewDimensions = [int(round(ph.pixels.shape[0] * d["pixel_spacing"][0])),
                                        int(round(ph.pixels.shape[1] * d["pixel_spacing"][1]))]
    else:
        ds.ScanningSequence = d["scanning_sequence"]
        ds.SequenceVariant = d["sequence_variant"]
        ds.ScanOptions = ""
        ds.MRAcquisitionType = "2D"
        ds.SequenceName = d["sequence_name"]
        ds.AngioFlag = "N"
        ds.SliceThickness = _ds_str(d["slice_thickness"], 6)
        ds.RepetitionTime = _ds_str(d["repetition_time"], 6)
        ds.EchoTime = _ds_str(d["echo_time"], 6)
        if d["inversion_time"] is not None:
            ds.InversionTime = _ds_str(d["inversion_time"], 6)
        ds.NumberOfAverages = "2"
        ds.ImagingFrequency = _ds_str(d["imaging_frequency"], 8)
        ds.ImagedNucleus = "1H"
        ds.EchoNumbers = "1"
        ds.MagneticFieldStrength = _ds_str(d["field_strength"], 4)
        ds.SpacingBetweenSlices = _ds_str(d["spacing_between_slices"], 6)
        ds.EchoTrainLength = str(int(d["echo_train_length"]))
        ds.PercentSampling = "100"
        ds.PercentPhaseFieldOfView = "100"
        ds.PixelBandwidth = "200"
        ds.ProtocolName = d["series_description"]
        ds.ReceiveCoilName = "SPINE"
        ds.TransmitCoilName = "BODY"
        ds.AcquisitionMatrix = [0, ph.pixels.shape[1], ph.pixels.shape[0], 0]
        ds.InPlanePhaseEncodingDirection = "ROW"
        ds.FlipAngle = "90" if d["weighting"] != "STIR" else "150"
        ds.PatientPosition = "HFS"
    ds.StudyInstanceUID = st["study_instance_uid"]
    ds.SeriesInstanceUID = d["series_instance_uid"]
    ds.StudyID = st["study_id"]
    ds.SeriesNumber = str(d["series_number"])
    ds.AcquisitionNumber = "1"
    ds.InstanceNumber = str(d["instance_number"])
    if kind == "radiograph":
        ds.PatientOrientation = d["patient_orientation"]
        if d["modality"] == "DX":
            ds.ImageLaterality = "U"
    else:
        ds.ImagePositionPatient = [_ds_str(v, 8) for v in d["image_position"]]
        ds.ImageOrientationPatient = [_ds_str(v, 6) for v in d["image_orientation"]]
        ds.FrameOfReferenceUID = st["frame_of_reference_uid"]
        ds.PositionReferenceIndicator = ""
        ds.SliceLocation = _ds_str(d["slice_location"], 8)
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = d["photometric"]
    ds.Rows, ds.Columns = int(ph.pixels.shape[0]), int(ph.pixels.shape[1])
    if kind == "mr":
        ds.PixelSpacing = [_ds_str(v, 8) for v in d["pixel_spacing"]]
    ds.BitsAllocated = 16
    ds.BitsStored = int(d["bits_stored"])
    ds.HighBit = int(d["bits_stored"]) - 1
    signed = ph.pixels.dtype == np.int16
    ds.PixelRepresentation = 1 if signed else 0
    if kind == "radiograph":
        ds.BurnedInAnnotation = "YES" if d["burned_in_annotation"] else "NO"
        if d["modality"] == "DX":
            ds.PixelIntensityRelationship = "LOG"
            ds.PixelIntensityRelationshipSign = -1 if d["photometric"] == "MONOCHROME2" else 1
            ds.RescaleIntercept = "0"
            ds.RescaleSlope = "1"
            ds.RescaleType = "US"
            ds.PresentationLUTShape = "IDENTITY" if d["photometric"] == "MONOCHROME2" else "INVERSE"
    ds.WindowCenter = _ds_str(d["window_center"], 8)
    ds.WindowWidth = _ds_str(d["window_width"], 8)
    ds.WindowCenterWidthExplanation = "PHANTOM"
    ds.LossyImageCompression = "00"
    if d["modality"] == "DX":
        code, meaning = _ANATOMY_CODES.get(d["body_part"], _ANATOMY_CODES["SPINE"])
        item = Dataset()
        item.CodeValue = code
        item.CodingSchemeDesignator = "SCT"
        item.CodeMeaning = meaning
        ds.AnatomicRegionSequence = Sequence([item])
        ds.AcquisitionContextSequence = Sequence([])
    pix = np.ascontiguousarray(ph.pixels.astype("<i2" if signed else "<u2"))
    ds.PixelData = pix.tobytes()
    ds["PixelData"].VR = "OW"
    return ds


def write_dicom(phantom, path: str, transfer_syntax: str = "explicit") -> str:
    """Write ``phantom`` to ``path``; returns the path."""
    if transfer_syntax not in ("explicit", "implicit", "jpeg-lossless"):
        raise ValueError("transfer_syntax must be explicit, implicit or jpeg-lossless")
    ds = build_dataset(phantom)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ImplicitVRLittleEndian if transfer_syntax == "implicit" else ExplicitVRLittleEndian
    meta.ImplementationClassUID = IMPLEMENTATION_CLASS_UID
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION
    ds.file_meta = meta
    ds.preamble = b"\0" * 128
    ds.is_little_endian = True
    ds.is_implicit_VR = transfer_syntax == "implicit"
    if transfer_syntax != "jpeg-lossless":
        ds.save_as(path, write_like_original=False)
        return path
    exe = shutil.which("dcmcjpeg")
    if exe is None:
        raise RuntimeError("jpeg-lossless needs DCMTK's dcmcjpeg (apt-get install dcmtk)")
    fd, tmp = tempfile.mkstemp(suffix=".dcm")
    os.close(fd)
    try:
        ds.save_as(tmp, write_like_original=False)
        # +e1: JPEG lossless, first-order prediction (SV1)
        subprocess.run([exe, "+e1", tmp, path], check=True, capture_output=True)
    finally:
        os.unlink(tmp)
    return path


def read_back(path: str) -> pydicom.Dataset:
    """Convenience for tests: read a written file (pixels decoded when the
    syntax is native)."""
    return pydicom.dcmread(path)
