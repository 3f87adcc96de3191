using System.Diagnostics;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>The files in deploy/ as the tools that read them see them.</summary>
public sealed class DeployFilesTests
{
    public const string SystemdAnalyze = "/usr/bin/systemd-analyze";

    [SystemdAnalyzeFact]
    public async Task TheSystemdUnitPassesSystemdsOwnCheck()
    {
        var start = new ProcessStartInfo(SystemdAnalyze, ["verify", Path.Combine(Repository.Root, "deploy", "portal.service")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var verify = Process.Start(start)!;
        var output = await verify.StandardOutput.ReadToEndAsync() + await verify.StandardError.ReadToEndAsync();
        await verify.WaitForExitAsync();

        Assert.True(verify.ExitCode == 0 && output.Length == 0, $"systemd-analyze verify: exit {verify.ExitCode}: {output}");
    }
}

public sealed class SystemdAnalyzeFactAttribute : FactAttribute
{
    public SystemdAnalyzeFactAttribute() => Skip = IntegrationRequirement.SkipReasonUnless(File.Exists(DeployFilesTests.SystemdAnalyze), DeployFilesTests.SystemdAnalyze);
}
