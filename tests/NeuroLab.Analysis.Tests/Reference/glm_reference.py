#!/usr/bin/python3
"""Reference values for the NeuroLab.Analysis.Glm tests.

Run with Debian's Python (numpy 1.24.2, scipy 1.10.1, nibabel 5.0.0):

    /usr/bin/python3 tests/NeuroLab.Analysis.Tests/Reference/glm_reference.py

nilearn is not installed here, so its published definitions are re-implemented below in plain
numpy/scipy (nilearn/glm/first_level/hemodynamic_models.py and design_matrix.py, 0.10-0.11):
  - HRF: _gamma_difference_hrf / spm_hrf, via scipy.stats.gamma.pdf;
  - regressors: _sample_condition (boxcar on the oversampled grid, np.searchsorted), np.convolve,
    scipy.interpolate.interp1d at the frame times (compute_regressor);
  - drifts: create_cosine_drift (DCT-II basis + constant) and _poly_drift (orthogonalised powers);
  - betas: numpy.linalg.lstsq; residual variance = RSS / (n - p); t = c'b / sqrt(s2 c'(X'X)^-1 c).

Writes glm_reference.json next to this script and the fixtures under ../Fixtures/glm/:
  haxby_run1_bold.npy   float64 [121 scans, 600 voxels], voxel v = C-order flat index of (i, j, k)
                        in the 6x10x10 volume, i.e. v = (i * 10 + j) * 10 + k
  haxby_run1_events.tsv copy of the run-1 BIDS events
  synthetic_bold.npy    float64 [scans, voxels], design x known betas + Gaussian noise
  multirun_bold_1.npy, multirun_bold_2.npy: two synthetic runs for the multi-run average
"""
import json
import os
import re
import shutil

import nibabel as nib
import numpy as np
from scipy.interpolate import interp1d
from scipy.stats import gamma

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "Fixtures", "glm")
HAXBY = "/work/shared/data/haxby2001/sub001"
HAXBY_RUN1 = os.path.join(HAXBY, "BOLD", "task001_run001")
HAXBY_CONDITIONS = ["face", "house", "cat", "bottle", "scissors", "shoe", "chair", "scrambledpix"]


def double_gamma_hrf(tr, oversampling=50, time_length=32.0, delay=6.0, undershoot=16.0,
                     dispersion=1.0, u_dispersion=1.0, ratio=0.167):
    """nilearn _gamma_difference_hrf (onset 0): note the linspace grid and loc=dt, as nilearn has them."""
    dt = tr / oversampling
    t = np.linspace(0, time_length, np.rint(float(time_length) / dt).astype(int))
    h = (gamma.pdf(t, delay / dispersion, loc=dt, scale=dispersion)
         - ratio * gamma.pdf(t, undershoot / u_dispersion, loc=dt, scale=u_dispersion))
    return h / h.sum()


def condition_regressor(onsets, durations, frame_times, kernel, oversampling, min_onset):
    """nilearn compute_regressor for one condition, unit amplitudes, one kernel (no orthogonalisation)."""
    n = frame_times.size
    n_hr = ((n - 1) * 1.0 / (frame_times.max() - frame_times.min())
            * (frame_times.max() * (1 + 1.0 / (n - 1)) - frame_times.min() - min_onset) * oversampling) + 1
    hr_times = np.linspace(frame_times.min() + min_onset, frame_times.max() * (1 + 1.0 / (n - 1)),
                           np.rint(n_hr).astype(int))
    tmax = len(hr_times)
    boxcar = np.zeros(tmax)
    t_on = np.minimum(np.searchsorted(hr_times, onsets), tmax - 1)
    for t in t_on:
        boxcar[t] += 1
    t_off = np.minimum(np.searchsorted(hr_times, onsets + durations), tmax - 1)
    for i, t in enumerate(t_off):
        if t < tmax - 1 and t == t_on[i]:
            t_off[i] += 1
    for t in t_off:
        boxcar[t] -= 1
    boxcar = np.cumsum(boxcar)
    convolved = np.convolve(boxcar, kernel)[:boxcar.size]
    return interp1d(hr_times, convolved)(frame_times)


