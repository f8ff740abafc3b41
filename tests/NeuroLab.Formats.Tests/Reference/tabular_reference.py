#!/usr/bin/python3
"""Reference values for the Tabular readers (BidsEventsReader, DelimitedMatrixReader).

Run with Debian's Python (numpy 1.24.2):  /usr/bin/python3 tabular_reference.py
Writes tabular_reference.json beside this script and the synthetic fixtures under
../Fixtures/tabular/. Real data is read from the shared data folder (../../../../shared/data from
the repository root, or $NEUROLAB_SHARED_DATA).

Independent tools: BIDS events are read with Python's csv module (no pandas); numeric matrices with
numpy.loadtxt / numpy.genfromtxt. JSON floats are written with repr, which round-trips float64 exactly.
"""
import csv
import glob
import gzip
import io
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
DATA = os.environ.get("NEUROLAB_SHARED_DATA") or os.path.join(os.path.dirname(REPO), "shared", "data")
FIXTURES = os.path.join(HERE, "..", "Fixtures", "tabular")


def rel(path):
    return os.path.relpath(path, DATA).replace(os.sep, "/")


def events_reference(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    header, body = rows[0], [r for r in rows[1:] if r]
    col = {name: i for i, name in enumerate(header)}

    def num(text):
        return None if text in ("n/a", "") else float(text)

    def txt(text):
        return None if text in ("n/a", "") else text

    return {
        "columns": header,
        "onset": [float(r[col["onset"]]) for r in body],
        "duration": [num(r[col["duration"]]) for r in body],
        "trial_type": [txt(r[col["trial_type"]]) for r in body] if "trial_type" in col else None,
        "response_time": [num(r[col["response_time"]]) for r in body] if "response_time" in col else None,
        "extra": {name: [txt(r[i]) for r in body] for name, i in col.items() if name not in ("onset", "duration", "trial_type")},
    }


def fnum(v):
    """float64 for JSON; NaN becomes null (JSON has no NaN)."""
    return None if np.isnan(v) else float(v)


def matrix_reference(values, names=None, cells=((0, 0), (-1, -1))):
    values = np.atleast_2d(values)
    out = {
        "shape": list(values.shape),
        "column_names": names,
        "first_row": [fnum(v) for v in values[0]],
        "last_row": [fnum(v) for v in values[-1]],
        "column_sums": [float(v) for v in np.nansum(values, axis=0)],
        "nan_count": int(np.isnan(values).sum()),
        "cells": [[int(i % values.shape[0]), int(j % values.shape[1]), fnum(values[i, j])] for i, j in cells],
    }
    return out


def write(name, text, encoding="utf-8", newline="\n"):
    path = os.path.join(FIXTURES, name)
    data = text.replace("\n", newline).encode(encoding)
    if name.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    with open(path, "wb") as f:
        f.write(data)
    return path


def main():
    os.makedirs(FIXTURES, exist_ok=True)
    ref = {"generator": "tabular_reference.py: Python csv module, numpy %s" % np.__version__, "events": {}, "matrices": {}, "fixtures": {}}

    for path in sorted(glob.glob(os.path.join(DATA, "haxby2001/sub001/BOLD/*/bold_events.tsv"))):
        ref["events"][rel(path)] = events_reference(path)

    for path in sorted(glob.glob(os.path.join(DATA, "abide-cc200/*.1D"))):
        values = np.loadtxt(path)  # '#' comments: skips the '#1 #2 ...' header line
        with open(path) as f:
            names = [t.lstrip("#") for t in f.readline().split()]
        ref["matrices"][rel(path)] = matrix_reference(values, names, cells=((0, 0), (0, 199), (100, 57), (-1, 0), (-1, -1)))

    # Haxby motion estimates (121 volumes x 6 parameters, space-separated, trailing spaces) and FSL
    # 3-column onset files (onset, duration, weight; tab-separated, one row): plain numeric .txt.
    patterns = ("haxby2001/sub001/BOLD/*/bold_moest.txt", "haxby2001/sub001/model/model001/onsets/*/cond*.txt")
    for pattern in patterns:
        for path in sorted(glob.glob(os.path.join(DATA, pattern))):
            ref["matrices"][rel(path)] = matrix_reference(np.loadtxt(path, ndmin=2), None)

    rng = np.random.default_rng(20240601)
    fx = ref["fixtures"]

    # fMRIPrep-style confounds: tab-separated, header, n/a in the first row of derivative columns.
    conf = rng.normal(size=(12, 4))
    conf[0, 2:] = np.nan
    names = ["global_signal", "csf", "framewise_displacement", "trans_x_derivative1"]
    lines = ["\t".join(names)] + ["\t".join("n/a" if np.isnan(v) else repr(float(v)) for v in row) for row in conf]
    path = write("confounds_like.tsv", "\n".join(lines) + "\n")
    parsed = np.genfromtxt(path, delimiter="\t", names=True, missing_values="n/a", filling_values=np.nan)
    fx["confounds_like.tsv"] = matrix_reference(np.array(parsed.tolist()), list(parsed.dtype.names))

    # numpy.savetxt with a header comment: '# a,b,c' is a comment, not column names.
    sav = rng.uniform(-1e3, 1e3, size=(9, 3))
    buf = io.StringIO()
    np.savetxt(buf, sav, delimiter=",", header="a,b,c", fmt="%.17g")
    path = write("savetxt_header.csv", buf.getvalue())
    fx["savetxt_header.csv"] = matrix_reference(np.loadtxt(path, delimiter=","), None)

    # pandas-style CSV: unnamed index column and a quoted name containing a comma.
    pan = np.column_stack([np.arange(6), rng.normal(size=(6, 2)) * 1e-5])
    lines = ['"",time,"roi, left"'] + [",".join([str(int(r[0]))] + [repr(float(v)) for v in r[1:]]) for r in pan]
    path = write("pandas_style.csv", "\n".join(lines) + "\n")
    fx["pandas_style.csv"] = matrix_reference(np.loadtxt(path, delimiter=",", skiprows=1), ["", "time", "roi, left"])

    # AFNI .1D with comment lines, an inline comment, CRLF line ends and ragged spacing.
    afni = np.round(rng.normal(size=(7, 3)), 6)
    lines = ["# <matrix", '#  ni_type = "3*double"', "# >"]
    for i, r in enumerate(afni):
        text = "  ".join("%.6f" % v for v in r)
        lines.append(("  " + text + "   # first volume") if i == 0 else text)
    lines.append("# </matrix>")
    path = write("afni_comments.1D", "\n".join(lines) + "\n", newline="\r\n")
    fx["afni_comments.1D"] = matrix_reference(np.loadtxt(path), None)

    # Spreadsheet export with semicolons (dot decimals), UTF-8 byte-order mark, header.
    semi = np.round(rng.uniform(0, 100, size=(5, 3)), 3)
    lines = ["cond;rt;acc"] + [";".join("%.3f" % v for v in r) for r in semi]
    path = write("semicolon_bom.csv", "\ufeff" + "\n".join(lines) + "\n")
    fx["semicolon_bom.csv"] = matrix_reference(np.loadtxt(path, delimiter=";", skiprows=1, encoding="utf-8-sig"), ["cond", "rt", "acc"])

    # gzip-compressed CSV with header (numpy.loadtxt opens .gz itself).
    gz = rng.normal(size=(20, 5))
    lines = [",".join("v%d" % i for i in range(5))] + [",".join(repr(float(v)) for v in r) for r in gz]
    path = write("matrix.csv.gz", "\n".join(lines) + "\n")
    fx["matrix.csv.gz"] = matrix_reference(np.loadtxt(path, delimiter=",", skiprows=1), ["v%d" % i for i in range(5)])

    # One column, no header, exponents and signs.
    one = np.array([1.5e-300, -2.0, 3.25e10, 0.0, -0.0, 7.0])
    path = write("single_column.txt", "\n".join(["1.5e-300", "-2", "+3.25E+10", "0", "-0.0", "7."]) + "\n")
    fx["single_column.txt"] = matrix_reference(np.loadtxt(path, ndmin=2), None)
    assert np.array_equal(np.loadtxt(path), one)

    # BIDS events with every optional column, n/a, an empty cell, a negative onset, CRLF.
    lines = [
        "onset\tduration\ttrial_type\tresponse_time\tstim_file\tHED\tvalue",
        "-2.5\t0\tfixation\tn/a\tn/a\tn/a\t0",
        "0\t1.5\tgo\t0.432\timages/go_01.png\tSensory-event\t1",
        "1.75\tn/a\tstop\tn/a\timages/stop_01.png\t\t2",
        "3.0\t1.5\tgo\t-0.051\timages/go_02.png\tSensory-event\tn/a",
        "4.5\t0.0\tn/a\t1.2e-1\tn/a\tn/a\t3",
    ]
    path = write("events_full.tsv", "\n".join(lines) + "\n", newline="\r\n")
    fx["events_full.tsv"] = events_reference(path)

    # The same kind of table as Excel's "Unicode text" export: UTF-16 little endian with byte-order mark.
    lines = ["onset\tduration\ttrial_type\tnote", "10\t2\tface\tcafé", "20\t2\thouse\tn/a"]
    path = os.path.join(FIXTURES, "events_utf16.tsv")
    with open(path, "wb") as f:
        f.write(("\r\n".join(lines) + "\r\n").encode("utf-16"))
    with open(path, newline="", encoding="utf-16") as f:
        text = f.read()
    tmp = io.StringIO(text)
    rows = list(csv.reader(tmp, delimiter="\t"))
    fx["events_utf16.tsv"] = {"columns": rows[0], "onset": [float(r[0]) for r in rows[1:]], "note": [None if r[3] == "n/a" else r[3] for r in rows[1:]]}

    out = os.path.join(HERE, "tabular_reference.json")
    with open(out, "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True, allow_nan=False)
        f.write("\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
