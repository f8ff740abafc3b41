#!/usr/bin/python3
"""Reference values for the files NeuroLab writes, read by independent readers: nibabel 5.0.0 and numpy 1.24.2
(Debian bookworm packages python3-nibabel, python3-numpy) and Python's csv module. Run from the repository root:

    NEUROLAB_WRITE_FIXTURES=1 dotnet test tests/NeuroLab.Compute.Tests --filter "FullyQualifiedName~WrittenFilesTests"
    /usr/bin/python3 tests/NeuroLab.Compute.Tests/Reference/written_files_reference.py

The first line (re)writes tests/NeuroLab.Compute.Tests/Fixtures/written/ with NeuroLab's writers (see
WrittenFiles/WrittenFixtures.cs); this script reads them and writes written_files_reference.json next to itself.
Non-finite numbers are written as the strings "nan", "inf", "-inf" (JSON has no NaN).
"""
import csv
import gzip
import json
import math
import os

import nibabel as nib
import numpy as np
from nibabel.affines import apply_affine

here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, "..", "Fixtures", "written")


def num(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def nums(values):
    return [num(v) for v in np.asarray(values).ravel(order="C")]


def nifti(name):
    path = os.path.join(fixtures, name)
    img = nib.load(path)
    data = np.asanyarray(img.dataobj)
    # The header as stored (nibabel moves vox_offset and scaling from the loaded image's header into its data proxy).
    with gzip.open(path, "rb") as f:
        raw = f.read(352)
        f.seek(0)
        hdr = nib.Nifti1Header.from_fileobj(f)
    finite = np.argwhere(np.isfinite(data))
    voxels = [[int(i) for i in idx] for idx in finite]
    return {
        "nibabel": nib.__version__,
        "sizeof_hdr": int(hdr["sizeof_hdr"]),
        "magic": hdr["magic"].item().decode("ascii"),
        "vox_offset": float(hdr["vox_offset"]),
        "datatype": int(hdr["datatype"]),
        "bitpix": int(hdr["bitpix"]),
        "dtype": str(data.dtype),
        "shape": [int(s) for s in data.shape],
        "pixdim": nums(hdr["pixdim"][1:4]),
        "xyzt_units": int(hdr["xyzt_units"]),
        "sform_code": int(hdr["sform_code"]),
        "qform_code": int(hdr["qform_code"]),
        "sform": [nums(row) for row in hdr.get_sform()],
        "qform": [nums(row) for row in hdr.get_qform()],
        "affine": [nums(row) for row in img.affine],
        "scl_slope": num(hdr["scl_slope"]),
        "scl_inter": num(hdr["scl_inter"]),
        "descrip": hdr["descrip"].item().decode("ascii").rstrip("\x00"),
        "little_endian": raw[:4] == (348).to_bytes(4, "little"),
        "nan_count": int(np.isnan(data).sum()),
        # Finite voxels in C order of (i, j, k), their values and world positions (mm) through the affine.
        "finite_voxels": voxels,
        "finite_values": [num(data[tuple(v)]) for v in voxels],
        "finite_world": [nums(apply_affine(img.affine, v)) for v in voxels],
    }


def npy(name):
    path = os.path.join(fixtures, name)
    array = np.load(path, allow_pickle=False)
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        header = np.lib.format._read_array_header(f, version)
    return {
        "numpy": np.__version__,
        "version": list(version),
        "descr": np.lib.format.dtype_to_descr(header[2]),
        "fortran_order": bool(header[1]),
        "shape": [int(s) for s in array.shape],
        "values_c_order": nums(array),
    }


def table(name, numeric):
    with open(os.path.join(fixtures, name), newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    # The numeric columns as Python's float() parses them (as pandas.read_csv would).
    return {"header": rows[0], "rows": rows[1:], "numbers": [[num(float(row[c])) for c in numeric] for row in rows[1:]]}


def gifti(name):
    img = nib.load(os.path.join(fixtures, name))
    return {
        "nibabel": nib.__version__,
        "meta": dict(img.meta),
        "arrays": [
            {
                "intent": nib.nifti1.intent_codes.niistring[a.intent],
                "dtype": str(a.data.dtype),
                "shape": [int(s) for s in a.data.shape],
                "name": dict(a.meta).get("Name"),
                "values": nums(a.data),
            }
            for a in img.darrays
        ],
    }


reference = {
    "unit_map.nii.gz": nifti("unit_map.nii.gz"),
    "predictions_f32.npy": npy("predictions_f32.npy"),
    "coordinates_i32.npy": npy("coordinates_i32.npy"),
    "fortran_f32.npy": npy("fortran_f32.npy"),
    "values_f64.npy": npy("values_f64.npy"),
    "units.csv": table("units.csv", [0, 1, 2, 3]),
    "captions.csv": table("captions.csv", [0, 1, 2]),
    "surface_map.gii": gifti("surface_map.gii"),
}
with open(os.path.join(here, "written_files_reference.json"), "w") as f:
    json.dump(reference, f, indent=1)
    f.write("\n")
