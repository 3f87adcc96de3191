using Portal.Hardware.Consoles;

namespace Portal.Hardware.Simulated;

/// <summary>The serial console of a <see cref="SimulatedBoard"/>.</summary>
public sealed class SimulatedConsole(BoardDriverContext context, SimulatedLab lab) : IBreakableConsole, IDriver
{
    private readonly SimulatedBoard _board = lab.Board(context.BoardName, SimulatedSettings.PoweredAtStart(context.Spec));

    public static string Name => "simulated";

    public static IReadOnlyList<string> RequiredSettings => [];

    public static IEnumerable<DriverSettingError> ValidateSettings(DriverSpec spec) => SimulatedSettings.Validate(spec);

    public string Describe => $"simulated:{_board.Name}";

    public Task<Stream> OpenAsync(CancellationToken cancellationToken) =>
        Task.FromResult<Stream>(new SerialLineStream(_board.Line, (data, _) =>
        {
            _board.Input(data.Span);
            return Task.CompletedTask;
        }));

    public Task SendBreakAsync(Stream stream, CancellationToken cancellationToken)
    {
        _board.Break();
        return Task.CompletedTask;
    }
}
