#!/usr/bin/python3
"""Reference values for the NeuroLab.Analysis.Features tests (pixels, PCA, Gabor pyramid).

Run with Debian's Python (numpy 1.24.2, Pillow 9.4.0):

    /usr/bin/python3 tests/NeuroLab.Analysis.Tests/Reference/features_reference.py

Everything here is plain numpy in float64, written independently of the C# code paths:
  - area resize: each input pixel is repeated lcm(in, out) / in times and the result block-averaged
    (the C# code uses an overlap-weight matrix instead);
  - PCA: numpy.linalg.svd of the centred training matrix, signs as sklearn's svd_flip
    (u_based_decision=False): the largest-|value| loading of each component is made positive;
    k for a variance fraction as sklearn: searchsorted(cumsum(ratio), fraction, side="right") + 1;
  - Gabor pyramid: every filter is placed at its grid position in a zero image and dotted with
    (image - background), position by position (the C# code uses one strided conv2d per scale).
    The filter bank definition is repeated in gabor_kernels() below and in GaborPyramid.cs.

Writes features_reference.json next to this script and, under ../Fixtures/features/:
  kay_0_1.npy        float32 [2, 128, 128]: Kay et al. 2008 stimuli 0.jpg and 1.jpg, channel R / 255
                     (the JPEGs are RGB with R = G = B, checked below)
  allen_scene_0.npy  float32 [1, 31, 31]: Allen V1 natural scene 0 (all_input_scenes_118_961.npy) / 255
  gabor_kay64.npy    float64 [2, 2728]: Gabor energies of kay_0_1 at 64 x 64, default bank
  gabor_allen31.npy  float64 [1, 968]: Gabor energies of allen_scene_0 at 31 x 31, 1, 2, 4, 8 cycles
  pca_train.npy      float64 [60, 40], pca_test.npy float64 [7, 40]: low-rank data plus noise
"""
import json
import math
import os

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "Fixtures", "features")
KAY = "/work/shared/data/kay2008-stimuli/stimuli"
ALLEN = "/work/shared/data/allen-v1/all_input_scenes_118_961.npy"

# Gabor bank constants, as in GaborPyramid.cs.
ENVELOPE_RADIUS_SD = 3.0


def save_npy(name, array, dtype):
    np.save(os.path.join(FIXTURES, name), np.ascontiguousarray(array, dtype=dtype))


