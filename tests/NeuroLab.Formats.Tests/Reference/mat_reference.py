#!/usr/bin/python3
"""Reference values and fixtures for the MAT-file reader tests (NeuroLab.Formats.Matlab).

Run with Debian's Python (numpy 1.24.2, scipy 1.10.1, h5py 3.7.0 / HDF5 1.10.8):

    /usr/bin/python3 tests/NeuroLab.Formats.Tests/Reference/mat_reference.py

It writes
  * tests/NeuroLab.Formats.Tests/Fixtures/mat/*.mat  small synthetic files for variants the real data
    lacks: big-endian ('MI') files, the small-data-element format, doubles stored as miUINT8/miINT16,
    UTF-8/UTF-16/UINT16/UINT8 chars, complex integers, unsupported classes (sparse, object, function
    handle, opaque), MAT v4, deep nesting, and MAT v7.3 (HDF5) files laid out the way MATLAB lays
    them out (512-byte user block with the MATLAB header, MATLAB_class attributes, transposed storage,
    #refs# for cells and struct arrays, MATLAB_empty, MATLAB_fields, deflate-compressed chunks).
  * tests/NeuroLab.Formats.Tests/Reference/mat_reference.json  the values an independent reader sees:
    scipy.io.loadmat (scipy 1.10.1) for every v5 file, real and synthetic; for v7.3 files a small h5py
    reader below that follows MATLAB's documented HDF5 layout (and matio's mat73.c reading of it).

The tests compare the C# reader to the JSON; they never run Python.
"""

import json
import math
import os
import struct
import warnings
import zlib

import h5py
import numpy as np
import scipy
import scipy.io as sio
import scipy.sparse as sparse
from scipy.io.matlab import MatlabFunction, MatlabObject, MatlabOpaque

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "Fixtures", "mat"))
DATA = os.environ.get("NEUROLAB_SHARED_DATA") or os.path.normpath(
    os.path.join(HERE, "..", "..", "..", "..", "shared", "data"))

REAL_FILES = [
    "k92/92_brainRDMs.mat",
    "k92/92_modelRDMs.mat",
    "k92/Kriegeskorte_Neuron2008_supplementalData.mat",
    "k92/modelRDMs_A2020.mat",
    "vangerven-digits/digit69_28x28.mat",
]

# ---------------------------------------------------------------------------------------------
# A value model shared by the two fixture writers (MAT v5 bytes and MAT v7.3 via h5py).
# ---------------------------------------------------------------------------------------------


class Num:
    """A numeric or logical MATLAB array. data has the MATLAB shape; written in Fortran order."""

    def __init__(self, cls, data, stored=None, imag=None, logical=False, is_global=False):
        self.cls = cls
        self.data = np.asarray(data)
        self.stored = stored  # v5 only: miType name used for storage, e.g. "UINT8" for a double
        self.imag = None if imag is None else np.asarray(imag)
        self.logical = logical
        self.is_global = is_global


class Char:
    """A MATLAB char array: rows of equal length (or a codes array with an explicit N-d shape)."""

    def __init__(self, rows, enc="UTF16", shape=None):
        self.rows = rows
        self.enc = enc  # v5 miType for the characters: UTF8, UTF16, UINT16, UINT8
        if shape is None:
            shape = (len(rows), len(rows[0]) if rows else 0)
        self.shape = tuple(shape)

    def codes_fortran(self):
        if len(self.shape) == 2:
            m, n = self.shape
            return "".join(self.rows[i][j] for j in range(n) for i in range(m))
        # N-d: rows hold, per first index, the remaining dims flattened in Fortran order.
        m = self.shape[0]
        rest = int(np.prod(self.shape[1:]))
        return "".join(self.rows[i][k] for k in range(rest) for i in range(m))


class Cell:
    def __init__(self, shape, items):
        self.shape = tuple(shape)
        self.items = items  # Fortran order


class Struct:
    def __init__(self, shape, fields, elements, name_len=32):
        self.shape = tuple(shape)
        self.fields = fields
        self.elements = elements  # Fortran order, each a dict field -> value
        self.name_len = name_len


class Raw:
    """A v5 matrix element assembled by hand (sparse, object, function handle, opaque)."""

    def __init__(self, build):
        self.build = build


# ---------------------------------------------------------------------------------------------
# MAT v5 writer (both byte orders). Spec: MathWorks, "MAT-File Format" (matfile_format.pdf), ch. 1.
# ---------------------------------------------------------------------------------------------

MI = dict(INT8=1, UINT8=2, INT16=3, UINT16=4, INT32=5, UINT32=6, SINGLE=7, DOUBLE=9, INT64=12,
          UINT64=13, MATRIX=14, COMPRESSED=15, UTF8=16, UTF16=17, UTF32=18)
