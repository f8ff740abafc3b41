#!/usr/bin/python3
"""Reference values and fixtures for the NumPy .npy/.npz readers and writer.

Run with Debian's Python (numpy 1.24.2):  /usr/bin/python3 npy_reference.py
Writes npy_reference.json beside this script and small fixture files under ../Fixtures/npy/.
The C# tests only read those outputs; they never run Python.

Values are written as strings (Python repr of each element) so 64-bit integers, NaN, infinities and
the exact float64 bits survive JSON. Complex elements give two strings (real, imaginary), the same
layout as NeuroLab's NumericArray. "values" are in logical C order (numpy ravel(order='C')).
"""
import json
import os
import pathlib

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[2]
SHARED = pathlib.Path(os.environ.get("NEUROLAB_SHARED_DATA", REPO.parent / "shared" / "data"))
FIXTURES = HERE.parent / "Fixtures" / "npy"


def element_strings(a):
    flat = np.asarray(a).ravel(order="C")
    out = []
    for v in flat:
        if np.iscomplexobj(flat):
            out.append(repr(float(v.real)))
            out.append(repr(float(v.imag)))
        elif flat.dtype == np.bool_:
            out.append("1" if v else "0")
        elif flat.dtype.kind in "iu":
            out.append(str(int(v)))
        else:
            out.append(repr(float(v)))
    return out


def storage_strings(a):
    a = np.asarray(a)
    order = "F" if (a.flags.f_contiguous and not a.flags.c_contiguous) else "C"
    return element_strings(a.ravel(order=order))


def describe(a):
    return {
        "descr": a.dtype.str,
        "shape": list(a.shape),
        "fortran_order": bool(a.flags.f_contiguous and not a.flags.c_contiguous),
    }


def real_files():
    result = []
    for path in sorted((SHARED / "allen-v1").glob("*.npy")):
        a = np.load(path)
        rng = np.random.default_rng(len(path.name))
        samples = [[0] * a.ndim, [d - 1 for d in a.shape]]
        for _ in range(4):
            samples.append([int(rng.integers(0, d)) for d in a.shape])
        entry = {"file": "allen-v1/" + path.name, **describe(a)}
        entry["version"] = [int(b) for b in open(path, "rb").read(8)[6:8]]
        entry["samples"] = [{"index": s, "value": repr(float(a[tuple(s)]))} for s in samples]
        entry["sum"] = float(a.sum(dtype=np.float64))
        entry["min"] = float(a.min())
        entry["max"] = float(a.max())
        result.append(entry)
    return result


def base_values(n):
    # Signed, fractional and larger magnitudes so every byte of each element matters.
    return np.array([0, 1, -2, 3.5, -4.25, 100, 127, -128, 1000.125, 42, 7, -7][:n])


def dtype_fixtures():
    specs = [
        ("|b1", np.array([[True, False, True], [False, False, True]])),
        ("|i1", np.array([[0, 1, -2], [127, -128, 5]])),
        ("|u1", np.array([[0, 1, 2], [127, 128, 255]])),
        ("<i2", np.array([[0, -1, 2], [32767, -32768, 300]])),
        (">i2", np.array([[0, -1, 2], [32767, -32768, 300]])),
        ("<u2", np.array([[0, 1, 2], [65535, 256, 300]])),
        (">u2", np.array([[0, 1, 2], [65535, 256, 300]])),
        ("<i4", np.array([[0, -1, 2], [2147483647, -2147483648, 70000]])),
        (">i4", np.array([[0, -1, 2], [2147483647, -2147483648, 70000]])),
        ("<u4", np.array([[0, 1, 2], [4294967295, 65536, 70000]])),
        (">u4", np.array([[0, 1, 2], [4294967295, 65536, 70000]])),
        ("<i8", np.array([[0, -1, 2], [9223372036854775807, -9223372036854775808, 1 << 40]])),
        (">i8", np.array([[0, -1, 2], [9223372036854775807, -9223372036854775808, 1 << 40]])),
        ("<u8", np.array([[0, 1, 2], [18446744073709551615, 1 << 63, 1 << 40]], dtype=np.uint64)),
        (">u8", np.array([[0, 1, 2], [18446744073709551615, 1 << 63, 1 << 40]], dtype=np.uint64)),
        ("<f2", np.array([[0, -1.5, 65504], [6.1e-05, 5.96e-08, np.inf]])),
        (">f2", np.array([[0, -1.5, 65504], [6.1e-05, 5.96e-08, -np.inf]])),
        ("<f4", np.array([[0, -1.5, 3.4e38], [1e-45, np.pi, np.nan]])),
        (">f4", np.array([[0, -1.5, 3.4e38], [1e-45, np.pi, -np.inf]])),
        ("<f8", np.array([[0, -1.5, 1.7976931348623157e308], [5e-324, np.pi, np.nan]])),
        (">f8", np.array([[-0.0, -1.5, 1e300], [5e-324, np.e, np.inf]])),
        ("<c8", np.array([[1 + 2j, -3.5j, 0], [np.pi - 1j, 1e30 + 1e-30j, -1]])),
        (">c8", np.array([[1 + 2j, -3.5j, 0], [np.pi - 1j, 1e30 + 1e-30j, -1]])),
        ("<c16", np.array([[1 + 2j, -3.5j, 0], [np.pi - 1j, 1e300 + 1e-300j, -1]])),
        (">c16", np.array([[1 + 2j, -3.5j, 0], [np.pi - 1j, 1e300 + 1e-300j, -1]])),
    ]
    result = []
    for descr, values in specs:
        a = values.astype(np.dtype(descr))
        name = "dtype_" + descr.replace("<", "le_").replace(">", "be_").replace("|", "na_") + ".npy"
        np.save(FIXTURES / name, a)
        entry = {"file": name, **describe(a), "version": [1, 0], "values": element_strings(a)}
        if a.dtype.kind == "f" and a.dtype.itemsize == 2:
            # The reader widens half floats to float32; the exact float32 values numpy gives:
            entry["values"] = element_strings(a.astype(np.float32))
        result.append(entry)
    return result


