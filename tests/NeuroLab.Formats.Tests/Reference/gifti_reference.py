#!/usr/bin/python3
"""Reference values and fixtures for the GIFTI reader.

Run with Debian's Python (nibabel 5.0.0, numpy 1.24.2):  /usr/bin/python3 gifti_reference.py
Writes gifti_reference.json beside this script and small fixture files under ../Fixtures/gifti/.
The C# tests only read those outputs; they never run Python.

Every file (real or fixture) is described by what nibabel 5.0.0 reads from it. nibabel writes only
machine-endian data and cannot write ExternalFileBinary, so bigendian.gii and external.gii are
made here by editing nibabel's output; nibabel then reads them back to produce their reference.
"""
import base64
import gzip
import json
import os
import pathlib
import re
import zlib

import nibabel as nib
import numpy as np
from nibabel.gifti import GiftiCoordSystem, GiftiDataArray, GiftiImage, GiftiLabel, GiftiLabelTable, GiftiMetaData
from nibabel.gifti.util import array_index_order_codes, gifti_encoding_codes
from nibabel.nifti1 import data_type_codes, intent_codes, xform_codes

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[2]
SHARED = pathlib.Path(os.environ.get("NEUROLAB_SHARED_DATA", REPO.parent / "shared" / "data"))
FIXTURES = HERE.parent / "Fixtures" / "gifti"


def value_string(v):
    # Complex elements give their real part here, like NumericArray.GetDouble.
    if isinstance(v, (np.integer, int)):
        return str(int(v))
    return repr(float(np.real(v)))


def element_strings(a):
    # Complex elements give two strings (real, imaginary), NumericArray's storage layout.
    out = []
    for v in a.ravel(order="C"):
        if np.iscomplexobj(v):
            out += [repr(float(v.real)), repr(float(v.imag))]
        else:
            out.append(value_string(v))
    return out


def describe_array(da, rng):
    a = np.asarray(da.data)
    entry = {
        "intent": intent_codes.niistring[da.intent],
        "datatype": data_type_codes.niistring[da.datatype],
        "dtype": str(a.dtype.newbyteorder("=")),
        "shape": list(a.shape),
        "ordering": array_index_order_codes.label[da.ind_ord],
        "encoding": gifti_encoding_codes.specs[da.encoding],
        "meta": dict(da.meta.items()) if da.meta is not None else {},
        "coordsys": [],
    }
    if da.coordsys is not None:
        entry["coordsys"].append({
            "dataspace": xform_codes.niistring[da.coordsys.dataspace],
            "xformspace": xform_codes.niistring[da.coordsys.xformspace],
            "xform": [float(x) for x in np.asarray(da.coordsys.xform).ravel(order="C")],
        })
    samples = [[0] * a.ndim, [d - 1 for d in a.shape]]
    for _ in range(4):
        samples.append([int(rng.integers(0, d)) for d in a.shape])
    entry["samples"] = [{"index": s, "value": value_string(a[tuple(s)])} for s in samples]
    if a.size <= 64:
        entry["values"] = element_strings(a)
    real = np.real(a).astype(np.float64)
    entry["sum"] = float(real.sum())
    entry["min"] = float(real.min())
    entry["max"] = float(real.max())
    return entry


def describe_image(img, name):
    rng = np.random.default_rng(sum(name.encode()))
    return {
        "file": name,
        "meta": dict(img.meta.items()) if img.meta is not None else {},
        "labels": [
            {"key": int(l.key), "label": l.label, "rgba": [None if c is None else float(c) for c in l.rgba]}
            for l in (img.labeltable.labels if img.labeltable is not None else [])
        ],
        "arrays": [describe_array(da, rng) for da in img.darrays],
    }


def real_files():
    result = []
    for path in sorted((SHARED / "templates" / "fsaverage5").glob("*.gii.gz")):
        img = GiftiImage.from_bytes(gzip.decompress(path.read_bytes()))
        result.append(describe_image(img, "templates/fsaverage5/" + path.name))
    return result


def save(img, name):
    img.to_filename(str(FIXTURES / name))
    return FIXTURES / name