MI_DTYPE = {"INT8": "i1", "UINT8": "u1", "INT16": "i2", "UINT16": "u2", "INT32": "i4", "UINT32": "u4",
            "SINGLE": "f4", "DOUBLE": "f8", "INT64": "i8", "UINT64": "u8", "UTF16": "u2"}
CLASS = dict(cell=1, struct=2, object=3, char=4, sparse=5, double=6, single=7, int8=8, uint8=9,
             int16=10, uint16=11, int32=12, uint32=13, int64=14, uint64=15, function=16, opaque=17)
CLASS_MI = dict(double="DOUBLE", single="SINGLE", int8="INT8", uint8="UINT8", int16="INT16",
                uint16="UINT16", int32="INT32", uint32="UINT32", int64="INT64", uint64="UINT64")


class V5Writer:
    def __init__(self, endian="<", small=True):
        self.e = endian
        self.small = small

    def header(self, text):
        t = text.encode("ascii").ljust(116, b" ")
        return t + b"\0" * 8 + struct.pack(self.e + "H", 0x0100) + (b"IM" if self.e == "<" else b"MI")

    def element(self, mi, payload, allow_small=True):
        n = len(payload)
        if self.small and allow_small and n <= 4:
            return struct.pack(self.e + "I", (n << 16) | MI[mi]) + payload.ljust(4, b"\0")
        pad = (8 - n % 8) % 8
        return struct.pack(self.e + "II", MI[mi], n) + payload + b"\0" * pad

    def array(self, mi, values):
        arr = np.asarray(values).astype(np.dtype(MI_DTYPE[mi]).newbyteorder(self.e))
        return self.element(mi, arr.tobytes(order="F"))

    def flags(self, cls, complex_=False, global_=False, logical=False, nzmax=0):
        word = CLASS[cls] | (0x0800 if complex_ else 0) | (0x0400 if global_ else 0) | (0x0200 if logical else 0)
        return self.element("UINT32", struct.pack(self.e + "II", word, nzmax))

    def dims(self, shape):
        return self.array("INT32", np.array(shape, dtype=np.int32))

    def name(self, name):
        return self.element("INT8", name.encode("ascii"))

    def matrix(self, name, value):
        if isinstance(value, Raw):
            body = value.build(self, name)
        elif isinstance(value, Num):
            cls_ = "uint8" if value.logical else value.cls
            body = self.flags(cls_, value.imag is not None, value.is_global, value.logical)
            body += self.dims(value.data.shape) + self.name(name)
            mi = value.stored or CLASS_MI[cls_]
            body += self.array(mi, value.data)
            if value.imag is not None:
                body += self.array(mi, value.imag)
        elif isinstance(value, Char):
            body = self.flags("char") + self.dims(value.shape) + self.name(name)
            text = value.codes_fortran()
            if value.enc == "UTF8":
                body += self.element("UTF8", text.encode("utf-8"))
            elif value.enc in ("UTF16", "UINT16"):
                codes = np.frombuffer(text.encode("utf-16-le"), dtype="<u2")
                body += self.array(value.enc, codes)
            elif value.enc == "UINT8":
                body += self.element("UINT8", text.encode("latin-1"))
            else:
                raise ValueError(value.enc)
        elif isinstance(value, Cell):
            body = self.flags("cell") + self.dims(value.shape) + self.name(name)
            for item in value.items:
                body += self.matrix("", item)
        elif isinstance(value, Struct):
            body = self.flags("struct") + self.dims(value.shape) + self.name(name)
            body += self.element("INT32", struct.pack(self.e + "i", value.name_len))
            names = b"".join(f.encode("ascii").ljust(value.name_len, b"\0") for f in value.fields)
            body += self.element("INT8", names, allow_small=False)
            for element in value.elements:
                for f in value.fields:
                    body += self.matrix("", element[f])
        elif value is None:
            # MATLAB writes [] inside cells and structs as a miMATRIX element with no content.
            return struct.pack(self.e + "II", MI["MATRIX"], 0)
        else:
            raise TypeError(type(value))
        return struct.pack(self.e + "II", MI["MATRIX"], len(body)) + body

    def file(self, path, variables, text, compress=()):
        out = self.header(text)
        for name, value in variables:
            m = self.matrix(name, value)
            if name in compress:
                z = zlib.compress(m)
                out += struct.pack(self.e + "II", MI["COMPRESSED"], len(z)) + z
            else:
                out += m
        with open(path, "wb") as fh:
            fh.write(out)


