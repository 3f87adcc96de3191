using System.Diagnostics;
using System.Globalization;

namespace Portal.Hardware.Deploy;

/// <summary>
/// Deploy through a site's flashing command (<c>Command</c>, run by /bin/sh), given each file's path as
/// <c>PORTAL_&lt;SLOT&gt;</c> (e.g. <c>PORTAL_IMAGE</c>) and the board as <c>PORTAL_BOARD</c>; its output is passed on
/// line by line as it comes. <c>Slots</c> (default image), <c>TimeoutSeconds</c> (600).
/// </summary>
public sealed class CommandDeployDriver(BoardDriverContext context, ILogger<CommandDeployDriver> logger) : IDeployDriver, IDriver
{
    public static string Name => "command";

    public static IReadOnlyList<string> RequiredSettings => ["Command"];

    public static IEnumerable<DriverSettingError> ValidateSettings(DriverSpec spec)
    {
        if (spec.Get("TimeoutSeconds") is { } text && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1 || value > 86400))
        {
            yield return new("TimeoutSeconds", $"'{text}' is not a whole number from 1 to 86400");
        }

        foreach (var error in DeploySlots.Validate(spec))
        {
            yield return error;
        }
    }

    public IReadOnlyList<string> Slots => DeploySlots.Of(context.Spec, ["image"]);

    public async Task DeployAsync(DeployRequest request, Action<string> output, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/bin/sh", ["-c", context.Spec.Require("Command")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment["PORTAL_BOARD"] = context.BoardName;
        foreach (var file in request.Files)
        {
            start.Environment[$"PORTAL_{file.Slot.ToUpperInvariant().Replace('-', '_')}"] = file.Path;
        }

        if (request.Append is not null)
        {
            start.Environment["PORTAL_APPEND"] = request.Append;
        }

        using var process = new Process { StartInfo = start };
        var gate = new Lock();
        DataReceivedEventHandler pass = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (gate)
                {
                    output(e.Data);
                }
            }
        };
        process.OutputDataReceived += pass;
        process.ErrorDataReceived += pass;
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(context.Spec.GetInt("TimeoutSeconds", 600)));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new DeployDriverException($"Deploy command for {context.BoardName} did not finish within {context.Spec.GetInt("TimeoutSeconds", 600)} s and was killed.");
        }

        // Lines still in flight arrive before WaitForExit returns without a token; this one returns at once now.
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            logger.LogWarning("Deploy command for {Board} failed with exit code {ExitCode}", context.BoardName, process.ExitCode);
            throw new DeployDriverException($"Deploy command for {context.BoardName} failed (exit code {process.ExitCode}).");
        }
    }
}
