// NeuroLab browser helpers called from Blazor through JS interop (IJSRuntime / IJSObjectReference).
// Kept free of inline script so the Content-Security-Policy can forbid inline code.

const themeKey = "neurolab.theme";

/** The stored theme preference: "dark", "light", or null when the user has not chosen. */
export function getThemePreference() {
    try {
        return window.localStorage.getItem(themeKey);
    } catch {
        return null;
    }
}

/** Stores the theme preference so it survives reloads and new circuits. */
export function setThemePreference(value) {
    try {
        window.localStorage.setItem(themeKey, value);
    } catch {
        // Private browsing can refuse storage; the theme then lasts for this page only.
    }
}

/** Copies text to the clipboard (used to copy a freshly created API token). */
export async function copyText(text) {
    await navigator.clipboard.writeText(text);
}

/**
 * Remembers the figure state a chart div has now (Plotly sets a new `_fullLayout` on every draw), so
 * `drawnSinceMark` can tell whether a draw asked for afterwards really happened: Plotly.Blazor queues draws asked
 * for while its script loads, and one failing queued draw (a chart that left the page) drops the rest of the queue.
 */
export function markChart(id) {
    const element = document.getElementById(id);
    if (!element) {
        return false;
    }
    element.__neurolabMark = element._fullLayout || null;
    return true;
}

/** Whether the chart was drawn since `markChart` (true also when the chart has left the page: nothing to draw). */
export async function drawnSinceMark(id, timeoutMs) {
    const start = Date.now();
    while (Date.now() - start < timeoutMs) {
        const element = document.getElementById(id);
        if (!element || (element._fullLayout && element._fullLayout !== element.__neurolabMark)) {
            return true;
        }
        await new Promise(resolve => setTimeout(resolve, 50));
    }
    return false;
}

/**
 * Resolves true once window.Plotly is in and, when full, is the full plotly.js bundle (it can draw heatmaps), false
 * after timeoutMs. Plotly.Blazor swaps one script element between its basic and full bundles, draws queued charts with
 * whichever bundle is loaded, and runs its queued draws in one loop that a draw for a removed chart throws out of; so
 * every chart (PlotlyFigure) draws once more when this resolves.
 */
export async function waitForPlotly(full, timeoutMs) {
    const start = Date.now();
    while (Date.now() - start < timeoutMs) {
        const plotly = window.Plotly;
        try {
            if (plotly && typeof plotly.react === 'function' && (!full || plotly.PlotSchema.get().traces.heatmap)) {
                return true;
            }
        } catch {
            // The bundle is still initialising.
        }
        await new Promise(resolve => setTimeout(resolve, 100));
    }
    return false;
}
