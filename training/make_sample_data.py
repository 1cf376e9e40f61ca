#!/usr/bin/python3
"""Write the sample studies under sample-data/ (next to sample-data/minimal,
which is left alone). Each DICOM file gets its truth as <name>.json beside it.

    /usr/bin/python3 training/make_sample_data.py [--out sample-data]

Radiographs use a moderate matrix (960 x 800 at 0.375 mm) and MR 256
matrices with 11 slices so that the folder stays well under 12 MB. JPEG
Lossless files are made by DCMTK's dcmcjpeg +e1 from Explicit VR files.
Every file is checked with dciodvfy (dicom3tools) when it is installed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from phantoms import (check_phantom, make_chest_pa, make_frontal_spine, make_mr_study,  # noqa: E402
                      make_radiograph, write_dicom)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# moderate radiograph matrix: a 2400 x 2000 detector at 0.15 mm rendered at 0.4
RG = dict(rows=2400, cols=2000, pixel_spacing=0.15, scale=0.4)
STUDY_KEYS = ("patient_number", "patient_age", "patient_birth_date", "study_date", "study_time",
              "accession_number", "study_id", "study_instance_uid", "study_description",
              "frame_of_reference_uid")

STUDIES = []  # (folder, modality, syntax, shows, expected) for the README


def save(folder, name, ph, syntax):
    errs = check_phantom(ph)
    if errs:
        raise RuntimeError("%s/%s: %s" % (folder, name, errs))
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name + ".dcm")
    write_dicom(ph, path, syntax)
    with open(os.path.join(folder, name + ".json"), "w") as f:
        f.write(ph.truth_json() + "\n")
    if shutil.which("dciodvfy"):
        out = subprocess.run(["dciodvfy", path], capture_output=True, text=True)
        bad = [ln for ln in (out.stdout + out.stderr).splitlines() if ln.startswith("Error")]
        if bad:
            raise RuntimeError("dciodvfy %s: %s" % (path, bad))
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=os.path.join(ROOT, "sample-data"))
    a = ap.parse_args(argv)
    out = a.out
    for d in sorted(os.listdir(out)) if os.path.isdir(out) else []:
        if d[:2].isdigit() and os.path.isdir(os.path.join(out, d)):
            shutil.rmtree(os.path.join(out, d))   # our own folders only; minimal/ stays

    def folder(name):
        return os.path.join(out, name)

    # 1. lateral lumbar CR, MONOCHROME1, JPEG Lossless SV1, one fracture
    ph = make_radiograph(20001, modality="CR", field_of_view="lumbar", photometric="MONOCHROME1",
                         bits_stored=12, fractures={"L1": (2, "wedge")}, **RG)
    save(folder("01-cr-lumbar-mono1-jpegll"), "lateral", ph, "jpeg-lossless")

    # 2. lateral thoracolumbar DX, Explicit VR LE, scattered fractures
    ph = make_radiograph(20002, modality="DX", field_of_view="thoracolumbar", photometric="MONOCHROME2",
                         bits_stored=14, fractures={"T8": (1, "biconcave"), "T12": (2, "wedge"),
                                                    "L2": (1, "crush")}, **RG)
    save(folder("02-dx-thoracolumbar-explicit"), "lateral", ph, "explicit")

    # 3. thoracic DX with a PLAO-like run of 6 contiguous fractures
    run = {"T5": (1, "wedge"), "T6": (2, "biconcave"), "T7": (3, "wedge"), "T8": (2, "wedge"),
           "T9": (2, "biconcave"), "T10": (1, "biconcave")}
    ph = make_radiograph(20003, modality="DX", field_of_view="thoracic", photometric="MONOCHROME2",
                         bits_stored=12, fractures=run, osteopenia=0.9, **RG)
    save(folder("03-dx-thoracic-plao-run"), "lateral", ph, "jpeg-lossless")

    # 4. a normal spine (no fracture), CR Implicit VR LE
    ph = make_radiograph(20004, modality="CR", field_of_view="thoracolumbar", photometric="MONOCHROME2",
                         bits_stored=10, scenario="normal", osteopenia=0.2, **RG)
    save(folder("04-cr-normal-implicit"), "lateral", ph, "implicit")

    # 5. one study: a chest PA (skip) and a lateral thoracic view (measure)
    chest = make_chest_pa(20005, modality="DX", photometric="MONOCHROME2", bits_stored=12,
                          series_number=1, **RG)
    st = {k: chest.dicom["study"][k] for k in STUDY_KEYS}
    st["study_description"] = "XR CHEST AND SPINE"
    chest = make_chest_pa(20005, modality="DX", photometric="MONOCHROME2", bits_stored=12,
                          series_number=1, study=st, **RG)
    lat = make_radiograph(20006, modality="DX", field_of_view="thoracic", photometric="MONOCHROME2",
                          bits_stored=12, fractures={"T11": (2, "wedge"), "T12": (1, "biconcave")},
                          series_number=2, study=st, **RG)
    save(folder("05-chest-pa-skip-plus-lateral"), "chest-pa", chest, "jpeg-lossless")
    save(folder("05-chest-pa-skip-plus-lateral"), "lateral", lat, "jpeg-lossless")

    # 6. frontal (AP) lumbar spine: must be skipped
    ph = make_frontal_spine(20007, modality="CR", field_of_view="lumbar", photometric="MONOCHROME1",
                            bits_stored=12, **RG)
    save(folder("06-cr-frontal-spine-skip"), "frontal", ph, "jpeg-lossless")

    # 7. sagittal MR T1/T2/STIR with an acute L1 fracture and an old T12 one
    study = make_mr_study(20008, matrix=256, n_slices=11, field_of_view="lumbar",
                          fractures={"L1": (2, "wedge", True), "T12": (1, "biconcave", False)})
    for w, series in study.items():
        for k, ph in enumerate(series):
            save(os.path.join(folder("07-mr-sagittal-acute"), w), "%s-%02d" % (w, k + 1), ph,
                 "explicit" if w == "T2" else "jpeg-lossless")

    # 8. lateral radiograph without any pixel spacing attribute
    ph = make_radiograph(20009, modality="CR", field_of_view="lumbar", photometric="MONOCHROME2",
                         bits_stored=12, include_spacing=False, fractures={"L3": (1, "biconcave")}, **RG)
    save(folder("08-cr-no-pixel-spacing"), "lateral", ph, "jpeg-lossless")
    print("sample data written to", out)


if __name__ == "__main__":
    main()