def tetrahedron(encoding):
    points = np.array([[0, 0, 0], [1.5, 0, 0], [0, -2.25, 0], [0, 0, 3.125]], dtype=np.float32)
    faces = np.array([[0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3]], dtype=np.int32)
    xform = np.array([[1, 0, 0, -10], [0, 2, 0, 20.5], [0, 0, 1, -30], [0, 0, 0, 1]], dtype=np.float64)
    pts = GiftiDataArray(
        points, intent="NIFTI_INTENT_POINTSET", datatype="NIFTI_TYPE_FLOAT32", encoding=encoding,
        meta=GiftiMetaData({"AnatomicalStructurePrimary": "CortexLeft", "GeometricType": "Anatomical"}),
        coordsys=GiftiCoordSystem(dataspace=1, xformspace=4, xform=xform))
    tri = GiftiDataArray(faces, intent="NIFTI_INTENT_TRIANGLE", datatype="NIFTI_TYPE_INT32", encoding=encoding)
    return GiftiImage(darrays=[pts, tri], meta=GiftiMetaData({"Description": "tetrahedron & <test>", "Subject": "s01"}))


def fixtures():
    made = []
    made.append(save(tetrahedron("GIFTI_ENCODING_ASCII"), "ascii_surface.gii"))
    made.append(save(tetrahedron("GIFTI_ENCODING_B64BIN"), "base64_surface.gii"))

    labels = GiftiLabelTable()
    for key, text, rgba in ((0, "???", (0, 0, 0, 0)), (1, "V1", (1, 0, 0, 1)), (2, "MT", (0, 0.5, 1, 1))):
        label = GiftiLabel(key=key, red=rgba[0], green=rgba[1], blue=rgba[2], alpha=rgba[3])
        label.label = text
        labels.labels.append(label)
    label_array = GiftiDataArray(np.array([0, 1, 1, 2, 0, 2], dtype=np.int32), intent="NIFTI_INTENT_LABEL",
                                 datatype="NIFTI_TYPE_INT32", encoding="GIFTI_ENCODING_B64BIN")
    img = GiftiImage(darrays=[label_array], labeltable=labels)
    made.append(save(img, "base64_labels.gii"))

    typed = []
    for dtype, code, values in (
        (np.uint8, "NIFTI_TYPE_UINT8", [0, 1, 200, 255]),
        (np.int8, "NIFTI_TYPE_INT8", [-128, -1, 0, 127]),
        (np.int16, "NIFTI_TYPE_INT16", [[-32768, 2, 3], [4, 5, 32767]]),
        (np.uint16, "NIFTI_TYPE_UINT16", [0, 65535]),
        (np.uint32, "NIFTI_TYPE_UINT32", [0, 4294967295]),
        (np.int64, "NIFTI_TYPE_INT64", [-9223372036854775808, 9223372036854775807]),
        (np.uint64, "NIFTI_TYPE_UINT64", [0, 18446744073709551615]),
        (np.float64, "NIFTI_TYPE_FLOAT64", [np.pi, -1e300, 5e-324]),
        (np.complex64, "NIFTI_TYPE_COMPLEX64", [1 + 2j, -0.5j]),
    ):
        typed.append(GiftiDataArray(np.array(values, dtype=dtype), intent="NIFTI_INTENT_NONE", datatype=code,
                                    encoding="GIFTI_ENCODING_B64BIN"))
    made.append(save(GiftiImage(darrays=typed), "base64_types.gii"))

    col = [
        GiftiDataArray(np.arange(12, dtype=np.float32).reshape(3, 4) * 0.5, intent="NIFTI_INTENT_NONE",
                       datatype="NIFTI_TYPE_FLOAT32", ordering="ColumnMajorOrder"),
        GiftiDataArray(np.arange(12, dtype=np.int16).reshape(2, 3, 2) - 6, intent="NIFTI_INTENT_NONE",
                       datatype="NIFTI_TYPE_INT16", ordering="ColumnMajorOrder", encoding="GIFTI_ENCODING_B64BIN"),
    ]
    made.append(save(GiftiImage(darrays=col), "colmajor.gii"))

    series = [GiftiDataArray(np.linspace(0, 1, 5, dtype=np.float32) + t, intent="NIFTI_INTENT_TIME_SERIES",
                             datatype="NIFTI_TYPE_FLOAT32") for t in range(3)]
    made.append(save(GiftiImage(darrays=series), "timeseries.gii"))

    # Big-endian: nibabel writes machine order only, so swap the payloads and the Endian attribute.
    be = [
        GiftiDataArray(np.array([[1.5, -2, 3], [4, 5e-3, -6e10]], dtype=np.float32), intent="NIFTI_INTENT_NONE",
                       datatype="NIFTI_TYPE_FLOAT32", encoding="GIFTI_ENCODING_B64BIN"),
        GiftiDataArray(np.array([1, -2, 70000, -2147483648], dtype=np.int32), intent="NIFTI_INTENT_NONE",
                       datatype="NIFTI_TYPE_INT32", encoding="GIFTI_ENCODING_B64GZ"),
        GiftiDataArray(np.array([np.e, -1e-300], dtype=np.float64), intent="NIFTI_INTENT_NONE",
                       datatype="NIFTI_TYPE_FLOAT64", encoding="GIFTI_ENCODING_B64BIN"),
    ]
    xml = GiftiImage(darrays=be).to_xml().decode()
    payloads = [
        base64.b64encode(be[0].data.astype(">f4").tobytes()).decode(),
        base64.b64encode(zlib.compress(be[1].data.astype(">i4").tobytes())).decode(),
        base64.b64encode(be[2].data.astype(">f8").tobytes()).decode(),
    ]
    parts = re.split(r"(<Data>.*?</Data>)", xml, flags=re.S)
    data_parts = [i for i, p in enumerate(parts) if p.startswith("<Data>")]
    for i, payload in zip(data_parts, payloads):
        parts[i] = "<Data>" + payload + "</Data>"
    xml = "".join(parts).replace('Endian="LittleEndian"', 'Endian="BigEndian"')
    (FIXTURES / "bigendian.gii").write_text(xml)
    made.append(FIXTURES / "bigendian.gii")

    # ExternalFileBinary: raw little-endian float32 at offset 8 of a data file beside the .gii.
    ext = GiftiDataArray(np.array([[0.25, -1, 2], [3, 4, -5.5]], dtype=np.float32), intent="NIFTI_INTENT_NONE",
                         datatype="NIFTI_TYPE_FLOAT32", encoding="GIFTI_ENCODING_B64BIN")
    xml = GiftiImage(darrays=[ext]).to_xml().decode()
    xml = xml.replace('Encoding="Base64Binary"', 'Encoding="ExternalFileBinary"')
    xml = xml.replace('ExternalFileName=""', 'ExternalFileName="external.gii.dat"')
    xml = xml.replace('ExternalFileOffset="0"', 'ExternalFileOffset="8"')
    xml = re.sub(r"<Data>.*?</Data>", "<Data />", xml, flags=re.S)
    (FIXTURES / "external.gii").write_text(xml)
    (FIXTURES / "external.gii.dat").write_bytes(b"HEADER!!" + ext.data.astype("<f4").tobytes() + b"tail")
    made.append(FIXTURES / "external.gii")

    # A gzipped .gii (the whole XML compressed), like the fsaverage files, from a nibabel file.
    (FIXTURES / "ascii_surface.gii.gz").write_bytes(gzip.compress((FIXTURES / "ascii_surface.gii").read_bytes(), mtime=0))
    made.append(FIXTURES / "ascii_surface.gii.gz")

    result = []
    for path in made:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        img = nib.load(str(path)) if path.suffix == ".gii" else GiftiImage.from_bytes(raw)
        result.append(describe_image(img, path.name))
    return result


def main():
    FIXTURES.mkdir(parents=True, exist_ok=True)
    reference = {
        "generator": "tests/NeuroLab.Formats.Tests/Reference/gifti_reference.py",
        "nibabel_version": nib.__version__,
        "numpy_version": np.__version__,
        "real": real_files(),
        "fixtures": fixtures(),
    }
    with open(HERE / "gifti_reference.json", "w") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
