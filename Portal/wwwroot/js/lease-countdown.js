// Ticks every lease countdown on the page once a second, from the time left the server rendered into it
// (LeaseCountdown.cs, whose words these are): no server timer, no round trip, and the browser's clock is not trusted.
(() => {
    const seen = new WeakMap(); // span -> { left: the server's figure, at: when this tab first saw it }
    const two = n => String(n).padStart(2, "0");
    const words = ms => {
        if (ms <= 0) {
            return "expiring";
        }
        const seconds = Math.floor(ms / 1000);
        const hours = Math.floor(seconds / 3600);
        return hours >= 1
            ? `${hours}h ${two(Math.floor(seconds / 60) % 60)}m left`
            : `${Math.floor(seconds / 60)}m ${two(seconds % 60)}s left`;
    };
    setInterval(() => {
        const now = performance.now();
        for (const span of document.querySelectorAll("span[data-lease-left-ms]")) {
            const left = Number(span.dataset.leaseLeftMs);
            let origin = seen.get(span);
            if (!origin || origin.left !== left) { // new, or rendered again by the server
                origin = { left, at: now };
                seen.set(span, origin);
            }
            const text = span.firstChild;
            const next = words(origin.left - (now - origin.at));
            if (text?.nodeType === Node.TEXT_NODE && text.data !== next) {
                text.data = next;
            }
        }
    }, 1000);
})();
