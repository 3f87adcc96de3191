using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Portal.Hardware;
using Portal.Health;

namespace Portal.Lab;

/// <summary>
/// Cross-field checks of the lab config. Each failure names the source, the key path and the reason,
/// e.g. <c>appsettings.json: Lab:Boards:2:Power:Port: required for driver snmp</c>.
/// </summary>
public sealed partial class LabOptionsValidator(DriverFactory drivers, IConfiguration configuration) : IValidateOptions<LabOptions>
{
    public ValidateOptionsResult Validate(string? name, LabOptions options)
    {
        var failures = LabErrors(options)
            .Select(e => $"{ConfigurationSourceLocator.SourceOf(configuration, e.Key)}: {e.Key}: {e.Reason}")
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Every problem in the lab config as (full key path, reason).</summary>
    public IEnumerable<(string Key, string Reason)> LabErrors(LabOptions options)
    {
        const string lab = LabOptions.Section;
        foreach (var (className, cls) in options.Classes)
        {
            if (!ValidName().IsMatch(className))
            {
                yield return ($"{lab}:Classes:{className}", NameRule(className));
            }

            if (string.IsNullOrWhiteSpace(cls.Arch))
            {
                yield return ($"{lab}:Classes:{className}:Arch", "required");
            }

            foreach (var error in cls.HealthCheck is { } check ? HealthCheckValidation.Errors(check, $"{lab}:Classes:{className}:HealthCheck") : [])
            {
                yield return error;
            }
        }

        for (var i = 0; i < options.DefaultRules.Count; i++)
        {
            if (Portal.Access.DefaultRules.Parse(options.DefaultRules[i]) is { Key: { } ruleKey, Reason: { } reason })
            {
                yield return ($"{lab}:DefaultRules:{i}:{ruleKey}", reason);
            }
        }

        var firstIndexByName = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Boards.Count; i++)
        {
            var board = options.Boards[i];
            var key = $"{lab}:Boards:{i}";
            if (string.IsNullOrWhiteSpace(board.Name))
            {
                yield return ($"{key}:Name", "required");
            }
            else if (!ValidName().IsMatch(board.Name))
            {
                yield return ($"{key}:Name", NameRule(board.Name));
            }
            else if (!firstIndexByName.TryAdd(board.Name, i))
            {
                yield return ($"{key}:Name", $"duplicate board name '{board.Name}' (first defined at {lab}:Boards:{firstIndexByName[board.Name]})");
            }

            if (string.IsNullOrWhiteSpace(board.Class))
            {
                yield return ($"{key}:Class", "required");
            }
            else if (!options.Classes.ContainsKey(board.Class))
            {
                var known = options.Classes.Count == 0 ? "none are defined" : $"defined classes: {string.Join(", ", options.Classes.Keys.Order())}";
                yield return ($"{key}:Class", $"unknown class '{board.Class}'; {known}");
            }

            foreach (var error in DriverErrors(DriverKind.Power, board.Power, $"{key}:Power"))
            {
                yield return error;
            }

            foreach (var error in DriverErrors(DriverKind.Console, board.Console, $"{key}:Console"))
            {
                yield return error;
            }

            foreach (var error in DriverErrors(DriverKind.Deploy, board.Deploy, $"{key}:Deploy"))
            {
                yield return error;
            }

            if (board.Ssh is { } ssh)
            {
                if (string.IsNullOrWhiteSpace(ssh.Host))
                {
                    yield return ($"{key}:Ssh:Host", "required when Ssh is set");
                }

                if (ssh.Port is < 1 or > 65535)
                {
                    yield return ($"{key}:Ssh:Port", $"{ssh.Port} is not a TCP port (1-65535)");
                }

                if (string.IsNullOrWhiteSpace(ssh.User))
                {
                    yield return ($"{key}:Ssh:User", "required when Ssh is set");
                }

                // Secrets: the reason never repeats their values.
                var hasKey = !string.IsNullOrWhiteSpace(ssh.KeyFile);
                if (hasKey == !string.IsNullOrEmpty(ssh.Password))
                {
                    yield return ($"{key}:Ssh", hasKey ? "set KeyFile or Password, not both" : "KeyFile or Password required");
                }

                if (ssh.HostKeyFingerprint is { } fingerprint && !Sha256Fingerprint().IsMatch(fingerprint))
                {
                    yield return ($"{key}:Ssh:HostKeyFingerprint", $"'{fingerprint}' is not a SHA256 fingerprint as ssh-keygen -lf prints it (SHA256: and 43 base64 characters)");
                }
            }

            // A board's own check is checked where it is; its class's once per class above, and here against the board's drivers.
            var healthCheckKey = board.HealthCheck is not null ? $"{key}:HealthCheck" : $"{lab}:Classes:{board.Class}:HealthCheck";
            foreach (var error in board.HealthCheck is { } own ? HealthCheckValidation.Errors(own, healthCheckKey) : [])
            {
                yield return error;
            }

            foreach (var error in options.HealthCheckOf(board) is { } check ? HealthCheckValidation.BoardErrors(check, healthCheckKey, board) : [])
            {
                yield return error;
            }

            if (board.Tunnels is { Count: > 0 } tunnels)
            {
                if (board.Ssh is null)
                {
                    yield return ($"{key}:Tunnels", "needs Ssh:Host, the board's address the tunnels reach");
                }

                for (var t = 0; t < tunnels.Count; t++)
                {
                    if (tunnels[t] is < 1 or > 65535)
                    {
                        yield return ($"{key}:Tunnels:{t}", $"{tunnels[t]} is not a TCP port (1-65535)");
                    }
                }
            }
        }
    }

    private IEnumerable<(string Key, string Reason)> DriverErrors(DriverKind kind, Dictionary<string, string?> settings, string key) =>
        settings.Count == 0
            ? []
            : drivers.Validate(kind, LabDriverSpecs.From(settings)).Select(e => ($"{key}:{e.Key}", e.Reason));

    private static string NameRule(string name) => $"'{name}' may only contain letters, digits, '.', '_' and '-'";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex ValidName();

    [GeneratedRegex("^SHA256:[A-Za-z0-9+/]{43}$")]
    private static partial Regex Sha256Fingerprint();
}

internal static class LabDriverSpecs
{
    public static DriverSpec From(Dictionary<string, string?> settings) =>
        new(settings.GetValueOrDefault("Driver") ?? "", settings);

    /// <summary>The board's power driver spec, or null when the board has no power control.</summary>
    public static DriverSpec? PowerOf(BoardOptions board) => board.Power.Count == 0 ? null : From(board.Power);

    /// <summary>The board's console driver spec, or null when the board has no console.</summary>
    public static DriverSpec? ConsoleOf(BoardOptions board) => board.Console.Count == 0 ? null : From(board.Console);

    /// <summary>The board's deploy driver spec, or null when nothing can be deployed to it.</summary>
    public static DriverSpec? DeployOf(BoardOptions board) => board.Deploy.Count == 0 ? null : From(board.Deploy);

    /// <summary>Why the board's drivers cannot work on this host now (a missing program or file), or null: such a board is offline.</summary>
    public static string? Unavailable(DriverFactory drivers, BoardOptions board) =>
        (PowerOf(board) is { } power ? drivers.Unavailable(DriverKind.Power, power) : null)
        ?? (ConsoleOf(board) is { } console ? drivers.Unavailable(DriverKind.Console, console) : null)
        ?? (DeployOf(board) is { } deploy ? drivers.Unavailable(DriverKind.Deploy, deploy) : null);
}
