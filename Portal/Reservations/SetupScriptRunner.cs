using Microsoft.Extensions.Options;
using Portal.Hardware;
using Portal.Lab;

namespace Portal.Reservations;

public enum SetupPhase
{
    Reserve,
    Release,
}

/// <summary>
/// The site's script for grants and releases: <c>SCRIPT reserve|release BOARD</c>, with PORTAL_* variables, under a
/// timeout. PORTAL_SSH_KEYS is the path of a file (mode 0600, removed afterwards) with the holder's SSH public keys,
/// one authorized_keys line each, so a site can install them on the board. The files are in a folder of this process
/// (<see cref="ScriptFileFolder"/>), removed when the portal stops.
/// </summary>
public sealed class SetupScriptRunner(IOptionsMonitor<LabOptions> lab, SshKeyService sshKeys, ILogger<SetupScriptRunner> logger) : IDisposable
{
    private readonly Lazy<ScriptFileFolder> _files = new(ScriptFileFolder.Create);

    /// <summary>Whether a script is configured: without one, grants start active and releases end at once.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(lab.CurrentValue.SetupScript);

    /// <summary>The script's outcome, or null when no script is configured.</summary>
    public async Task<ShellResult?> RunAsync(SetupPhase phase, string board, string boardClass, string userEmail, int reservationId, CancellationToken cancellationToken)
    {
        var options = lab.CurrentValue;
        if (!IsConfigured)
        {
            return null;
        }

        var verb = phase.ToString().ToLowerInvariant();
        var environment = new Dictionary<string, string>
        {
            ["PORTAL_BOARD"] = board,
            ["PORTAL_CLASS"] = boardClass,
            ["PORTAL_USER"] = userEmail,
            ["PORTAL_RESERVATION"] = reservationId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        var keysFile = Path.Combine(_files.Value.Path, $"ssh-keys-{reservationId}-{verb}-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(keysFile, "", cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keysFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await File.WriteAllTextAsync(keysFile, await sshKeys.AuthorizedKeysOfEmailAsync(userEmail, cancellationToken), cancellationToken);
        environment["PORTAL_SSH_KEYS"] = keysFile;

        // Board names are checked at start to be shell-safe; the script path is quoted.
        var commandLine = $"'{options.SetupScript!.Replace("'", "'\\''", StringComparison.Ordinal)}' {verb} {board}";
        try
        {
            var result = await ShellCommand.RunAsync(commandLine, environment, options.SetupScriptTimeout, cancellationToken);
            logger.LogInformation("Setup script {Phase} for {Board} (reservation {ReservationId}) exited with {ExitCode}", verb, board, reservationId, result.ExitCode);
            return result;
        }
        catch (TimeoutException ex)
        {
            logger.LogWarning("Setup script {Phase} for {Board} (reservation {ReservationId}) timed out", verb, board, reservationId);
            return new ShellResult(-1, ex.Message);
        }
        finally
        {
            File.Delete(keysFile);
        }
    }

    public void Dispose()
    {
        if (_files.IsValueCreated)
        {
            _files.Value.Dispose();
        }
    }
}
