using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Reservations;
using Portal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>
/// The portal's resync of a tab that fell behind a flood (a terminal reset, ESC c, then the scrollback): the view must go
/// on following the output to its end.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsoleResetTests(BrowserFixture browser) : BrowserTest(browser)
{
    private readonly BashBoard _board = new();

    public override async Task InitializeAsync()
    {
        await _board.StartAsync();
        _board.Configure(Portal, 0);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _board.DisposeAsync();
    }

    /// <summary>
    /// Keeps the page's xterm.js terminal as window.capturedTerminal, to read what its view shows (WebGL draws into a
    /// canvas), and counts the resets (ESC c) written to it.
    /// </summary>
    private const string CaptureTerminal = """
        (() => {
          let Xterm;
          window.resets = 0;
          Object.defineProperty(window, 'Terminal', {
            configurable: true,
            get: () => Xterm,
            set: value => {
              Xterm = class extends value {
                constructor(...a) {
                  super(...a);
                  window.capturedTerminal = this;
                  const write = this.write;
                  this.write = (data, callback) => {
                    for (let i = 0; i < data.length - 1; i++) if (data[i] === 27 && data[i + 1] === 99) window.resets++;
                    return write.call(this, data, callback);
                  };
                }
              };
            },
          });
        })();
        """;

    private const string ViewShowsTheEnd = """
        () => {
          const buffer = window.capturedTerminal.buffer.active;
          for (let y = buffer.viewportY; y < buffer.viewportY + window.capturedTerminal.rows; y++) {
            if (buffer.getLine(y)?.translateToString(true) === 'END-42') return true;
          }
          return false;
        }
        """;

    [SocatFact]
    public async Task AfterTheResyncOfATabThatFellBehindAFloodTheViewFollowsTheOutputUntilTheReaderScrolls()
    {
        var user = await Portal.CreateUserAsync("follower@lab.test", "Follow-Pass-12");
        await Portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(user, "pine-01", null, CancellationToken.None);
        var page = await NewPageAsync(domRenderer: false);
        await page.Context.AddInitScriptAsync(CaptureTerminal);
        await LogInAsync(page, "follower@lab.test", "Follow-Pass-12");
        await page.GotoAsync("boards/pine-01/console");
        await Expect(page.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync();
        await page.Locator("[data-terminal]").ClickAsync();

        // The arithmetic keeps the marker out of the echoed command line: only the output has it.
        await page.Keyboard.TypeAsync("base64 /dev/urandom | head -c 20000000; echo; echo END-$((40+2))");
        await page.Keyboard.PressAsync("Enter");
        // The tab stops drawing (and acknowledging) for 3 s in the flood, as a busy tab does: the portal stops sending
        // to it, and resyncs it (a reset, then the scrollback) once it has caught up.
        await page.WaitForFunctionAsync("() => window.capturedTerminal.buffer.active.baseY > 100");
        await page.EvaluateAsync("() => { const end = performance.now() + 3000; while (performance.now() < end) { } }");
        await page.WaitForFunctionAsync(ViewShowsTheEnd, null, new() { Timeout = 120_000 });
        Assert.True(await page.EvaluateAsync<int>("() => window.resets") > 0, "the tab was not resynced, so this test did not test that");

        // The reader's own scroll is theirs to keep.
        await page.Locator("[data-terminal]").HoverAsync();
        await page.Mouse.WheelAsync(0, -3000);
        await page.WaitForFunctionAsync("() => window.capturedTerminal.buffer.active.viewportY < window.capturedTerminal.buffer.active.baseY");
        await Task.Delay(500);
        Assert.False(await page.EvaluateAsync<bool>(ViewShowsTheEnd));
    }
}
