namespace Portal.Hardware;

/// <summary>
/// A console that can send a serial break, which a Linux board takes as the start of a Magic SysRq and a boot loader
/// may take as "stop autoboot". Optional: the portal offers "Send break" only for consoles that implement it.
/// </summary>
public interface IBreakableConsole : IConsole
{
    /// <summary>Sends a break on a stream that this console's <see cref="IConsole.OpenAsync"/> returned.</summary>
    Task SendBreakAsync(Stream stream, CancellationToken cancellationToken);
}
