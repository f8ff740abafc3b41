// Drag-and-drop upload straight to the REST API with XMLHttpRequest, so files stream from disk to the
// server with real progress events and never pass through the Blazor circuit.

/**
 * Wires a drop zone and a file input to upload into a workspace.
 * @param {HTMLElement} zone element that accepts drops (and opens the file picker on click)
 * @param {HTMLInputElement} input hidden <input type=file multiple>
 * @param {string} url upload endpoint (/api/v1/workspaces/{id}/uploads)
 * @param {string} token antiforgery request token for the header RequestVerificationToken
 * @param {any} dotnet DotNetObjectReference with OnUploadProgress, OnUploadDone, OnUploadFailed
 */
export function attach(zone, input, url, token, dotnet) {
    const start = (files) => {
        for (const file of files) {
            upload(file, url, token, dotnet);
        }
    };
    const prevent = (e) => { e.preventDefault(); e.stopPropagation(); };
    zone.addEventListener("dragenter", (e) => { prevent(e); zone.classList.add("nl-drop-active"); });
    zone.addEventListener("dragover", (e) => { prevent(e); zone.classList.add("nl-drop-active"); });
    zone.addEventListener("dragleave", (e) => { prevent(e); zone.classList.remove("nl-drop-active"); });
    zone.addEventListener("drop", (e) => {
        prevent(e);
        zone.classList.remove("nl-drop-active");
        start(e.dataTransfer.files);
    });
    zone.addEventListener("click", () => input.click());
    zone.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { prevent(e); input.click(); } });
    input.addEventListener("change", () => { start(input.files); input.value = ""; });
}

let counter = 0;

function upload(file, url, token, dotnet) {
    const id = `u${Date.now()}-${counter++}`;
    const form = new FormData();
    form.append("files", file, file.webkitRelativePath || file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("RequestVerificationToken", token);
    xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) {
            dotnet.invokeMethodAsync("OnUploadProgress", id, file.name, e.loaded, e.total);
        }
    };
    xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
            dotnet.invokeMethodAsync("OnUploadDone", id, file.name, xhr.responseText);
        } else {
            let message = `HTTP ${xhr.status}`;
            try { message = JSON.parse(xhr.responseText).detail || message; } catch { /* not JSON */ }
            dotnet.invokeMethodAsync("OnUploadFailed", id, file.name, message);
        }
    };
    xhr.onerror = () => dotnet.invokeMethodAsync("OnUploadFailed", id, file.name, "the connection to the server failed");
    dotnet.invokeMethodAsync("OnUploadProgress", id, file.name, 0, file.size);
    xhr.send(form);
}
