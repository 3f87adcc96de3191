// A thin module over @xterm/xterm (loaded as window.Terminal): output in, keystrokes and acknowledgements out.
// Each write is acknowledged once xterm has rendered it, so the server never sends faster than the tab can draw.

export function create(element, dotnet, readOnly) {
    const term = new window.Terminal({
        cursorBlink: true,
        scrollback: 10000,
        disableStdin: readOnly,
        fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
        fontSize: 14,
        theme: { background: '#1e1e1e' },
    });
    const fit = new window.FitAddon.FitAddon();
    term.loadAddon(fit);
    term.open(element);
    fit.fit();
    term.onData(data => dotnet.invokeMethodAsync('Input', data));
    term.onResize(size => dotnet.invokeMethodAsync('Resized', size.cols, size.rows));
    const observer = new ResizeObserver(() => {
        try { fit.fit(); } catch { /* detached */ }
    });
    observer.observe(element);
    return { term, observer, dotnet };
}

export function write(handle, bytes) {
    handle.term.write(bytes, () => handle.dotnet.invokeMethodAsync('Acknowledge', bytes.length));
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
    handle.observer.disconnect();
    handle.term.dispose();
}
