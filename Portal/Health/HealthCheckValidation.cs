using System.Text.RegularExpressions;
using Portal.Deploys;
using Portal.Lab;

namespace Portal.Health;

/// <summary>The checks of <c>HealthCheck</c> sections, called by <see cref="LabOptionsValidator"/>: (key, reason) pairs.</summary>
internal static class HealthCheckValidation
{
    private static readonly string[] PowerActions = ["on", "off", "cycle"];

    /// <summary>What is wrong with the section itself, wherever it is.</summary>
    public static IEnumerable<(string Key, string Reason)> Errors(HealthCheckOptions check, string key)
    {
        if (check.Steps.Count == 0)
        {
            yield return ($"{key}:Steps", "at least one step required");
        }

        if (check.Every is { } every && every < TimeSpan.FromMinutes(1))
        {
            yield return ($"{key}:Every", $"{every} is shorter than the shortest interval, 00:01:00");
        }

        if (check.AfterReservations is < 1)
        {
            yield return ($"{key}:AfterReservations", $"{check.AfterReservations} is not a number of reservations (1 or more)");
        }

        if (check.MaxFailuresInRow < 1)
        {
            yield return ($"{key}:MaxFailuresInRow", $"{check.MaxFailuresInRow} is not a number of failures (1 or more)");
        }

        for (var i = 0; i < check.Steps.Count; i++)
        {
            var step = check.Steps[i];
            var stepKey = $"{key}:Steps:{i}";
            var kinds = new object?[] { step.Power, step.Send, step.Ssh, step.Deploy }.Count(v => v is not null);
            if (kinds > 1 || (kinds == 0 && step.Expect is null))
            {
                yield return (stepKey, "exactly one of Power, Send, Ssh, Deploy or Expect (Expect may go with Ssh)");
            }
            else if (step.Power is { } power && !PowerActions.Contains(power, StringComparer.OrdinalIgnoreCase))
            {
                yield return ($"{stepKey}:Power", $"'{power}' is not a power action (on, off, cycle)");
            }
            else if (step.Expect is not null && (step.Power is not null || step.Send is not null || step.Deploy is not null))
            {
                yield return ($"{stepKey}:Expect", "a separate step after Power, Send or Deploy");
            }

            if (kinds == 1 && step.Deploy is { } deploy)
            {
                foreach (var problem in DeployErrors(step, deploy, stepKey))
                {
                    yield return problem;
                }
            }

            if (step.Append is not null && step.Deploy is null)
            {
                yield return ($"{stepKey}:Append", "goes only with Deploy");
            }

            if (step.Expect is { } expect && RegexError(expect) is { } error)
            {
                yield return ($"{stepKey}:Expect", $"not a regular expression: {error}");
            }

            if (step.Timeout <= TimeSpan.Zero || step.Timeout > TimeSpan.FromHours(1))
            {
                yield return ($"{stepKey}:Timeout", $"{step.Timeout} is not between 00:00:00 and 01:00:00");
            }
        }
    }

    /// <summary>Steps the board cannot run: a power step without power control, a console step without a console, an ssh step without Ssh.</summary>
    public static IEnumerable<(string Key, string Reason)> BoardErrors(HealthCheckOptions check, string key, BoardOptions board)
    {
        for (var i = 0; i < check.Steps.Count; i++)
        {
            var step = check.Steps[i];
            var missing = step switch
            {
                { Power: not null } when board.Power.Count == 0 => "power control",
                { Ssh: not null } when board.Ssh is null => "Ssh",
                { Deploy: not null } when board.Deploy.Count == 0 => "deploy driver",
                { Ssh: null, Power: null, Deploy: null } when board.Console.Count == 0 => "console",
                _ => null,
            };
            if (missing is not null)
            {
                yield return ($"{key}:Steps:{i}", $"board {board.Name} has no {missing} for this step");
            }
        }
    }

    // The files are the lab's own known-good build: one that is not there is a mistake in the config, not a bad board.
    private static IEnumerable<(string Key, string Reason)> DeployErrors(HealthCheckStepOptions step, Dictionary<string, string> files, string stepKey)
    {
        if (files.Count == 0)
        {
            yield return ($"{stepKey}:Deploy", "at least one slot and its file required");
        }

        foreach (var (slot, path) in files)
        {
            if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
            {
                yield return ($"{stepKey}:Deploy:{slot}", $"'{path}' is not a file on this host");
            }
        }

        if (step.Append is { Length: > DeployOrder.MaxAppendLength })
        {
            yield return ($"{stepKey}:Append", $"longer than {DeployOrder.MaxAppendLength} characters");
        }
    }

    private static string? RegexError(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }
}