def raw_sparse(w, name):
    # 3x3 sparse double with 2 nonzeros (ir, jc, pr); the reader must name it unsupported.
    return (w.flags("sparse", nzmax=2) + w.dims((3, 3)) + w.name(name)
            + w.array("INT32", [0, 2]) + w.array("INT32", [0, 1, 1, 2]) + w.array("DOUBLE", [1.5, 2.5]))


def raw_function_handle(w, name):
    inner = Struct((1, 1), ["function"], [{"function": Char(["sin"])}])
    return w.flags("function") + w.dims((1, 1)) + w.name(name) + w.matrix("", inner)


def raw_opaque_string(w, name):
    # MCOS object (e.g. a MATLAB string): flags, name, type system, class name, then a matrix.
    payload = w.matrix("", Num("uint32", np.array([[0xDD000000, 2, 1, 1, 1, 1]], dtype=np.uint32)))
    return (w.flags("opaque") + w.element("INT8", name.encode()) + w.element("INT8", b"MCOS")
            + w.element("INT8", b"string") + payload)


def raw_object(w, name):
    # Old-style class object: flags, dims, name, class name, then struct-like fields.
    body = w.flags("object") + w.dims((1, 1)) + w.name(name) + w.element("INT8", b"myclass")
    body += w.element("INT32", struct.pack(w.e + "i", 32))
    body += w.element("INT8", b"a".ljust(32, b"\0"), allow_small=False)
    body += w.matrix("", Num("double", np.array([[7.0]])))
    return body


# ---------------------------------------------------------------------------------------------
# Fixture content
# ---------------------------------------------------------------------------------------------


def numeric_variety():
    """Every numeric class, stored in its own and in smaller miTypes, plus complex and logical."""
    rng = np.random.default_rng(42)
    return [
        ("dbl", Num("double", np.array([[1.5, -2.25, np.nan], [np.inf, -np.inf, 1e-300]]))),
        ("dbl_as_u8", Num("double", np.array([[0, 1, 255], [7, 8, 9]], dtype=float), stored="UINT8")),
        ("dbl_as_i16", Num("double", np.array([[-32768, 0, 32767]], dtype=float), stored="INT16")),
        ("sgl", Num("single", np.array([[0.5, -1.25], [3.0e38, 1.0e-38]], dtype=np.float32))),
        ("i8", Num("int8", np.array([[-128, 127, 0]], dtype=np.int8))),
        ("u8", Num("uint8", np.array([[0, 255]], dtype=np.uint8))),
        ("i16", Num("int16", np.array([[-32768], [32767]], dtype=np.int16))),
        ("u16", Num("uint16", np.array([[0, 65535]], dtype=np.uint16))),
        ("i32", Num("int32", np.array([[-2147483648, 2147483647]], dtype=np.int32))),
        ("i32_as_i16", Num("int32", np.array([[-5, 300]], dtype=np.int32), stored="INT16")),
        ("u32", Num("uint32", np.array([[0, 4294967295]], dtype=np.uint32))),
        ("i64", Num("int64", np.array([[-9223372036854775808, 9223372036854775807, 12345678901234567]], dtype=np.int64))),
        ("u64", Num("uint64", np.array([[0, 18446744073709551615]], dtype=np.uint64))),
        ("cplx", Num("double", np.array([[1.0, 2.0], [3.0, 4.0]]), imag=np.array([[-1.0, 0.5], [0.0, 9.0]]))),
        ("cplx_sgl", Num("single", np.array([[1.5, 2.5]], dtype=np.float32), imag=np.array([[3.5, -4.5]], dtype=np.float32))),
        ("cplx_i16", Num("int16", np.array([[1, -2]], dtype=np.int16), imag=np.array([[3, 4]], dtype=np.int16))),
        ("lgc", Num("uint8", np.array([[1, 0, 1], [0, 0, 1]], dtype=np.uint8), logical=True)),
        ("nd", Num("double", np.arange(24, dtype=float).reshape((2, 3, 4), order="F") * 0.5)),
        ("scalar", Num("double", np.array([[42.0]]))),
        ("empty", Num("double", np.zeros((0, 0)))),
        ("empty_0x3", Num("int16", np.zeros((0, 3), dtype=np.int16))),
        ("big", Num("double", rng.standard_normal((30, 40)))),
    ]


def char_variety(encodings):
    return [
        ("txt", Char(["hello world"], encodings[0])),
        ("txt_unicode", Char(["Grüße ✓ αβγ"], encodings[1])),
        ("rows", Char(["abc", "def", "ghi"], encodings[0])),
        ("txt_uint8", Char(["plain ascii"], "UINT8")),
        ("chr_empty", Char([], encodings[0], shape=(0, 0))),
        ("chr_nd", Char(["abcdef", "ghijkl"], encodings[0], shape=(2, 3, 2))),
    ]


