namespace Portal.Consoles;

/// <summary>A shell a <see cref="ShellConnection"/> opened, and a line to show before its output (or null).</summary>
public sealed record ShellOpening(Portal.Hardware.IShellSession Session, string? Notice = null);
