// A thin module over @xterm/xterm (loaded as window.Terminal) and its search and web-links addons: output in,
// keystrokes and acknowledgements out. Each write is acknowledged once xterm has rendered it, so the server never
// sends faster than the tab can draw; under scroll lock writes are held unacknowledged, so the server's flow control
// (not this tab) decides what waits.

const fontSizeKey = 'portal.terminal.fontSize';
const rendererKey = 'portal.terminal.renderer';
const defaultFontSize = 14;
const minFontSize = 8;
const maxFontSize = 32;
const terminals = new Set();

const searchDecorations = {
    matchBackground: '#5c4a00',
    matchOverviewRuler: '#c9a400',
    activeMatchBackground: '#c77700',
    activeMatchColorOverviewRuler: '#ff9800',
};

export function storedFontSize() {
    const stored = Number.parseInt(localStorage.getItem(fontSizeKey) ?? '', 10);
    return Number.isFinite(stored) ? Math.min(maxFontSize, Math.max(minFontSize, stored)) : defaultFontSize;
}

export function create(element, dotnet, readOnly) {
    const term = new window.Terminal({
        cursorBlink: false,
        scrollback: 10000,
        disableStdin: readOnly,
        fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
        fontSize: storedFontSize(),
        theme: { background: '#1e1e1e' },
        allowProposedApi: true, // the search addon's highlights are decorations
    });
    const fit = new window.FitAddon.FitAddon();
    const search = new window.SearchAddon.SearchAddon();
    term.loadAddon(fit);
    term.loadAddon(search);
    term.loadAddon(new window.WebLinksAddon.WebLinksAddon());
    term.open(element);
    const handle = { term, fit, search, dotnet, locked: false, held: [], observer: null, webgl: null, drawn: 0, ackTimer: 0 };
    applyRenderer(handle, storedRenderer());
    fit.fit();
    term.onData(data => dotnet.invokeMethodAsync('Input', data));
    term.onResize(size => dotnet.invokeMethodAsync('Resized', size.cols, size.rows));
    term.onSelectionChange(() => copySelection(term));
    search.onDidChangeResults(results => dotnet.invokeMethodAsync('SearchResults', results.resultIndex, results.resultCount));
    term.attachCustomKeyEventHandler(event => {
        if (event.type !== 'keydown') {
            return true;
        }
        if (event.ctrlKey && event.shiftKey && event.code === 'KeyF') {
            event.preventDefault();
            dotnet.invokeMethodAsync('OpenSearch');
            return false;
        }
        if (event.key === 'ScrollLock') {
            dotnet.invokeMethodAsync('ToggleScrollLock');
            return false;
        }
        return true;
    });
    handle.observer = new ResizeObserver(() => {
        try { fit.fit(); } catch { /* detached */ }
    });
    handle.observer.observe(element);
    terminals.add(handle);
    return handle;
}

// WebGL draws a frame in a fraction of the DOM renderer's time (the console benchmark's echo); the DOM renderer stays
// for browsers without WebGL on a GPU, after a lost WebGL context (the GPU process restarted), and for whoever picks it.
function applyRenderer(handle, renderer) {
    if (renderer === 'webgl' && !handle.webgl) {
        try {
            const webgl = new window.WebglAddon.WebglAddon();
            webgl.onContextLoss(() => {
                webgl.dispose();
                handle.webgl = null;
            });
            handle.term.loadAddon(webgl);
            handle.webgl = webgl;
        } catch {
            handle.webgl = null;
        }
    } else if (renderer === 'dom' && handle.webgl) {
        handle.webgl.dispose();
        handle.webgl = null;
    }
}

// The browser's choice when the user made none: WebGL where it runs on a GPU. Drawn in software (SwiftShader,
// llvmpipe: a browser without GPU access, as headless Chromium), WebGL fell seconds behind a booting kernel's log
// (the boot benchmark), where the DOM renderer kept up.
export function storedRenderer() {
    const stored = localStorage.getItem(rendererKey);
    return stored === 'dom' || stored === 'webgl' ? stored : (webglOnGpu() ? 'webgl' : 'dom');
}