def container_variety():
    inner = Struct((1, 1), ["x", "label"], [{"x": Num("double", np.array([[1.0, 2.0, 3.0]])), "label": Char(["inner"])}])
    return [
        ("c", Cell((2, 2), [Num("double", np.array([[1.0]])), Char(["two"]), Cell((1, 1), [Num("uint8", np.array([[3]], dtype=np.uint8))]), None])),
        ("c_empty", Cell((0, 0), [])),
        ("s", Struct((1, 1), ["alpha", "beta_long_field_name", "nested", "cells"], [{
            "alpha": Num("double", np.array([[3.14]])),
            "beta_long_field_name": Char(["value"]),
            "nested": inner,
            "cells": Cell((1, 2), [Char(["p"]), Num("int32", np.array([[-7]], dtype=np.int32))]),
        }])),
        ("sarr", Struct((1, 3), ["id", "name"], [
            {"id": Num("double", np.array([[1.0]])), "name": Char(["first"])},
            {"id": Num("double", np.array([[2.0]])), "name": Char(["second"])},
            {"id": Num("double", np.array([[3.0]])), "name": None},
        ], name_len=17)),
        ("s_nofields", Struct((1, 1), [], [{}])),
        ("s_empty", Struct((0, 0), ["a", "b"], [])),
        ("sglobal", Num("double", np.array([[5.0]]), is_global=True)),
    ]


def write_v5_fixtures():
    files = {}
    for endian, tag in (("<", "le"), (">", "be")):
        w = V5Writer(endian)
        variables = numeric_variety() + char_variety(["UTF16", "UTF8"]) + container_variety()
        # Compress about half of the variables so both element kinds appear in each byte order.
        compress = {name for i, (name, _) in enumerate(variables) if i % 2 == 1}
        name = f"v5_{tag}.mat"
        w.file(os.path.join(FIXTURES, name), variables,
               f"MATLAB 5.0 MAT-file, Platform: NeuroLab fixture ({'little' if endian == '<' else 'big'}-endian), Created on: 2024",
               compress)
        files[name] = "v5"

    # Chars as miUINT16 and without the small data element format anywhere.
    w = V5Writer("<", small=False)
    w.file(os.path.join(FIXTURES, "v5_nosmall.mat"),
           char_variety(["UINT16", "UTF16"]) + [("scalar", Num("double", np.array([[42.0]])))]
           + container_variety()[:3], "MATLAB 5.0 MAT-file, Platform: NeuroLab fixture (no small elements)")
    files["v5_nosmall.mat"] = "v5"

    # scipy's own writer: what most Python-produced .mat files look like.
    rng = np.random.default_rng(7)
    sdict = {
        "a": rng.standard_normal((5, 3)),
        "ints": np.arange(12, dtype=np.int16).reshape(3, 4),
        "flag": np.array([[True, False, True]]),
        "name": "scipy text ✓",
        "cellv": np.array([[np.array([[1.0, 2.0]]), "x"]], dtype=object),
        "st": {"f1": np.array([[1.0]]), "f2": "two", "f3": {"deep": np.arange(3.0)}},
        "z": np.array([[1 + 2j, 3 - 4j]]),
    }
    for name, compressed in (("scipy_plain.mat", False), ("scipy_compressed.mat", True)):
        path = os.path.join(FIXTURES, name)
        sio.savemat(path, sdict, do_compression=compressed)
        # scipy stamps the creation time into the header text; a fixed text keeps the fixture reproducible.
        with open(path, "r+b") as fh:
            fh.write(f"MATLAB 5.0 MAT-file Platform: posix, Created by: scipy {scipy.__version__} (NeuroLab fixture)".encode().ljust(116))
    files["scipy_plain.mat"] = "v5"
    files["scipy_compressed.mat"] = "v5"

    # Unsupported classes among supported ones, both byte orders of top-level handling.
    w = V5Writer("<")
    w.file(os.path.join(FIXTURES, "unsupported.mat"), [
        ("before", Num("double", np.array([[1.0, 2.0]]))),
        ("sp", Raw(raw_sparse)),
        ("fh", Raw(raw_function_handle)),
        ("middle", Char(["still here"])),
        ("str", Raw(raw_opaque_string)),
        ("obj", Raw(raw_object)),
        ("holder", Struct((1, 1), ["ok", "bad"], [{"ok": Num("double", np.array([[1.0]])), "bad": Raw(raw_sparse)}])),
        ("after", Num("int8", np.array([[-1, 1]], dtype=np.int8))),
    ], "MATLAB 5.0 MAT-file, Platform: NeuroLab fixture (unsupported classes)", compress={"fh", "middle"})
    files["unsupported.mat"] = "v5"

    # 70 nested cells: beyond the reader's depth guard of 64.
    deep = Num("double", np.array([[1.0]]))
    for _ in range(70):
        deep = Cell((1, 1), [deep])
    V5Writer("<").file(os.path.join(FIXTURES, "deep.mat"), [("deep", deep)],
                       "MATLAB 5.0 MAT-file, Platform: NeuroLab fixture (70 nested cells)")

    # MAT v4 (no text header): the reader must say v4 is not supported.
    sio.savemat(os.path.join(FIXTURES, "v4.mat"), {"x": np.arange(3.0)}, format="4")
    return files


