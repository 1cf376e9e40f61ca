"""Synthetic patient / study attributes shared by all generators."""

from __future__ import annotations

import datetime as _dt

from .common import make_uid, substream


def patient_study(seed: int, study: dict | None = None) -> dict:
    """Patient and study attributes drawn from the seed. ``study`` may
    override any key (e.g. to put several phantoms into one study:
    study_instance_uid, patient_number, study_date, ...)."""
    rng = substream(seed, "patient")
    age = int(rng.integers(28, 39))
    day0 = _dt.date(2024, 1, 1) + _dt.timedelta(days=int(rng.integers(0, 900)))
    birth = day0 - _dt.timedelta(days=int(age * 365.25 + rng.integers(1, 360)))
    secs = int(rng.integers(7 * 3600, 19 * 3600))
    out = {
        "patient_number": seed % 10000,
        "patient_age": age,
        "patient_birth_date": birth.strftime("%Y%m%d"),
        "patient_sex": "F",
        "study_date": day0.strftime("%Y%m%d"),
        "study_time": "%02d%02d%02d" % (secs // 3600, secs // 60 % 60, secs % 60),
        "accession_number": "PH%08d" % int(rng.integers(0, 10**8)),
        "study_id": "%d" % int(rng.integers(1, 99999)),
        "study_instance_uid": make_uid(seed, "study"),
        "study_description": None,
        "frame_of_reference_uid": make_uid(seed, "for"),
    }
    if study:
        unknown = set(study) - set(out)
        if unknown:
            raise TypeError("unknown study keys %s" % sorted(unknown))
        out.update(study)
    out["patient_name"] = "PHANTOM^%04d" % out["patient_number"]
    out["patient_id"] = "PHANTOM-%04d" % out["patient_number"]
    return out