def orthogonalize(x):
    """nilearn orthogonalize: each column minus its projection on the preceding ones."""
    from scipy.linalg import pinv
    for i in range(1, x.shape[1]):
        x[:, i] -= np.dot(np.dot(x[:, i], x[:, :i]), pinv(x[:, :i]))
    return x


def cosine_drift(high_pass, frame_times):
    n = len(frame_times)
    dt = (frame_times[-1] - frame_times[0]) / (n - 1)
    order = min(n - 1, int(np.floor(2 * n * high_pass * dt)))
    drift = np.zeros((n, order + 1))
    for k in range(1, order + 1):
        drift[:, k - 1] = np.sqrt(2.0 / n) * np.cos((np.pi / n) * (np.arange(n) + 0.5) * k)
    drift[:, -1] = 1.0
    return drift


def poly_drift(order, frame_times):
    pol = np.zeros((frame_times.size, order + 1))
    tmax = float(frame_times.max())
    for k in range(order + 1):
        pol[:, k] = (frame_times / tmax) ** k
    pol = orthogonalize(pol)
    return np.hstack((pol[:, 1:], pol[:, :1]))


def design_matrix(frame_times, events, conditions, drift, oversampling=50, min_onset=-24.0, hrf=None):
    """Columns: conditions in the given order, then drift_1..drift_K, then constant (nilearn's names)."""
    tr = np.min(np.diff(frame_times))
    kernel = double_gamma_hrf(tr, oversampling) if hrf is None else hrf(tr, oversampling)
    columns = []
    for c in conditions:
        sel = [e for e in events if e[2] == c]
        onsets = np.array([e[0] for e in sel], dtype=float)
        durations = np.array([e[1] for e in sel], dtype=float)
        columns.append(condition_regressor(onsets, durations, frame_times, kernel, oversampling, min_onset))
    if drift["kind"] == "cosine":
        d = cosine_drift(drift["high_pass"], frame_times)
    elif drift["kind"] == "polynomial":
        d = poly_drift(drift["order"], frame_times)
    else:
        d = np.ones((frame_times.size, 1))
    names = list(conditions) + [f"drift_{k}" for k in range(1, d.shape[1])] + ["constant"]
    return np.column_stack(columns + [d]), names


def ols(x, y, contrast):
    """numpy.linalg.lstsq betas, residual variance RSS/(n-p), t statistic of one contrast."""
    betas, _, rank, _ = np.linalg.lstsq(x, y, rcond=None)
    assert rank == x.shape[1]
    dof = x.shape[0] - x.shape[1]
    resid_var = ((y - x @ betas) ** 2).sum(axis=0) / dof
    c = np.asarray(contrast, dtype=float)
    cov = np.linalg.inv(x.T @ x)
    t = (c @ betas) / np.sqrt(resid_var * (c @ cov @ c))
    return betas, resid_var, dof, t, cov


def read_events(path):
    rows = [line.rstrip("\n").split("\t") for line in open(path) if line.strip()]
    header = rows[0]
    i_on, i_du, i_tt = header.index("onset"), header.index("duration"), header.index("trial_type")
    return [(float(r[i_on]), float(r[i_du]), r[i_tt]) for r in rows[1:]]


def matrix(a):
    return [[float(v) for v in row] for row in np.asarray(a)]


def vector(a):
    return [float(v) for v in np.asarray(a).ravel()]


def events_json(events):
    return [{"onset": o, "duration": d, "trial_type": t} for o, d, t in events]