# ---------------------------------------------------------------------------------------------
# MAT v7.3 writer (HDF5 with MATLAB's conventions) and an h5py reader for the reference.
# ---------------------------------------------------------------------------------------------

REF_COUNTER = [0]


def bytes_attr(obj, name, text):
    obj.attrs.create(name, np.bytes_(text))


def h5_write(parent, name, value, f, compress=False):
    if isinstance(value, Num):
        cls_ = "logical" if value.logical else value.cls
        if value.data.size == 0:
            ds = parent.create_dataset(name, data=np.array(value.data.shape, dtype=np.uint64))
            bytes_attr(ds, "MATLAB_class", cls_)
            ds.attrs.create("MATLAB_empty", np.uint8(1))
            return ds
        data = value.data.transpose()
        if value.imag is not None:
            dt = np.dtype([("real", data.dtype), ("imag", data.dtype)])
            comp = np.empty(data.shape, dtype=dt)
            comp["real"] = data
            comp["imag"] = value.imag.transpose()
            data = comp
        # compress: True for h5py's chunk shape, or an explicit (small) chunk shape to force many chunks.
        chunks = compress if isinstance(compress, tuple) else True
        kw = dict(chunks=chunks, compression="gzip", compression_opts=3) if compress else {}
        ds = parent.create_dataset(name, data=np.ascontiguousarray(data), **kw)
        bytes_attr(ds, "MATLAB_class", cls_)
        if value.logical:
            ds.attrs.create("MATLAB_int_decode", np.int32(1))
        if value.is_global:
            ds.attrs.create("MATLAB_global", np.uint8(1))
        return ds
    if isinstance(value, Char):
        if int(np.prod(value.shape)) == 0:
            ds = parent.create_dataset(name, data=np.array(value.shape, dtype=np.uint64))
            bytes_attr(ds, "MATLAB_class", "char")
            ds.attrs.create("MATLAB_empty", np.uint8(1))
            return ds
        codes = np.frombuffer(value.codes_fortran().encode("utf-16-le"), dtype="<u2")
        arr = codes.reshape(value.shape, order="F").transpose()
        ds = parent.create_dataset(name, data=np.ascontiguousarray(arr))
        bytes_attr(ds, "MATLAB_class", "char")
        ds.attrs.create("MATLAB_int_decode", np.int32(2))
        return ds
    if isinstance(value, Cell):
        if len(value.items) == 0:
            ds = parent.create_dataset(name, data=np.array(value.shape, dtype=np.uint64))
            bytes_attr(ds, "MATLAB_class", "cell")
            ds.attrs.create("MATLAB_empty", np.uint8(1))
            return ds
        refs = [ref_to(item, f) for item in value.items]
        arr = np.empty(len(refs), dtype=h5py.ref_dtype)
        arr[:] = refs
        arr = arr.reshape(value.shape, order="F").transpose()
        ds = parent.create_dataset(name, data=arr, dtype=h5py.ref_dtype)
        bytes_attr(ds, "MATLAB_class", "cell")
        return ds
    if isinstance(value, Struct):
        g = parent.create_group(name)
        bytes_attr(g, "MATLAB_class", "struct")
        vl = np.empty(len(value.fields), dtype=object)
        for i, fn in enumerate(value.fields):
            vl[i] = np.frombuffer(fn.encode("ascii"), dtype="S1")
        g.attrs.create("MATLAB_fields", vl, dtype=h5py.vlen_dtype(np.dtype("S1")))
        if value.shape == (1, 1):
            for fn in value.fields:
                h5_write(g, fn, value.elements[0][fn], f)
        else:
            for fn in value.fields:
                refs = [ref_to(el[fn], f) for el in value.elements]
                arr = np.empty(len(refs), dtype=h5py.ref_dtype)
                arr[:] = refs
                g.create_dataset(fn, data=arr.reshape(value.shape, order="F").transpose(), dtype=h5py.ref_dtype)
        return g
    if value is None:
        return h5_write(parent, name, Num("double", np.zeros((0, 0))), f)
    raise TypeError(type(value))


