// NeuroLab brain viewer: NiiVue (WebGL2) wrapped for Blazor JS interop.
// Bundled with @niivue/niivue by esbuild into wwwroot/assets/brainviewer.js by the .NET build
// (target NeuroLabBundleViewer in src/NeuroLab.Web/NeuroLab.Web.csproj); no inline script, so it runs
// under the app's Content-Security-Policy.
//
// Volumes are fetched by URL (binary NIfTI from the API, cached by the browser through ETags); the
// .NET side only sends small JSON (URLs, display settings, crosshair positions in mm).

import { Niivue, SLICE_TYPE, SHOW_RENDER } from "@niivue/niivue";

const viewers = new Map();
let nextId = 1;

const sliceTypes = {
    multiplanar: SLICE_TYPE.MULTIPLANAR,
    axial: SLICE_TYPE.AXIAL,
    coronal: SLICE_TYPE.CORONAL,
    sagittal: SLICE_TYPE.SAGITTAL,
    render: SLICE_TYPE.RENDER,
    mosaic: SLICE_TYPE.AXIAL,
};

/**
 * Creates a viewer on a canvas. Location changes (clicks, drags, arrow keys) are reported to
 * dotnet.OnLocationChanged([x, y, z] in mm) at most every 80 ms, always ending with the last position.
 * @returns {number} the viewer's handle
 */
export async function create(canvas, dotnet, options) {
    const started = performance.now();
    const nv = new Niivue({
        backColor: options?.dark ? [0.07, 0.07, 0.09, 1] : [0.97, 0.97, 0.98, 1],
        crosshairColor: [1, 0.2, 0.2, 1],
        // 1 mm wide whatever the voxel size (the default, one voxel, hides a 25 mm voxel under the crosshair).
        crosshairWidth: 1,
        crosshairWidthUnit: "mm",
        show3Dcrosshair: true,
        isColorbar: true,
        dragAndDropEnabled: false,
        loadingText: "",
        isResizeCanvas: true,
        // The 3-D tile of the multiplanar layout costs a ray-cast per frame; the 3D button shows it on its own.
        multiplanarShowRender: SHOW_RENDER.NEVER,
    });
    await nv.attachToCanvas(canvas);
    const state = { nv, dotnet, started, pending: null, pendingByUser: false, pointerDown: false, userInput: false, moving: false, onPointerUp: null, timer: null, urls: [], view: "multiplanar" };
    // Whether a location change is the user's own (a click, drag, wheel or key on the canvas) or a moveToMm call:
    // a co-viewer following someone stops when they move the crosshair themselves, not when it is moved for them.
    canvas.addEventListener("pointerdown", () => { state.pointerDown = true; state.userInput = true; }, { capture: true });
    state.onPointerUp = () => { state.pointerDown = false; };
    window.addEventListener("pointerup", state.onPointerUp, { capture: true });
    for (const type of ["wheel", "keydown"]) {
        canvas.addEventListener(type, () => { state.userInput = true; }, { capture: true, passive: true });
    }
    nv.onLocationChange = (msg) => {
        state.pending = [msg.mm[0], msg.mm[1], msg.mm[2]];
        if (!state.moving && (state.pointerDown || state.userInput)) {
            state.pendingByUser = true;
        }
        if (state.timer === null) {
            state.timer = setTimeout(() => flushLocation(state), 80);
        }
    };
    const id = nextId++;
    viewers.set(id, state);
    return id;
}

function flushLocation(state) {
    state.timer = null;
    const mm = state.pending;
    const byUser = state.pendingByUser;
    state.pending = null;
    state.pendingByUser = false;
    state.userInput = state.pointerDown;
    if (mm) {
        state.dotnet.invokeMethodAsync("OnLocationChanged", mm, byUser).catch(() => { /* circuit gone */ });
    }
}

function get(id) {
    const state = viewers.get(id);
    if (!state) {
        throw new Error(`No brain viewer ${id}.`);
    }
    return state;
}

function apply(volume, spec) {
    volume.colormap = spec.colormap || "gray";
    volume.colormapNegative = spec.colormapNegative || "";
    if (spec.calMin !== null && spec.calMin !== undefined) {
        volume.cal_min = spec.calMin;
    }
    if (spec.calMax !== null && spec.calMax !== undefined) {
        volume.cal_max = spec.calMax;
    }
    volume.opacity = spec.opacity ?? 1;
}

/**
 * Shows volumes: the first is the background, the rest overlays, each
 * {url, name, colormap, colormapNegative, calMin, calMax, opacity}. The same URLs in the same order only
 * change display settings (no reload). Resolves with timings in ms: sincePageStart (performance.now(),
 * i.e. since the document's navigation started) and sinceCreate.
 */