def area_resize_1d_by_repetition(x, axis, out):
    """Exact area averaging along one axis: upsample by repetition to lcm(n, out), then block means."""
    n = x.shape[axis]
    common = n * out // math.gcd(n, out)
    up = np.repeat(x, common // n, axis=axis)
    shape = list(up.shape)
    shape[axis:axis + 1] = [out, common // out]
    return up.reshape(shape).mean(axis=axis + 1)


def area_resize(images, height, width):
    """images [n, h, w] -> [n, height, width]."""
    return area_resize_1d_by_repetition(area_resize_1d_by_repetition(images, 1, height), 2, width)


def envelope_sd(wavelength, bandwidth_octaves):
    """Spatial sd of the Gaussian envelope whose amplitude spectrum has the given FWHM bandwidth in octaves."""
    b = 2.0 ** bandwidth_octaves
    return wavelength * math.sqrt(2 * math.log(2)) / (2 * math.pi) * (b + 1) / (b - 1)


def scale_layout(size, cycles, spacing_wavelengths, bandwidth_octaves):
    wavelength = size / cycles
    sd = envelope_sd(wavelength, bandwidth_octaves)
    step = max(1, int(math.floor(spacing_wavelengths * wavelength + 1e-9)))
    count = max(1, size // step)
    first = (size - 1 - (count - 1) * step) / 2.0  # pixel-index coordinate, integer or half-integer
    return wavelength, sd, step, count, first


def gabor_kernels(size, cycles, orientations, spacing_wavelengths=1.0, bandwidth_octaves=1.0):
    """Even and odd kernels [orientations, 2, K, K] and the tap offsets (in pixels) of their centre.

    Taps lie on the pixel grid at offsets d from the centre: integers when the grid centres are on
    pixels, half-integers when they fall between pixels; taps beyond 3 envelope sd are zero.
    x = column offset (right), y = -row offset (up); u = x cos(theta) + y sin(theta);
    even = env * (cos(2 pi u / wavelength) - kappa) with kappa = sum(env cos) / sum(env) (zero mean),
    odd = env * sin(2 pi u / wavelength); each scaled to unit L2 norm.
    """
    wavelength, sd, step, count, first = scale_layout(size, cycles, spacing_wavelengths, bandwidth_octaves)
    radius = ENVELOPE_RADIUS_SD * sd
    if first == math.floor(first):
        half = int(math.floor(radius))
        offsets = np.arange(-half, half + 1, dtype=np.float64)
    else:
        half = int(math.floor(radius - 0.5))
        offsets = np.arange(-half - 0.5, half + 1.0, 1.0)
    dy, dx = np.meshgrid(offsets, offsets, indexing="ij")
    inside = dx ** 2 + dy ** 2 <= radius ** 2
    env = np.where(inside, np.exp(-(dx ** 2 + dy ** 2) / (2 * sd ** 2)), 0.0)
    x, y = dx, -dy
    bank = np.zeros((orientations, 2, offsets.size, offsets.size))
    for o in range(orientations):
        theta = math.pi * o / orientations
        u = x * math.cos(theta) + y * math.sin(theta)
        carrier = 2 * math.pi * u / wavelength
        kappa = (env * np.cos(carrier)).sum() / env.sum()
        even = env * (np.cos(carrier) - kappa)
        odd = env * np.sin(carrier)
        bank[o, 0] = even / np.linalg.norm(even)
        bank[o, 1] = odd / np.linalg.norm(odd)
    return bank, offsets, (wavelength, sd, step, count, first)


def gabor_energies(images, cycles_list, orientations=8, background=0.5):
    """images [n, S, S] at working size -> energies [n, features], order [scale][orientation][row][column]."""
    n, size, _ = images.shape
    centred = images.astype(np.float64) - background
    flat = centred.reshape(n, -1)
    out = []
    for cycles in cycles_list:
        bank, offsets, (_, _, step, count, first) = gabor_kernels(size, cycles, orientations)
        centres = first + step * np.arange(count)
        taps = offsets.size
        responses = np.zeros((n, orientations, 2, count, count))
        for r, cy in enumerate(centres):
            rows = (cy + offsets).astype(int)  # cy + offset is an integer pixel index by construction
            assert np.all(cy + offsets == rows)
            row_ok = (rows >= 0) & (rows < size)
            for c, cx in enumerate(centres):
                cols = (cx + offsets).astype(int)
                col_ok = (cols >= 0) & (cols < size)
                placed = np.zeros((orientations, 2, size, size))
                placed[:, :, rows[row_ok][:, None], cols[col_ok][None, :]] = \
                    bank[:, :, np.flatnonzero(row_ok)[:, None], np.flatnonzero(col_ok)[None, :]]
                responses[:, :, :, r, c] = np.einsum("np,ocp->noc", flat, placed.reshape(orientations, 2, -1))
        energy = np.sqrt(responses[:, :, 0] ** 2 + responses[:, :, 1] ** 2)  # [n, orientations, count, count]
        out.append(energy.reshape(n, -1))
        assert taps == bank.shape[-1]
    return np.concatenate(out, axis=1)


def svd_flip_rows(vt):
    """sklearn.utils.extmath.svd_flip(u, v, u_based_decision=False) applied to the rows of vt."""
    largest = np.argmax(np.abs(vt), axis=1)
    signs = np.sign(vt[np.arange(vt.shape[0]), largest])
    return vt * signs[:, None], signs


def main():
    os.makedirs(FIXTURES, exist_ok=True)
    out = {"generator": "features_reference.py, numpy " + np.__version__ + ", Pillow " + Image.__version__}

    # --- Kay images ---
    kay = []
    for i in (0, 1):
        rgb = np.asarray(Image.open(os.path.join(KAY, f"{i}.jpg")).convert("RGB"))
        assert rgb.shape == (128, 128, 3)
        assert np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 0], rgb[..., 2])
        kay.append(rgb[..., 0].astype(np.float32) / np.float32(255))
    kay = np.stack(kay)
    save_npy("kay_0_1.npy", kay, "<f4")
    kay64 = area_resize(kay.astype(np.float64), 64, 64)
    kay32 = area_resize(kay.astype(np.float64), 32, 32)
    out["kay"] = {
        "file": "kay_0_1.npy",
        "pixel_0_0": [float(kay[0, 0, 0]), float(kay[1, 0, 0])],
        "mean": [float(kay[0].astype(np.float64).mean()), float(kay[1].astype(np.float64).mean())],
        "resized32_first_row_image1": kay32[1, 0].tolist(),
        "resized32_sum": [float(kay32[0].sum()), float(kay32[1].sum())],
    }

    # --- Area resize, non-integer factors ---
    small = np.arange(35, dtype=np.float64).reshape(1, 5, 7) ** 1.5 / 35 ** 1.5
    out["area_resize"] = {
        "input": small[0].tolist(),
        "output_3x4": area_resize(small, 3, 4)[0].tolist(),
        "output_8x9": area_resize(small, 8, 9)[0].tolist(),
    }

    # --- PCA ---
    rng = np.random.default_rng(20080306)
    latent = rng.normal(size=(67, 5)) * np.array([5.0, 3.0, 2.0, 1.0, 0.5])
    loadings = rng.normal(size=(5, 40))
    data = latent @ loadings + 0.1 * rng.normal(size=(67, 40)) + rng.normal(size=40) * 3
    train, test = data[:60], data[60:]
    save_npy("pca_train.npy", train, "<f8")
    save_npy("pca_test.npy", test, "<f8")
    mean = train.mean(axis=0)
    _, s, vt = np.linalg.svd(train - mean, full_matrices=False)
    vt, _ = svd_flip_rows(vt)
    variance = s ** 2 / (train.shape[0] - 1)
    ratio = variance / variance.sum()
    k = 6
    fraction = 0.99
    k_fraction = int(np.searchsorted(np.cumsum(ratio), fraction, side="right") + 1)
    out["pca"] = {
        "train": "pca_train.npy", "test": "pca_test.npy", "components": k,
        "mean": mean.tolist(),
        "loadings": vt[:k].tolist(),
        "explained_variance": variance[:k].tolist(),
        "explained_variance_ratio": ratio[:k].tolist(),
        "test_projection": ((test - mean) @ vt[:k].T).tolist(),
        "train_projection_first3": ((train[:3] - mean) @ vt[:k].T).tolist(),
        "variance_fraction": fraction, "variance_fraction_components": k_fraction,
    }

    # --- Gabor pyramid ---
    cycles64 = [1, 2, 4, 8, 16]
    gabor64 = gabor_energies(kay64, cycles64)
    assert gabor64.shape == (2, 2728)
    save_npy("gabor_kay64.npy", gabor64, "<f8")
    allen = np.load(ALLEN)[0].reshape(1, 31, 31) / 255.0
    save_npy("allen_scene_0.npy", allen, "<f4")
    allen = allen.astype(np.float32).astype(np.float64)  # what the test feeds in
    cycles31 = [1, 2, 4, 8]
    gabor31 = gabor_energies(allen, cycles31)
    save_npy("gabor_allen31.npy", gabor31, "<f8")
    layouts = []
    for size, cycles_list in ((64, cycles64), (31, cycles31)):
        for cycles in cycles_list:
            bank, offsets, (wavelength, sd, step, count, first) = gabor_kernels(size, cycles, 8)
            layouts.append({"size": size, "cycles": cycles, "wavelength": wavelength, "envelope_sd": sd,
                            "step": step, "count": count, "first": first, "kernel": int(offsets.size),
                            # orientation 2 (45 degrees): row offsets.size // 2, columns offsets.size // 2 - 3 ... + 3
                            "even_45_centre_row": bank[2, 0, offsets.size // 2, offsets.size // 2 - 3:offsets.size // 2 + 4].tolist(),
                            "odd_45_centre_row": bank[2, 1, offsets.size // 2, offsets.size // 2 - 3:offsets.size // 2 + 4].tolist()})
    out["gabor"] = {
        "kay64": {"file": "gabor_kay64.npy", "images": "kay_0_1.npy", "size": 64, "cycles": cycles64,
                  "orientations": 8, "features": int(gabor64.shape[1])},
        "allen31": {"file": "gabor_allen31.npy", "images": "allen_scene_0.npy", "size": 31, "cycles": cycles31,
                    "orientations": 8, "features": int(gabor31.shape[1])},
        "layouts": layouts,
    }

    text = json.dumps(out, indent=1)
    with open(os.path.join(HERE, "features_reference.json"), "w") as f:
        f.write(text + "\n")
    print("wrote features_reference.json and fixtures;", gabor64.shape, gabor31.shape, "k_fraction", k_fraction)


if __name__ == "__main__":
    main()
