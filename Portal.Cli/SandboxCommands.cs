using System.CommandLine;

namespace Portal.Cli;

/// <summary>portal sandbox BOARD launch|status|stop|logs|shell|exec|cp: the board's sandbox container, for its holder.</summary>
public static class SandboxCommands
{
    public static Command Create() => new("sandbox", "The sandbox container of a board you hold");
}