def main():
    os.makedirs(FIXTURES, exist_ok=True)
    out = {"generator": "glm_reference.py with numpy %s, scipy (stats.gamma, interpolate.interp1d) 1.10.1, nibabel 5.0.0"
           % np.__version__}

    # --- HRF samples -------------------------------------------------------------------------------
    hrf_cases = []
    for tr, os_, tl in [(2.5, 50, 32.0), (2.0, 16, 32.0), (1.0, 10, 25.0), (0.72, 16, 32.0)]:
        hrf_cases.append({"kind": "spm", "tr": tr, "oversampling": os_, "time_length": tl,
                          "values": vector(double_gamma_hrf(tr, os_, tl))})
    # SPM's own ratio 1/6 (nilearn rounds it to 0.167) and a non-integer shape (dispersion 0.9).
    hrf_cases.append({"kind": "double_gamma", "tr": 2.5, "oversampling": 50, "time_length": 32.0, "delay": 6.0,
                      "undershoot": 16.0, "dispersion": 1.0, "u_dispersion": 1.0, "ratio": 1.0 / 6.0,
                      "values": vector(double_gamma_hrf(2.5, 50, 32.0, ratio=1.0 / 6.0))})
    hrf_cases.append({"kind": "double_gamma", "tr": 2.0, "oversampling": 20, "time_length": 32.0, "delay": 6.0,
                      "undershoot": 12.0, "dispersion": 0.9, "u_dispersion": 0.9, "ratio": 0.35,
                      "values": vector(double_gamma_hrf(2.0, 20, 32.0, 6.0, 12.0, 0.9, 0.9, 0.35))})
    out["hrf"] = hrf_cases
    spm = double_gamma_hrf(2.5, 50)
    sixth = double_gamma_hrf(2.5, 50, ratio=1.0 / 6.0)
    out["hrf_ratio_0167_vs_sixth_max_abs_diff"] = float(np.abs(spm - sixth).max())

    # --- Design matrices ---------------------------------------------------------------------------
    haxby_events = read_events(os.path.join(HAXBY_RUN1, "bold_events.tsv"))
    shutil.copyfile(os.path.join(HAXBY_RUN1, "bold_events.tsv"), os.path.join(FIXTURES, "haxby_run1_events.tsv"))
    haxby_frames = np.arange(121) * 2.5

    # Edge cases: zero durations (nilearn's one-sample impulse), an onset before the first scan, two
    # overlapping events of one condition (they add up), an event running past the last scan,
    # a condition order that is not alphabetical.
    synthetic_events = [
        (-5.0, 3.0, "b"), (4.0, 0.0, "a"), (10.0, 6.0, "c"), (21.0, 8.0, "b"), (25.0, 8.0, "b"),
        (40.0, 0.0, "a"), (40.0, 0.0, "a"), (52.3, 7.7, "c"), (66.0, 4.0, "a"), (90.0, 10.0, "b"),
        (120.0, 12.0, "c"), (150.0, 0.0, "a"), (170.0, 6.5, "b"), (194.0, 20.0, "c"),
    ]
    synthetic_frames = np.arange(100) * 2.0
    design_cases = [
        ("haxby_run1_cosine128", haxby_frames, haxby_events, HAXBY_CONDITIONS, {"kind": "cosine", "high_pass": 1.0 / 128}, 50, -24.0),
        ("haxby_run1_poly3", haxby_frames, haxby_events, HAXBY_CONDITIONS, {"kind": "polynomial", "order": 3}, 50, -24.0),
        ("synthetic_cosine01", synthetic_frames, synthetic_events, ["b", "a", "c"], {"kind": "cosine", "high_pass": 0.01}, 16, -24.0),
        ("synthetic_constant_os7", synthetic_frames, synthetic_events, ["c", "a", "b"], {"kind": "none"}, 7, -10.0),
    ]
    designs = {}
    out["designs"] = []
    for name, frames, events, conds, drift, os_, min_onset in design_cases:
        x, names = design_matrix(frames, events, conds, drift, os_, min_onset)
        designs[name] = x
        out["designs"].append({"name": name, "tr": float(frames[1] - frames[0]), "scans": int(frames.size),
                               "events": events_json(events), "conditions": conds, "drift": drift,
                               "oversampling": os_, "min_onset": min_onset, "columns": names, "matrix": matrix(x)})

    # --- Synthetic GLM with known betas ------------------------------------------------------------
    rng = np.random.default_rng(20011)
    x = designs["synthetic_cosine01"]
    true_betas = rng.normal(0.0, 3.0, size=(x.shape[1], 40))
    true_betas[-1] += 500.0  # a realistic baseline on the constant
    y = x @ true_betas + rng.normal(0.0, 0.5, size=(x.shape[0], 40))
    np.save(os.path.join(FIXTURES, "synthetic_bold.npy"), np.ascontiguousarray(y, dtype="<f8"))
    contrast = [-1.0, 1.0] + [0.0] * (x.shape[1] - 2)  # a - b
    betas, resid_var, dof, t, _ = ols(x, y, contrast)
    out["synthetic_glm"] = {"design": "synthetic_cosine01", "bold": "synthetic_bold.npy", "noise_sd": 0.5,
                            "true_betas": matrix(true_betas), "betas": matrix(betas),
                            "residual_variance": vector(resid_var), "dof": dof, "contrast": contrast, "t": vector(t)}

    # --- Multi-run: run 2 has no "c" event; fixed effects = mean over the runs that estimate it -----
    conds = ["a", "b", "c"]
    run_events = [
        [(6.0, 10.0, "a"), (30.0, 10.0, "b"), (54.0, 10.0, "c"), (80.0, 10.0, "a"), (104.0, 10.0, "b")],
        [(8.0, 12.0, "b"), (34.0, 12.0, "a"), (70.0, 12.0, "b"), (96.0, 12.0, "a")],
    ]
    run_frames = np.arange(60) * 2.0
    true_mr = rng.normal(0.0, 2.0, size=(3, 20))
    mr = {"conditions": conds, "tr": 2.0, "scans": 60, "oversampling": 50, "high_pass": 1.0 / 128, "runs": []}
    sums, counts, var_sums = np.zeros((3, 20)), np.zeros(3), np.zeros((3, 20))
    for r, events in enumerate(run_events, start=1):
        x, names = design_matrix(run_frames, events, conds, {"kind": "cosine", "high_pass": 1.0 / 128})
        present = [j for j in range(x.shape[1]) if np.any(x[:, j] != 0)]
        b_true = np.vstack([true_mr, rng.normal(0.0, 1.0, size=(x.shape[1] - 4, 20)), np.full((1, 20), 300.0)])
        y = x @ b_true + rng.normal(0.0, 0.3, size=(60, 20))
        np.save(os.path.join(FIXTURES, f"multirun_bold_{r}.npy"), np.ascontiguousarray(y, dtype="<f8"))
        xp = x[:, present]
        betas, resid_var, _, _, cov = ols(xp, y, [1.0] + [0.0] * (len(present) - 1))
        run_betas = np.full((3, 20), np.nan)
        run_vars = np.full((3, 20), np.nan)
        for row, j in enumerate(present):
            if j < 3:
                run_betas[j] = betas[row]
                run_vars[j] = resid_var * cov[row, row]
                sums[j] += betas[row]
                var_sums[j] += run_vars[j]
                counts[j] += 1
        mr["runs"].append({"bold": f"multirun_bold_{r}.npy", "events": events_json(events), "columns": names,
                           "betas": [[None if np.isnan(v) else float(v) for v in row] for row in run_betas],
                           "beta_variance": [[None if np.isnan(v) else float(v) for v in row] for row in run_vars]})
    mr["fixed_effects_betas"] = matrix(sums / counts[:, None])
    mr["fixed_effects_variance"] = matrix(var_sums / counts[:, None] ** 2)
    mr["runs_per_condition"] = [int(c) for c in counts]
    out["multi_run"] = mr

    # --- Haxby 2001 subject 1, run 1 ---------------------------------------------------------------
    img = nib.load(os.path.join(HAXBY_RUN1, "bold_25mm.nii.gz"))
    data = np.asanyarray(img.dataobj).astype(np.float64)  # int16, slope 1, intercept 0
    bold = data.reshape(-1, data.shape[-1]).T  # [121 scans, 600 voxels], voxels in C order of (i, j, k)
    np.save(os.path.join(FIXTURES, "haxby_run1_bold.npy"), np.ascontiguousarray(bold, dtype="<f8"))
    x = designs["haxby_run1_cosine128"]
    contrast = [1.0, -1.0] + [0.0] * (x.shape[1] - 2)  # face - house
    betas, resid_var, dof, t, _ = ols(x, bold, contrast)
    out["haxby_run1"] = {"design": "haxby_run1_cosine128", "bold": "haxby_run1_bold.npy",
                         "bold_shape": list(bold.shape), "volume_shape": list(data.shape[:3]),
                         "betas": matrix(betas), "residual_variance": vector(resid_var), "dof": dof,
                         "contrast": contrast, "t": vector(t)}

    # Sanity table (reported, not tested): which condition has the largest beta per masked voxel.
    table = {}
    for mask_name in ["vt", "hoc", "gray", "brain"]:
        mask = np.asanyarray(nib.load(os.path.join(HAXBY, "masks", "25mm", mask_name + ".nii.gz")).dataobj) > 0
        idx = np.flatnonzero(mask.ravel())
        winners = np.argmax(betas[:len(HAXBY_CONDITIONS)][:, idx], axis=0)
        table[mask_name] = {"voxels": int(idx.size), "voxel_indices": [int(i) for i in idx],
                            "argmax_counts": {c: int((winners == k).sum()) for k, c in enumerate(HAXBY_CONDITIONS)}}
    out["haxby_run1"]["argmax_by_mask"] = table

    # Fixed effects over all 12 runs (printed only, for the report).
    fixed = np.zeros((len(HAXBY_CONDITIONS), bold.shape[1]))
    for r in range(1, 13):
        run_dir = os.path.join(HAXBY, "BOLD", f"task001_run{r:03d}")
        run_img = np.asanyarray(nib.load(os.path.join(run_dir, "bold_25mm.nii.gz")).dataobj).astype(np.float64)
        x_run, _ = design_matrix(haxby_frames, read_events(os.path.join(run_dir, "bold_events.tsv")),
                                 HAXBY_CONDITIONS, {"kind": "cosine", "high_pass": 1.0 / 128})
        fixed += np.linalg.lstsq(x_run, run_img.reshape(-1, 121).T, rcond=None)[0][:len(HAXBY_CONDITIONS)] / 12

    # One line per innermost array or object keeps the file readable and diffable.
    text = json.dumps(out, indent=1)
    text = re.sub(r"\[[^\[\]{}]*\]|\{[^\[\]{}]*\}", lambda m: re.sub(r"\n\s*", "", m.group(0)), text)
    with open(os.path.join(HERE, "glm_reference.json"), "w") as f:
        f.write(text + "\n")
    for mask_name, row in table.items():
        print(f"{mask_name:6s} {row['voxels']:4d} voxels, run 1:", row["argmax_counts"])
        winners = np.argmax(fixed[:, row["voxel_indices"]], axis=0)
        print(" " * 12 + "12-run mean:", {c: int((winners == k).sum()) for k, c in enumerate(HAXBY_CONDITIONS)})
    vt = table["vt"]["voxel_indices"]
    print("VT voxel betas, run 1:", dict(zip(HAXBY_CONDITIONS, np.round(betas[:8, vt].ravel(), 2))))
    print("VT voxel betas, 12-run mean:", dict(zip(HAXBY_CONDITIONS, np.round(fixed[:, vt].ravel(), 2))))
    print("ratio 0.167 vs 1/6 max |diff| of HRF samples:", out["hrf_ratio_0167_vs_sixth_max_abs_diff"])


if __name__ == "__main__":
    main()