def ref_to(value, f):
    refs = f.require_group("#refs#")
    REF_COUNTER[0] += 1
    key = "r%d" % REF_COUNTER[0]
    return h5_write(refs, key, value, f).ref


def write_v73(path, variables, extra=None):
    REF_COUNTER[0] = 0
    with h5py.File(path, "w", userblock_size=512, libver="earliest") as f:
        for name, value, compress in variables:
            h5_write(f, name, value, f, compress)
        if extra:
            extra(f)
    text = b"MATLAB 7.3 MAT-file, Platform: NeuroLab fixture, Created on: 2024 HDF5 schema 1.00 ."
    with open(path, "r+b") as fh:
        fh.write(text.ljust(116, b" ") + b"\0" * 8 + struct.pack("<H", 0x0200) + b"IM")


def v73_unsupported(f):
    g = f.create_group("sp")
    bytes_attr(g, "MATLAB_class", "double")
    g.attrs.create("MATLAB_sparse", np.uint64(3))
    g.create_dataset("data", data=np.array([1.5, 2.5]))
    g.create_dataset("ir", data=np.array([0, 2], dtype=np.uint64))
    g.create_dataset("jc", data=np.array([0, 1, 1, 2], dtype=np.uint64))
    ds = f.create_dataset("str", data=np.array([[3707764736, 2, 1, 1, 1, 1]], dtype=np.uint32))
    bytes_attr(ds, "MATLAB_class", "string")
    ds.attrs.create("MATLAB_object_decode", np.int32(3))
    ds = f.create_dataset("fh", data=np.array([[3707764736, 2, 1, 1, 1, 2]], dtype=np.uint32))
    bytes_attr(ds, "MATLAB_class", "function_handle")
    ds.attrs.create("MATLAB_object_decode", np.int32(3))
    # MATLAB's shared placeholder for [] in #refs#, referenced from a cell.
    canon = f["#refs#"].create_dataset("a", data=np.array([0, 0], dtype=np.uint64))
    bytes_attr(canon, "MATLAB_class", "canonical empty")
    canon.attrs.create("MATLAB_empty", np.uint8(1))
    holder = f.create_dataset("c_canonical", shape=(1, 1), dtype=h5py.ref_dtype)
    bytes_attr(holder, "MATLAB_class", "cell")
    holder[0, 0] = canon.ref
    sub = f.create_group("#subsystem#")
    sub.create_dataset("MCOS", data=np.zeros((2, 1), dtype=np.uint8))


def write_v73_fixtures():
    rng = np.random.default_rng(3)
    nums = [(n, v, n == "big") for n, v in numeric_variety() if v.stored is None and not (v.imag is not None and v.cls.startswith("int"))]
    chars = [(n, v, False) for n, v in char_variety(["UTF16", "UTF16"]) if v.enc != "UINT8"]
    conts = [(n, v, False) for n, v in container_variety() if n not in ("s_nofields", "s_empty")]
    extra_vars = [("big_u16", Num("uint16", rng.integers(0, 60000, size=(64, 50)).astype(np.uint16)), (7, 9))]
    write_v73(os.path.join(FIXTURES, "v73.mat"), nums + chars + conts + extra_vars, extra=v73_unsupported)

    # A cell whose only item refers back to the cell itself: the reader must report the cycle.
    def cycle(f):
        refs = f.create_group("#refs#")
        inner = refs.create_dataset("a", shape=(1, 1), dtype=h5py.ref_dtype)
        bytes_attr(inner, "MATLAB_class", "cell")
        inner[0, 0] = inner.ref
        loop = f.create_dataset("loop", shape=(1, 1), dtype=h5py.ref_dtype)
        bytes_attr(loop, "MATLAB_class", "cell")
        loop[0, 0] = inner.ref
    write_v73(os.path.join(FIXTURES, "v73_cycle.mat"), [("ok", Num("double", np.array([[1.0]])), False)], extra=cycle)
    return {"v73.mat": "v73"}


