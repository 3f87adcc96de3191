using System.Text;
using System.Threading.Channels;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Components.Shared;
using Portal.Consoles;
using Portal.Data;
using Portal.Events;
using Portal.Hardware;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

public sealed class ShellTerminalTests : MudBunitContext
{
    private const int HighWatermark = 4096;

    private readonly LabEvents _events = LabEventLog.NewBus();
    private readonly FakeShell _shell = new();
    private readonly BunitJSModuleInterop _xterm;

    public ShellTerminalTests()
    {
        Services.AddSingleton(_events);
        Services.AddSingleton<IOptionsMonitor<ConsoleOptions>>(new StaticOptionsMonitor<ConsoleOptions>(new ConsoleOptions { HighWatermark = HighWatermark, LowWatermark = 1024 }));
        var module = JSInterop.SetupModule("./Components/Shared/Terminal.razor.js");
        module.Mode = JSRuntimeMode.Loose;
        _xterm = module;
        _xterm.SetupModule(invocation => invocation.Identifier == "create");
        _xterm.Setup<int[]>("size", _ => true).SetResult([120, 40]);
    }

    [Fact]
    public async Task OpensTheShellAtTheTerminalsSizeAndShowsItsNoticeAndOutput()
    {
        var terminal = RenderShell();
        terminal.WaitForAssertion(() => Assert.Equal("open", State(terminal)));

        _shell.Print("$ ");

        await ShownAsync(text => text.EndsWith("$ ", StringComparison.Ordinal));
        Assert.Equal((120, 40), _shell.OpenedAt);
        Assert.Contains("[host key SHA256:abc recorded on first use]", Shown());
    }

    [Fact]
    public async Task TypingAndResizingReachTheShell()
    {
        var terminal = RenderShell();
        terminal.WaitForAssertion(() => Assert.Equal("open", State(terminal)));
        var xterm = terminal.FindComponent<Terminal>().Instance;

        await terminal.InvokeAsync(() => xterm.Input("ls\r"));
        await terminal.InvokeAsync(() => xterm.Resized(100, 30));

        Assert.Equal("ls\r", _shell.Typed);
        Assert.Equal((100, 30), _shell.Size);
    }

    [Fact]
    public void AShellThatExitsSaysSoInTheTerminal()
    {
        var terminal = RenderShell();
        terminal.WaitForAssertion(() => Assert.Equal("open", State(terminal)));

        _shell.Exit();

        terminal.WaitForAssertion(() => Assert.Equal("closed", State(terminal)));
        Assert.Contains("[session closed: the shell exited]", Shown());
        Assert.True(_shell.Disposed);
    }

    [Fact]
    public void ALabEventWithAReasonClosesTheShellAndOneWithoutDoesNot()
    {
        var terminal = RenderShell();
        terminal.WaitForAssertion(() => Assert.Equal("open", State(terminal)));

        _events.Publish(new ReservationChanged(1, "other-board", "alice", ReservationState.Released));
        _events.Publish(new ReservationChanged(2, "rpi-1", "alice", ReservationState.Active));
        _events.Publish(new ReservationChanged(2, "rpi-1", "alice", ReservationState.Released));

        terminal.WaitForAssertion(() => Assert.Equal("closed", State(terminal)));
        Assert.Contains("[session closed: reservation ended]", Shown());
        Assert.True(_shell.Disposed);
    }

    [Fact]
    public async Task WhileTheShellOpensTheTerminalSaysWhereItConnects()
    {
        var opening = new TaskCompletionSource<ShellOpening>();
        var terminal = Render<ShellTerminal>(p => p
            .Add(s => s.Open, (_, _, _) => opening.Task)
            .Add(s => s.Connecting, "connecting to 10.0.0.21:22"));

        await ShownAsync(text => text.Contains("[connecting to 10.0.0.21:22…]", StringComparison.Ordinal));
        Assert.Equal("connecting", State(terminal));

        opening.SetResult(new ShellOpening(_shell));
        terminal.WaitForAssertion(() => Assert.Equal("open", State(terminal)));
    }

