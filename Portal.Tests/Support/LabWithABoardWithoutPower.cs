namespace Portal.Tests.Support;

/// <summary>The demo lab plus bare-01: a board with a console and no power control, as many real boards are.</summary>
public static class LabWithABoardWithoutPower
{
    public const string Board = "bare-01";

    public static PortalFactory Apply(PortalFactory portal) => portal
        .WithSetting("Lab:Boards:4:Name", Board)
        .WithSetting("Lab:Boards:4:Class", "rpi4")
        .WithSetting("Lab:Boards:4:Console:Driver", "simulated");
}