def h5_read(obj, f, depth=0):
    """Reads one MATLAB value from a v7.3 file with h5py, following MATLAB's layout."""
    if depth > 64:
        raise RuntimeError("too deep")
    attrs = obj.attrs
    cls_ = attrs["MATLAB_class"].decode() if "MATLAB_class" in attrs else None
    if isinstance(obj, h5py.Group):
        if "MATLAB_sparse" in attrs:
            return {"kind": "unsupported"}
        fields = [b"".join(x).decode() for x in attrs["MATLAB_fields"]]
        first = obj[fields[0]] if fields else None
        if isinstance(first, h5py.Dataset) and first.dtype == h5py.ref_dtype and "MATLAB_class" not in first.attrs:
            shape = list(reversed(first.shape))
            count = int(np.prod(shape))
            flat = {fn: np.asarray(obj[fn][()]).transpose().ravel(order="F") for fn in fields}
            elements = [{fn: h5_read(f[flat[fn][k]], f, depth + 1) for fn in fields} for k in range(count)]
        else:
            shape = [1, 1]
            elements = [{fn: h5_read(obj[fn], f, depth + 1) for fn in fields}]
        return {"kind": "struct", "shape": shape, "fields": fields, "elements": elements}
    if "MATLAB_object_decode" in attrs:
        return {"kind": "unsupported"}
    if attrs.get("MATLAB_empty", 0):
        shape = [int(x) for x in obj[()]]
        if cls_ == "canonical empty":
            cls_ = "double"
        if cls_ == "char":
            return {"kind": "char", "shape": shape, "rows": [""] * shape[0] if shape else []}
        if cls_ == "cell":
            return {"kind": "cell", "shape": shape, "items": []}
        if cls_ == "struct":
            return {"kind": "struct", "shape": shape, "fields": [], "elements": []}
        return numeric_summary(np.zeros(shape, dtype=class_dtype(cls_)), cls_)
    data = obj[()]
    if cls_ == "cell":
        refs = np.asarray(data).transpose()
        return {"kind": "cell", "shape": list(refs.shape),
                "items": [h5_read(f[r], f, depth + 1) for r in refs.ravel(order="F")]}
    arr = np.asarray(data).transpose()
    if cls_ == "char":
        text = arr.ravel(order="F").astype("<u2").tobytes().decode("utf-16-le")
        return char_summary_from_codes(text, list(arr.shape))
    if arr.dtype.names:
        arr = arr["real"] + 1j * arr["imag"]
    if cls_ == "logical":
        arr = arr.astype(bool)
    return numeric_summary(arr, cls_)


def class_dtype(cls_):
    return {"double": np.float64, "single": np.float32, "logical": bool}.get(cls_, np.dtype(cls_) if cls_ else np.float64)


def summarize_v73(path):
    with open(path, "rb") as fh:
        head = fh.read(128)
    out = {"header": head[:116].decode("ascii").rstrip(" \0"), "version": 73, "variables": {}, "unsupported": []}
    with h5py.File(path, "r") as f:
        for name in f.keys():  # h5py lists links by name, as MATLAB's HDF5 groups are indexed
            if name.startswith("#"):
                continue
            s = h5_read(f[name], f)
            if s["kind"] == "unsupported":
                out["unsupported"].append(name)
            else:
                out["variables"][name] = s
    out["order"] = list(out["variables"].keys())
    return out


# ---------------------------------------------------------------------------------------------
# Summaries of what scipy.io.loadmat reads (v5).
# ---------------------------------------------------------------------------------------------

CLASS_OF_DTYPE = {"float64": "double", "float32": "single", "int8": "int8", "uint8": "uint8", "int16": "int16",
                  "uint16": "uint16", "int32": "int32", "uint32": "uint32", "int64": "int64", "uint64": "uint64",
                  "bool": "logical"}


