using Portal.Hardware.Consoles;

namespace Portal.Hardware.Qemu;

/// <summary>
/// The serial console of a QEMU board (its first UART, on a telnet-mode Unix socket chardev): open while the portal
/// runs, carrying the guest's output whenever the machine is on, so a power cycle shows the boot from its first line.
/// No settings: the board's <c>qemu</c> power driver describes the machine.
/// </summary>
public sealed class QemuConsole(BoardDriverContext context, QemuLab lab) : IBreakableConsole, IDriver
{
    private readonly QemuMachine _machine = lab.Machine(context.BoardName);

    public static string Name => "qemu";

    public static IReadOnlyList<string> RequiredSettings => [];

    public string Describe => $"qemu:{context.BoardName}";

    public Task<Stream> OpenAsync(CancellationToken cancellationToken) => Task.FromResult<Stream>(new SerialLineStream(_machine.Line, _machine.WriteAsync));

    public Task SendBreakAsync(Stream stream, CancellationToken cancellationToken) => _machine.SendBreakAsync(cancellationToken);
}