export async function setVolumes(id, volumes) {
    const state = get(id);
    const nv = state.nv;
    const urls = volumes.map((v) => v.url);
    const t0 = performance.now();
    let loaded = false;
    if (urls.length !== state.urls.length || urls.some((u, i) => u !== state.urls[i])) {
        state.urls = urls;
        while (nv.meshes.length > 0) {
            nv.removeMesh(nv.meshes[0]);
        }
        // Display settings go in with the load, so the volumes are uploaded to the GPU once. name carries the
        // extension NiiVue needs to pick the NIfTI reader (the API URLs have none).
        await nv.loadVolumes(volumes.map((v) => ({
            url: v.url,
            name: v.name,
            colormap: v.colormap || "gray",
            colormapNegative: v.colormapNegative || "",
            opacity: v.opacity ?? 1,
            ...(v.calMin !== null && v.calMin !== undefined ? { cal_min: v.calMin, trustCalMinMax: true } : {}),
            ...(v.calMax !== null && v.calMax !== undefined ? { cal_max: v.calMax } : {}),
        })));
        loaded = true;
    }
    const t1 = performance.now();
    if (!loaded) {
        // Same volumes, new display settings: recolour without reloading.
        volumes.forEach((spec, i) => {
            if (nv.volumes[i]) {
                apply(nv.volumes[i], spec);
            }
        });
        nv.updateGLVolume();
    }
    if (state.view === "mosaic") {
        setMosaic(nv);
    }
    nv.drawScene();
    const t2 = performance.now();
    return { sincePageStart: t2, sinceCreate: t2 - state.started, loadMs: t1 - t0, drawMs: t2 - t1, volumes: nv.volumes.length };
}

function setMosaic(nv) {
    const back = nv.volumes[0];
    if (!back) {
        return;
    }
    // Axial slices spread over the background's superior-inferior extent (mm), two rows of six.
    const lo = back.extentsMinOrtho[2], hi = back.extentsMaxOrtho[2];
    const rows = [];
    for (let r = 0; r < 2; r++) {
        const cells = [];
        for (let c = 0; c < 6; c++) {
            const k = r * 6 + c;
            cells.push((lo + (hi - lo) * (0.12 + 0.72 * k / 11)).toFixed(1));
        }
        rows.push("A " + cells.join(" "));
    }
    nv.setSliceMosaicString(rows.join(" ; "));
}

/** View: multiplanar | axial | coronal | sagittal | mosaic | render (3-D). */
export function setView(id, view) {
    const state = get(id);
    const nv = state.nv;
    state.view = view;
    nv.setSliceMosaicString("");
    nv.setSliceType(sliceTypes[view] ?? SLICE_TYPE.MULTIPLANAR);
    if (view === "mosaic") {
        setMosaic(nv);
    }
    nv.drawScene();
}

/** Moves the crosshair to a world position [x, y, z] in mm (reported back like a click). */
export function moveToMm(id, mm) {
    const state = get(id);
    const nv = state.nv;
    nv.scene.crosshairPos = nv.mm2frac(mm);
    state.moving = true;
    try {
        nv.createOnLocationChange();
    } finally {
        state.moving = false;
    }
    nv.drawScene();
}

/** The current crosshair in mm. */
export function crosshairMm(id) {
    const nv = get(id).nv;
    const mm = nv.frac2mm(nv.scene.crosshairPos);
    return [mm[0], mm[1], mm[2]];
}

/**
 * Saves the current view as a PNG download and returns its size in bytes. The scene is drawn and read in the
 * same task, so the WebGL drawing buffer is still valid.
 */
export async function exportPng(id, filename) {
    const nv = get(id).nv;
    nv.drawScene();
    const blob = await new Promise((resolve) => nv.canvas.toBlob(resolve, "image/png"));
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = filename || "neurolab-view.png";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    return blob.size;
}

/**
 * Shows surface meshes: [{url, name, layers: [{url, name, colormap, colormapNegative, calMin, calMax, opacity}]}],
 * each layer a per-vertex overlay (GIFTI), and switches to the 3-D view.
 */
export async function setMeshes(id, meshes) {
    const state = get(id);
    const nv = state.nv;
    const t0 = performance.now();
    while (nv.meshes.length > 0) {
        nv.removeMesh(nv.meshes[0]);
    }
    // Surfaces are shown on their own: volumes would be ray-cast around them.
    while (nv.volumes.length > 0) {
        nv.removeVolume(nv.volumes[0]);
    }
    state.urls = [];
    await nv.loadMeshes(meshes.map((m) => ({
        url: m.url,
        name: m.name,
        layers: (m.layers || []).map((l) => ({
            url: l.url,
            name: l.name,
            colormap: l.colormap || "warm",
            colormapNegative: l.colormapNegative || "",
            cal_min: l.calMin ?? undefined,
            cal_max: l.calMax ?? undefined,
            opacity: l.opacity ?? 1,
            useNegativeCmap: !!l.colormapNegative,
        })),
    })));
    state.view = "render";
    nv.setSliceType(SLICE_TYPE.RENDER);
    nv.drawScene();
    const t1 = performance.now();
    return { sincePageStart: t1, sinceCreate: t1 - state.started, loadMs: t1 - t0, drawMs: 0, meshes: nv.meshes.length };
}

export function dispose(id) {
    const state = viewers.get(id);
    if (state) {
        clearTimeout(state.timer);
        window.removeEventListener("pointerup", state.onPointerUp, { capture: true });
        viewers.delete(id);
        try {
            state.nv.gl?.getExtension("WEBGL_lose_context")?.loseContext();
        } catch {
            // The canvas may already be gone.
        }
    }
}