def number(x):
    if isinstance(x, (np.integer, int)):
        return int(x)
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def numeric_summary(arr, cls_):
    flat = np.asarray(arr).ravel(order="F")
    n = flat.size
    cplx = np.iscomplexobj(flat)
    real = flat.real if cplx else flat
    if cls_ == "logical":
        real = real.astype(np.uint8)
    s = {"kind": "numeric", "class": cls_, "shape": list(arr.shape), "complex": bool(cplx), "count": int(n)}
    if n <= 64:
        s["values"] = [number(v) for v in real]
        if cplx:
            s["imag"] = [number(v) for v in flat.imag]
    else:
        idx = sorted({0, n // 7, n // 3, n // 2, (2 * n) // 3, n - 1})
        s["samples"] = [[int(i), number(real[i])] for i in idx]
        s["sum"] = float(np.sum(real.astype(np.float64)))
        # Elements by MATLAB subscripts (zero-based), read with numpy's own indexing of the MATLAB-shaped array.
        arr_real = np.asarray(arr).real if cplx else np.asarray(arr)
        picks = {tuple(d - 1 for d in arr.shape), tuple(d // 2 for d in arr.shape),
                 tuple(min(1, d - 1) if i == 0 else 0 for i, d in enumerate(arr.shape))}
        s["at"] = [[list(p), number(arr_real[p])] for p in sorted(picks)]
        if cplx:
            s["imag_sum"] = float(np.sum(flat.imag.astype(np.float64)))
    return s


def char_summary_from_codes(text_fortran, shape):
    if len(shape) < 2 or int(np.prod(shape)) == 0:
        rows = [""] * shape[0] if shape and int(np.prod(shape[1:])) == 0 else []
        return {"kind": "char", "shape": shape, "rows": rows}
    m = shape[0]
    rest = int(np.prod(shape[1:]))
    rows = ["".join(text_fortran[i + m * k] for k in range(rest)) for i in range(m)]
    return {"kind": "char", "shape": shape, "rows": rows}


def scipy_summary(v, vt):
    """v: loaded with mat_dtype=False (exact values, complex kept); vt: mat_dtype=True (class dtype)."""
    if sparse.issparse(v) or isinstance(v, (MatlabObject, MatlabFunction, MatlabOpaque)):
        return {"kind": "unsupported"}
    assert isinstance(v, np.ndarray), type(v)
    if v.dtype.names is not None:
        flat = v.ravel(order="F")
        flat_t = vt.ravel(order="F")
        return {"kind": "struct", "shape": list(v.shape), "fields": list(v.dtype.names),
                "elements": [{fn: scipy_summary(flat[k][fn], flat_t[k][fn]) for fn in v.dtype.names}
                             for k in range(flat.size)]}
    if v.dtype == object and v.size > 0 and all(x is None for x in v.ravel()):
        # scipy renders a struct array without fields as an object array of None.
        return {"kind": "struct", "shape": list(v.shape), "fields": [], "elements": [{} for _ in range(v.size)]}
    if v.dtype == object:
        flat = v.ravel(order="F")
        flat_t = vt.ravel(order="F")
        return {"kind": "cell", "shape": list(v.shape),
                "items": [scipy_summary(flat[k], flat_t[k]) for k in range(flat.size)]}
    if v.dtype.kind == "U":
        # chars_as_strings=False: one character per element, MATLAB shape.
        text = "".join(v.ravel(order="F"))
        assert len(text) == v.size, "NUL characters would be lost"
        return char_summary_from_codes(text, list(v.shape))
    cls_ = CLASS_OF_DTYPE[str(vt.dtype.newbyteorder("="))]
    return numeric_summary(v, cls_)


def summarize_v5(path):
    kw = dict(squeeze_me=False, chars_as_strings=False, struct_as_record=True)
    values = sio.loadmat(path, mat_dtype=False, **kw)
    with warnings.catch_warnings():
        # mat_dtype=True drops imaginary parts (scipy 1.10); only its dtypes (the MATLAB classes) are used.
        warnings.simplefilter("ignore", np.ComplexWarning)
        typed = sio.loadmat(path, mat_dtype=True, **kw)
    out = {"header": values["__header__"].decode("latin-1").rstrip(" \0"), "version": 5,
           "globals": list(values["__globals__"]), "variables": {}, "unsupported": []}
    for name, v in values.items():
        if name.startswith("__"):
            continue
        s = scipy_summary(v, typed[name])
        if s["kind"] == "unsupported":
            out["unsupported"].append(name)
        else:
            out["variables"][name] = s
    out["order"] = list(out["variables"].keys())
    return out


def main():
    os.makedirs(FIXTURES, exist_ok=True)
    fixtures = write_v5_fixtures()
    fixtures.update(write_v73_fixtures())
    reference = {
        "generator": f"mat_reference.py: scipy {scipy.__version__} loadmat, numpy {np.__version__}, h5py {h5py.__version__} (HDF5 {h5py.version.hdf5_version})",
        "real": {},
        "fixtures": {},
    }
    for rel in REAL_FILES:
        reference["real"][rel] = summarize_v5(os.path.join(DATA, rel))
    for name, kind in sorted(fixtures.items()):
        path = os.path.join(FIXTURES, name)
        if kind == "v5":
            try:
                reference["fixtures"][name] = summarize_v5(path)
            except Exception as exc:  # noqa: BLE001 - report which fixture scipy could not read
                raise RuntimeError(f"scipy cannot read {name}: {exc}") from exc
        else:
            reference["fixtures"][name] = summarize_v73(path)
    with open(os.path.join(HERE, "mat_reference.json"), "w", encoding="utf-8") as fh:
        json.dump(reference, fh, ensure_ascii=False, separators=(",", ":"))
        fh.write("\n")
    total = sum(os.path.getsize(os.path.join(FIXTURES, n)) for n in os.listdir(FIXTURES))
    print(f"wrote {len(os.listdir(FIXTURES))} fixtures ({total} bytes) and mat_reference.json")


if __name__ == "__main__":
    main()
