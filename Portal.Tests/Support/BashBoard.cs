using System.Diagnostics;

namespace Portal.Tests.Support;

/// <summary>
/// A board whose serial console is a real bash on a socat pty, switched by the <c>command</c> power driver: a power
/// cycle "boots" it by printing U-Boot's banner and a login prompt on bash's terminal, as a real board's console would.
/// </summary>
public sealed class BashBoard : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portal-bash-board-").FullName;
    private Process? _socat;

    public string Device => Path.Combine(_directory, "ttyBOARD");

    private string Tty => Path.Combine(_directory, "bash-tty");

    /// <summary>A file bash may create, to see whether typing reached it.</summary>
    public string PathOf(string name) => Path.Combine(_directory, name);

    public async Task StartAsync()
    {
        var script = Path.Combine(_directory, "board.sh");
        await File.WriteAllTextAsync(script, $"#!/bin/sh\ntty > {Tty}\nexport PS1='board$ '\nexec bash --norc --noprofile -i\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        _socat = Process.Start(new ProcessStartInfo(PtyPair.Socat, [$"pty,raw,echo=0,link={Device}", $"EXEC:{script},pty,setsid,ctty,stderr"]) { RedirectStandardError = true })!;
        await PtyPair.WaitUntilAsync(() => File.Exists(Device) && File.Exists(Tty) && File.ReadAllText(Tty).Length > 0, "the board's bash");
    }

    /// <summary>Makes the board at <paramref name="index"/> in the demo lab this one: serial console, command power.</summary>
    public PortalFactory Configure(PortalFactory portal, int index) => portal
        .WithSetting($"Lab:Boards:{index}:Console:Driver", "serial")
        .WithSetting($"Lab:Boards:{index}:Console:Device", Device)
        .WithSetting($"Lab:Boards:{index}:Power:Driver", "command")
        .WithSetting($"Lab:Boards:{index}:Power:On", "true")
        .WithSetting($"Lab:Boards:{index}:Power:Off", "true")
        .WithSetting($"Lab:Boards:{index}:Power:Cycle", $"sleep 0.5; printf '\\nU-Boot 2024.01\\nboard login: ' > \"$(cat {Tty})\"");

    public async ValueTask DisposeAsync()
    {
        if (_socat is { HasExited: false })
        {
            _socat.Kill(entireProcessTree: true);
            await _socat.WaitForExitAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }
}
