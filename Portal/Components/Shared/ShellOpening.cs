namespace Portal.Components.Shared;

/// <summary>A shell a <see cref="ShellTerminal"/> opened, and a line to show before its output (or null).</summary>
public sealed record ShellOpening(Portal.Hardware.IShellSession Session, string? Notice = null);
