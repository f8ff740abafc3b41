#!/usr/bin/python3
"""Reference values for the NIfTI reader tests, computed with nibabel 5.0.0 and numpy 1.24.2
(Debian bookworm packages python3-nibabel, python3-numpy). Run from the repository root:

    /usr/bin/python3 tests/NeuroLab.Formats.Tests/Reference/nifti_reference.py

It reads every NIfTI file in ../shared/data, writes nifti_reference.json next to this script, and
writes small synthetic fixtures (other datatypes, big-endian, NIfTI-2, .hdr/.img pairs, scaling)
into tests/NeuroLab.Formats.Tests/Fixtures/nifti/.
"""
import glob
import json
import os

import nibabel as nib
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.abspath(os.path.join(here, "..", "..", ".."))
data = os.path.abspath(os.path.join(repo, "..", "shared", "data"))
fixtures = os.path.join(repo, "tests", "NeuroLab.Formats.Tests", "Fixtures", "nifti")
os.makedirs(fixtures, exist_ok=True)


def describe(path, rel):
    img = nib.load(path)
    hdr = img.header
    raw = np.asanyarray(img.dataobj.get_unscaled())
    scaled = np.asarray(img.get_fdata(dtype=np.float64))
    shape = list(raw.shape)
    # A few voxels: corners and a central voxel, first volume.
    probes = []
    idx_sets = [tuple(0 for _ in shape), tuple(s - 1 for s in shape), tuple(s // 2 for s in shape)]
    for idx in idx_sets:
        probes.append({"index": [int(i) for i in idx], "raw": float(raw[idx].real if np.iscomplexobj(raw) else raw[idx]), "scaled": float(scaled[idx])})
    nz = np.argwhere(raw != 0)
    if len(nz):
        idx = tuple(int(i) for i in nz[len(nz) // 3])
        probes.append({"index": list(idx), "raw": float(raw[idx]), "scaled": float(scaled[idx])})
    # nibabel moves scaling from the loaded header into the array proxy.
    slope, inter = float(img.dataobj.slope), float(img.dataobj.inter)
    if slope == 1.0 and inter == 0.0:
        slope, inter = None, None
    zooms = [float(z) for z in hdr.get_zooms()]
    units = hdr.get_xyzt_units()
    return {
        "file": rel,
        "version": 2 if isinstance(hdr, nib.Nifti2Header) else 1,
        "shape": shape,
        "dtype": str(hdr.get_data_dtype().newbyteorder("=").name),
        "big_endian": hdr.endianness == ">",
        "zooms": zooms,
        "xyzt_units": list(units),
        "qform_code": int(hdr["qform_code"]),
        "sform_code": int(hdr["sform_code"]),
        "qform": np.asarray(hdr.get_qform()).tolist(),
        "sform": np.asarray(hdr.get_sform()).tolist(),
        "best_affine": np.asarray(hdr.get_best_affine()).tolist(),
        "axcodes": "".join(nib.aff2axcodes(hdr.get_best_affine())),
        "slope": None if slope is None or np.isnan(slope) else float(slope),
        "inter": None if inter is None or np.isnan(inter) else float(inter),
        "raw_sum": float(np.sum(raw.astype(np.float64).real)),
        "scaled_sum": float(np.sum(scaled)),
        "vox_offset": float(hdr["vox_offset"]) if "vox_offset" in hdr else None,
        "descrip": hdr["descrip"].item().decode("latin-1").rstrip("\x00"),
        "probes": probes,
    }


files = sorted(glob.glob(os.path.join(data, "**", "*.nii*"), recursive=True))
files = [f for f in files if f.endswith(".nii") or f.endswith(".nii.gz")]

# Synthetic fixtures covering what the real files lack.
rng = np.random.default_rng(20261128)
affine = np.array([[-2.0, 0, 0, 90], [0, 2.0, 0, -126], [0, 0, 2.0, -72], [0, 0, 0, 1]])
shape = (3, 4, 5)
for dt in ["uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64", "float32", "float64", "complex64", "complex128"]:
    if dt.startswith("complex"):
        arr = (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(dt)
    elif dt.startswith("float"):
        arr = rng.normal(size=shape).astype(dt)
    else:
        info = np.iinfo(dt)
        arr = rng.integers(max(info.min, -1000), min(info.max, 1000), size=shape, endpoint=True).astype(dt)
    img = nib.Nifti1Image(arr, affine, dtype=dt)
    nib.save(img, os.path.join(fixtures, f"dtype_{dt}.nii"))
# Big-endian int16 with scaling, 4D with TR 2.0 s.
arr = rng.integers(-500, 500, size=(4, 3, 2, 5)).astype(">i2")
hdr = nib.Nifti1Header(endianness=">")
img = nib.Nifti1Image(arr, affine, header=hdr)
img.header.set_data_dtype(">i2")
img.header.set_slope_inter(0.5, 10.0)
img.header.set_xyzt_units("mm", "sec")
img.header["pixdim"][4] = 2.0
nib.save(img, os.path.join(fixtures, "bigendian_int16_scaled_4d.nii.gz"))
# NIfTI-2, float32, oblique qform only.
arr = rng.normal(size=(5, 4, 3)).astype(np.float32)
img2 = nib.Nifti2Image(arr, None)
theta = 0.3
rot = np.array([[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0], [0, 0, 1]])
qaff = np.eye(4)
qaff[:3, :3] = rot @ np.diag([1.5, 1.5, 3.0])
qaff[:3, 3] = [10, -20, 30]
img2.set_qform(qaff, code=1)
img2.set_sform(None, code=0)
img2.header.set_xyzt_units("mm", "msec")
img2.header["pixdim"][4] = 1500.0
nib.save(img2, os.path.join(fixtures, "nifti2_float32_qform.nii"))
# NIfTI-1 pair (.hdr/.img), uint8, no qform/sform (falls back to the base affine).
arr = rng.integers(0, 255, size=(6, 5, 4)).astype(np.uint8)
pair = nib.Nifti1Pair(arr, None)
pair.set_qform(None, code=0)
pair.set_sform(None, code=0)
pair.header.set_zooms((2.0, 3.0, 4.0))
nib.save(pair, os.path.join(fixtures, "pair_uint8.hdr"))


# nibabel recomputes scaling and affines on save, so two variants are made by patching header bytes:
# scl_slope/scl_inter on a big-endian 4D int16 file, and no qform/sform at all on the .hdr/.img pair
# (readers then fall back to the base affine from pixdim).
import gzip
import struct

arr = rng.integers(-500, 500, size=(4, 3, 2, 5)).astype(">i2")
img = nib.Nifti1Image(arr, affine, header=nib.Nifti1Header(endianness=">"), dtype=">i2")
img.header.set_xyzt_units("mm", "sec")
img.header["pixdim"][4] = 2.0
scaled_path = os.path.join(fixtures, "bigendian_int16_slope_4d.nii")
nib.save(img, scaled_path)
with open(scaled_path, "r+b") as fh:
    fh.seek(112)
    fh.write(struct.pack(">ff", 0.5, 10.0))
with open(os.path.join(fixtures, "pair_uint8.hdr"), "r+b") as fh:
    fh.seek(252)
    fh.write(struct.pack("<hh", 0, 0))

fixture_files = sorted(glob.glob(os.path.join(fixtures, "*.nii*")) + glob.glob(os.path.join(fixtures, "*.hdr")))

out = {
    "generator": "nibabel " + nib.__version__ + ", numpy " + np.__version__,
    "real": [describe(f, os.path.relpath(f, data)) for f in files],
    "fixtures": [describe(f, os.path.basename(f)) for f in fixture_files],
}
with open(os.path.join(here, "nifti_reference.json"), "w") as fh:
    json.dump(out, fh, indent=1)
print(f"{len(out['real'])} real files, {len(out['fixtures'])} fixtures")
