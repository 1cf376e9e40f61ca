"""PlaoImaging phantom generators: lateral spine radiographs (CR/DX) and
sagittal spine MR (T1/T2/STIR) with exact vertebral morphometry truth, plus
chest PA and frontal spine views that the pipeline must skip.

Main entry points (see training/README.md):

    phantoms.radiograph.make_radiograph(rng, **overrides) -> Phantom
    phantoms.mr.make_mr_series(rng, weighting, **overrides) -> list[Phantom]
    phantoms.mr.make_mr_study(rng, weightings=("T1","T2","STIR"), **overrides) -> dict
    phantoms.other_views.make_chest_pa(rng, **overrides) -> Phantom
    phantoms.other_views.make_frontal_spine(rng, **overrides) -> Phantom
    phantoms.dicom_io.write_dicom(phantom, path, transfer_syntax="explicit")
    phantoms.validate.check_phantom(phantom) -> list of problems
"""

from .common import Phantom  # noqa: F401
from .dicom_io import write_dicom  # noqa: F401
from .mr import make_mr_series, make_mr_study  # noqa: F401
from .other_views import make_chest_pa, make_frontal_spine  # noqa: F401
from .radiograph import make_radiograph  # noqa: F401
from .validate import check_phantom  # noqa: F401