function webglOnGpu() {
    try {
        const gl = document.createElement('canvas').getContext('webgl2');
        if (!gl) {
            return false;
        }
        const info = gl.getExtension('WEBGL_debug_renderer_info');
        const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
        gl.getExtension('WEBGL_lose_context')?.loseContext();
        return renderer !== '' && !/swiftshader|llvmpipe|softpipe|software/i.test(renderer);
    } catch {
        return false;
    }
}

// Sets the renderer of every terminal on the page and keeps it for this browser; returns what draws this one now.
export function setRenderer(handle, renderer) {
    localStorage.setItem(rendererKey, renderer);
    terminals.forEach(each => applyRenderer(each, renderer));
    return rendererOf(handle);
}

export function rendererOf(handle) {
    return handle.webgl ? 'webgl' : 'dom';
}

// Copy on select, as in a desktop terminal; the clipboard refuses pages that are not secure or not focused.
function copySelection(term) {
    const selection = term.getSelection();
    if (selection && navigator.clipboard) {
        navigator.clipboard.writeText(selection).catch(() => { /* not allowed here */ });
    }
}

export function write(handle, bytes) {
    if (handle.locked) {
        handle.held.push(bytes);
        return;
    }
    handle.term.write(bytes, () => drawn(handle, bytes.length));
}

// What xterm.js drew is acknowledged in one message per ACK_BYTES, or ACK_WITHIN_MS after the first byte not yet
// acknowledged, not one per write: a message per echoed key kept the tab, the browser and the server busy on the same
// cores just when the echo's frame was due. Both bounds are far under the server's watermarks (16 and 128 KiB).
const ACK_BYTES = 8 * 1024;
const ACK_WITHIN_MS = 100;

function drawn(handle, bytes) {
    handle.drawn += bytes;
    if (handle.drawn >= ACK_BYTES) {
        acknowledge(handle);
    } else if (!handle.ackTimer) {
        handle.ackTimer = setTimeout(() => acknowledge(handle), ACK_WITHIN_MS);
    }
}

function acknowledge(handle) {
    clearTimeout(handle.ackTimer);
    handle.ackTimer = 0;
    const bytes = handle.drawn;
    handle.drawn = 0;
    if (bytes > 0 && terminals.has(handle)) {
        handle.dotnet.invokeMethodAsync('Acknowledge', bytes);
    }
}

// Scroll lock: the view stays where the reader put it; output waits in the tab until it is released.
export function setScrollLock(handle, locked) {
    handle.locked = locked;
    if (!locked) {
        const held = handle.held;
        handle.held = [];
        held.forEach(bytes => write(handle, bytes));
    }
}

// Typing refines the current match (incremental); Enter and the arrows move to the next or previous one.
export function find(handle, text, backwards, incremental) {
    if (!text) {
        handle.search.clearDecorations();
        handle.term.clearSelection();
        return;
    }
    const options = { decorations: searchDecorations, incremental };
    if (backwards) {
        handle.search.findPrevious(text, options);
    } else {
        handle.search.findNext(text, options);
    }
}

export function closeSearch(handle) {
    handle.search.clearDecorations();
    handle.term.focus();
}

// Sets the font size of every terminal on the page and keeps it for this browser; returns the size applied.
export function setFontSize(size) {
    const applied = Math.min(maxFontSize, Math.max(minFontSize, size));
    localStorage.setItem(fontSizeKey, String(applied));
    terminals.forEach(handle => {
        handle.term.options.fontSize = applied;
        try { handle.fit.fit(); } catch { /* detached */ }
    });
    return applied;
}

export function size(handle) {
    return [handle.term.cols, handle.term.rows];
}

export function setReadOnly(handle, readOnly) {
    handle.term.options.disableStdin = readOnly;
}

export function focus(handle) {
    handle.term.focus();
}

export function dispose(handle) {
    terminals.delete(handle);
    clearTimeout(handle.ackTimer);
    handle.webgl?.dispose();
    handle.observer.disconnect();
    handle.term.dispose();
}