def layout_fixtures():
    result = []

    def save(name, a, version=None):
        np.lib.format.write_array(open(FIXTURES / name, "wb"), a, version=version)
        entry = {"file": name, **describe(a), "values": element_strings(a)}
        entry["version"] = list(version or (1, 0))
        result.append(entry)

    save("fortran_f4_3x4.npy", np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4) * 1.5 - 2))
    save("fortran_be_i2_2x3x4.npy", np.asfortranarray(np.arange(24, dtype=">i2").reshape(2, 3, 4) * 111 - 1000))
    save("v2_f8.npy", np.linspace(-1, 1, 7), version=(2, 0))
    save("v3_i4_2x2.npy", np.array([[1, -2], [3, -4]], dtype="<i4"), version=(3, 0))
    save("scalar_f8.npy", np.array(2.718281828459045))
    save("empty_i8_0x3.npy", np.zeros((0, 3), dtype=np.int64))
    save("ones_u1_1x1x5.npy", np.ones((1, 1, 5), dtype=np.uint8))
    return result


def reject_fixtures():
    specs = [
        ("object.npy", np.array([{"a": 1}, "text", None], dtype=object), "|O"),
        ("structured.npy", np.zeros(3, dtype=[("x", "<i4"), ("y", "<f8")]), "[("),
        ("unicode.npy", np.array(["ab", "cde"]), "<U3"),
        ("bytes.npy", np.array([b"ab", b"cde"]), "|S3"),
        ("datetime.npy", np.array(["2020-01-01", "2021-06-30"], dtype="datetime64[D]"), "<M8[D]"),
        ("longdouble.npy", np.array([1.0, 2.0], dtype=np.longdouble), np.dtype(np.longdouble).str),
    ]
    result = []
    for name, a, shown in specs:
        np.save(FIXTURES / name, a, allow_pickle=True)
        result.append({"file": name, "descr_in_message": shown})
    return result


def npz_fixtures():
    arrays = {
        "zeta": np.arange(6, dtype=np.float64).reshape(2, 3) / 4,
        "alpha": np.array([1, -2, 3], dtype=">i4"),
        "mask": np.array([True, False]),
        "grid": np.asfortranarray(np.arange(6, dtype=np.int16).reshape(3, 2)),
        "big_zeros": np.zeros(4000, dtype=np.float32),
    }
    result = []
    for name, save in (("arrays.npz", np.savez), ("arrays_compressed.npz", np.savez_compressed)):
        save(FIXTURES / name, **arrays)
        with np.load(FIXTURES / name) as z:
            entries = []
            for key in z.files:
                a = z[key]
                entry = {"name": key, **describe(a)}
                if a.size <= 64:
                    entry["values"] = element_strings(a)
                entry["sum"] = float(np.asarray(a, dtype=np.float64).sum())
                entries.append(entry)
        result.append({"file": name, "compressed": save is np.savez_compressed, "arrays": entries})
    return result


def written_fixtures():
    # Arrays our NpyWriter must write byte for byte like numpy.save (numpy 1.24.2).
    specs = [
        ("written_c_f8_3x4.npy", np.arange(12, dtype=np.float64).reshape(3, 4) / 8 - 0.5),
        ("written_f_i4_3x4.npy", np.asfortranarray(np.arange(12, dtype=np.int32).reshape(3, 4) - 6)),
        ("written_f_f4_2x3x2.npy", np.asfortranarray(np.arange(12, dtype=np.float32).reshape(2, 3, 2) * 0.25)),
        ("written_b1_5.npy", np.arange(5) % 2 == 0),
        ("written_c16_2.npy", np.array([1 + 2j, -3.5 + 0j])),
        ("written_c8_2x1.npy", np.array([[0.5 - 1j], [2 + 0.25j]], dtype=np.complex64)),
        ("written_0d_f4.npy", np.array(3.5, dtype=np.float32)),
        ("written_u2_2x2x2.npy", np.arange(8, dtype=np.uint16).reshape(2, 2, 2) * 1000),
        ("written_i1_4.npy", np.array([-128, -1, 0, 127], dtype=np.int8)),
        ("written_u1_3.npy", np.array([0, 128, 255], dtype=np.uint8)),
        ("written_i2_2.npy", np.array([-32768, 32767], dtype=np.int16)),
        ("written_u4_2.npy", np.array([0, 4294967295], dtype=np.uint32)),
        ("written_i8_2.npy", np.array([-9223372036854775808, 9223372036854775807], dtype=np.int64)),
        ("written_u8_2.npy", np.array([0, 18446744073709551615], dtype=np.uint64)),
        ("written_empty_i8_0x3.npy", np.zeros((0, 3), dtype=np.int64)),
        ("written_long_axis_f4.npy", np.zeros((123456789, 0), dtype=np.float32)),
    ]
    result = []
    for name, a in specs:
        np.save(FIXTURES / name, a)
        result.append({"file": name, **describe(a), "storage_values": storage_strings(a)})
    return result


def main():
    FIXTURES.mkdir(parents=True, exist_ok=True)
    reference = {
        "generator": "tests/NeuroLab.Formats.Tests/Reference/npy_reference.py",
        "numpy_version": np.__version__,
        "real": real_files(),
        "fixtures": dtype_fixtures() + layout_fixtures(),
        "rejects": reject_fixtures(),
        "npz": npz_fixtures(),
        "written": written_fixtures(),
    }
    with open(HERE / "npy_reference.json", "w") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