    [Fact]
    public void AFailureToConnectIsOneLineInTheTerminal()
    {
        var terminal = Render<ShellTerminal>(p => p.Add(s => s.Open, (_, _, _) => throw new ShellSessionException("ssh to 10.0.0.21:22: connection refused")));

        terminal.WaitForAssertion(() => Assert.Equal("closed", State(terminal)));
        Assert.Contains("[ssh to 10.0.0.21:22: connection refused]", Shown());
    }

    [Fact]
    public async Task TheShellIsNotReadWhileTheBrowserIsAHighWatermarkBehindAndIsOnceItCatchesUp()
    {
        var terminal = RenderShell();
        terminal.WaitForAssertion(() => Assert.Equal("open", State(terminal)));

        _shell.Print(new string('x', HighWatermark + 1));
        _shell.Print("after");
        await ShownAsync(text => text.Contains(new string('x', HighWatermark + 1), StringComparison.Ordinal));

        // The browser drew nothing yet: what the shell printed next stays in the shell.
        Assert.DoesNotContain("after", Shown());
        Assert.Equal(1, _shell.Pending);

        terminal.FindComponent<Terminal>().Instance.Acknowledge(HighWatermark + 1);
        await ShownAsync(text => text.EndsWith("after", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ClosingTheTabEndsTheShell()
    {
        var terminal = RenderShell();
        terminal.WaitForAssertion(() => Assert.Equal("open", State(terminal)));

        await terminal.Instance.DisposeAsync();

        Assert.True(_shell.Disposed);
    }

    private IRenderedComponent<ShellTerminal> RenderShell() => Render<ShellTerminal>(p => p
        .Add(s => s.Open, (columns, rows, _) =>
        {
            _shell.OpenedAt = (columns, rows);
            return Task.FromResult(new ShellOpening(_shell, "[host key SHA256:abc recorded on first use]"));
        })
        .Add(s => s.ClosesOn, e => e is ReservationChanged && e.IsAboutBoard("rpi-1"))
        .Add(s => s.ClosingReason, e => Task.FromResult(e is ReservationChanged { State: not ReservationState.Active } ? "reservation ended" : null)));

    private static string State(IRenderedComponent<ShellTerminal> terminal) =>
        terminal.Find("[data-shell-terminal]").GetAttribute("data-shell-state")!;

    /// <summary>Waits until what xterm.js was given satisfies the condition (writes do not re-render, so this polls); the bound only keeps a broken test from hanging.</summary>
    private async Task ShownAsync(Func<string, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition(Shown()))
        {
            Assert.True(DateTime.UtcNow < deadline, $"The terminal shows: {Shown()}");
            await Task.Delay(20);
        }
    }

    // Everything written into xterm.js, in order.
    private string Shown()
    {
        while (true)
        {
            try
            {
                return string.Concat(_xterm.Invocations["write"].Select(i => Encoding.UTF8.GetString((byte[])i.Arguments[1]!)));
            }
            catch (InvalidOperationException)
            {
                // The terminal wrote while this read the record; read it again.
            }
        }
    }

    /// <summary>A shell in memory: what it prints is read by the terminal; what is typed into it is kept.</summary>
    private sealed class FakeShell : IShellSession
    {
        private readonly Channel<byte[]> _output = Channel.CreateUnbounded<byte[]>();
        private readonly StringBuilder _typed = new();

        public (int Columns, int Rows) OpenedAt { get; set; }

        public (int Columns, int Rows) Size { get; private set; }

        public string Typed => _typed.ToString();

        public bool Disposed { get; private set; }

        /// <summary>Output printed and not yet read by the terminal.</summary>
        public int Pending => _output.Reader.Count;

        public void Print(string text) => _output.Writer.TryWrite(Encoding.UTF8.GetBytes(text));

        public void Exit() => _output.Writer.TryComplete();

        public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (!await _output.Reader.WaitToReadAsync(cancellationToken))
            {
                return 0;
            }

            var chunk = await _output.Reader.ReadAsync(cancellationToken);
            chunk.CopyTo(buffer);
            return chunk.Length;
        }

        public ValueTask WriteAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
        {
            _typed.Append(Encoding.UTF8.GetString(input.Span));
            return ValueTask.CompletedTask;
        }

        public Task ResizeAsync(int columns, int rows, CancellationToken cancellationToken)
        {
            Size = (columns, rows);
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
