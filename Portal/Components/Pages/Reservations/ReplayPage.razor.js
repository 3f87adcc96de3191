// Plays an asciinema v2 recording in xterm.js: fetched once from its download address (the same access rule as the
// download), then fed to the terminal on the recording's own clock times the speed. Seeking redraws from the start
// up to the position. The page hears where the player is a few times a second.

import { storedFontSize } from '../../Shared/Terminal.razor.js';

const progressInterval = 250; // ms

export async function load(element, url, dotnet) {
    const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
    if (!response.ok) {
        throw new Error(`${url} answered ${response.status}`);
    }
    const lines = (await response.text()).split('\n').filter(line => line.length > 0);
    const header = JSON.parse(lines[0]);
    if (header.version !== 2) {
        throw new Error(`it is asciicast version ${header.version}; this player reads version 2`);
    }
    const events = lines.slice(1).map(line => JSON.parse(line)).filter(event => event[1] === 'o');
    const term = new window.Terminal({
        disableStdin: true,
        cursorBlink: false,
        scrollback: 10000,
        fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
        fontSize: storedFontSize(),
        theme: { background: '#1e1e1e' },
    });
    // Sized to the page like the live console (a serial line has no size of its own).
    const fit = new window.FitAddon.FitAddon();
    term.loadAddon(fit);
    term.open(element);
    fit.fit();
    return {
        term, events, dotnet,
        duration: events.length > 0 ? events[events.length - 1][0] : 0,
        next: 0, position: 0, speed: 1, playing: false,
        startedAt: 0, startedFrom: 0, timer: null, reportedAt: 0,
    };
}

export function info(player) {
    return { duration: player.duration, events: player.events.length };
}

function clock(player) {
    return player.playing
        ? player.startedFrom + (performance.now() - player.startedAt) / 1000 * player.speed
        : player.position;
}

function report(player, force) {
    const now = performance.now();
    if (force || now - player.reportedAt >= progressInterval) {
        player.reportedAt = now;
        player.dotnet.invokeMethodAsync('Progress', player.position, player.playing);
    }
}

// Writes every event up to the player's clock, then sleeps until the next one (waking at least to report progress).
function tick(player) {
    player.timer = null;
    const position = Math.min(clock(player), player.duration);
    let output = '';
    while (player.next < player.events.length && player.events[player.next][0] <= position) {
        output += player.events[player.next++][2];
    }
    if (output) {
        player.term.write(output);
    }
    player.position = position;
    if (player.next >= player.events.length) {
        player.playing = false;
        player.position = player.duration;
        report(player, true);
        return;
    }
    report(player, false);
    const untilNext = (player.events[player.next][0] - position) / player.speed * 1000;
    player.timer = setTimeout(() => tick(player), Math.max(0, Math.min(progressInterval, untilNext)));
}

function restartClock(player) {
    player.startedFrom = player.position;
    player.startedAt = performance.now();
}

export function play(player) {
    if (player.next >= player.events.length) {
        seek(player, 0);
    }
    player.playing = true;
    restartClock(player);
    tick(player);
}

export function pause(player) {
    player.position = clock(player);
    player.playing = false;
    clearTimeout(player.timer);
    report(player, true);
}

export function setSpeed(player, speed) {
    player.position = clock(player);
    player.speed = speed;
    restartClock(player);
}

export function seek(player, position) {
    clearTimeout(player.timer);
    player.term.reset();
    player.next = 0;
    let output = '';
    while (player.next < player.events.length && player.events[player.next][0] <= position) {
        output += player.events[player.next++][2];
    }
    player.term.write(output);
    player.position = position;
    restartClock(player);
    if (player.playing) {
        tick(player);
    }
}

export function dispose(player) {
    clearTimeout(player.timer);
    player.term.dispose();
}
