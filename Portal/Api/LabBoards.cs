using Microsoft.Extensions.Options;
using Portal.Consoles;
using Portal.Lab;

namespace Portal.Api;

/// <summary>What the API shows of boards beyond the catalog: power state (read from the drivers), console kind, tunnels.</summary>
public sealed class LabBoards(IOptionsMonitor<LabOptions> lab, PowerService power)
{
    public async Task<ApiBoardDetail> DetailAsync(BoardSummary board, CancellationToken cancellationToken)
    {
        var configured = lab.CurrentValue.FindBoard(board.Name);
        var console = configured is null ? null : LabDriverSpecs.ConsoleOf(configured)?.Driver;
        if (!power.HasPower(board.Name))
        {
            return ApiBoardDetail.From(board, null, null, console, configured?.TunnelPorts() ?? []);
        }

        var state = await power.GetStateAsync(board.Name, cancellationToken);
        return ApiBoardDetail.From(board, state.State.ToString().ToLowerInvariant(), state.Error, console, configured?.TunnelPorts() ?? []);
    }
}
