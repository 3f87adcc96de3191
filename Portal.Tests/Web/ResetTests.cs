using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Portal.Artifacts;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary><c>Portal reset</c> as an admin runs it from a shell: asks first, then removes the portal's data and its containers.</summary>
public sealed class ResetTests
{
    [DockerFact]
    public async Task ResetAsksFirstThenRemovesTheDataAndThisPortalsContainersAndSaysSo()
    {
        var owner = $"portal-reset-{Guid.NewGuid():N}"[..24];
        var directory = Directory.CreateTempSubdirectory("portal-reset-").FullName;
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:Portal"] = $"Data Source={Path.Combine(directory, "portal.db")}",
            ["Consoles:LogDirectory"] = Path.Combine(directory, "console-logs"),
            ["Artifacts:Directory"] = Path.Combine(directory, "artifacts"),
            ["Lab:Qemu:StateDirectory"] = Path.Combine(directory, "qemu"),
            ["Lab:Containers:Owner"] = owner,
        };
        await using (var portal = new PortalFactory())
        {
            foreach (var (key, value) in settings)
            {
                portal.WithSetting(key, value);
            }

            using var content = new MemoryStream([1, 2, 3]);
            Assert.Null((await portal.Services.GetRequiredService<ArtifactStore>().AddAsync(await portal.AdminAsync(), "kernel", [], content, 3, null, CancellationToken.None)).Error);
        }

        await DockerEngine.CliAsync("run", "-d", "--label", $"portal.owner={owner}", DockerEngine.TestImage, "sleep", "300");
        try
        {
            var declined = await ResetAsync(settings, [], "no\n");
            Assert.Equal(1, declined.ExitCode);
            Assert.Contains("Nothing was removed.", declined.Output);
            Assert.True(File.Exists(Path.Combine(directory, "portal.db")));

            var reset = await ResetAsync(settings, ["--yes"], "");

            Assert.True(reset.ExitCode == 0, reset.Output);
            Assert.Contains($"Removed {Path.Combine(directory, "portal.db")}.", reset.Output);
            Assert.Contains($"Removed {Path.Combine(directory, "artifacts")}.", reset.Output);
            Assert.Contains("Removed container ", reset.Output);
            Assert.False(File.Exists(Path.Combine(directory, "portal.db")));
            Assert.False(Directory.Exists(Path.Combine(directory, "artifacts")));
            Assert.Equal("", await DockerEngine.CliAsync("ps", "-aq", "--filter", $"label=portal.owner={owner}"));
        }
        finally
        {
            await DockerEngine.RemoveContainersOfAsync(owner);
            Directory.Delete(directory, recursive: true);
        }
    }

    internal static async Task<(int ExitCode, string Output)> ResetAsync(IReadOnlyDictionary<string, string> settings, string[] extra, string stdin)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.Combine(Repository.Root, "Portal"),
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Portal.dll"));
        start.ArgumentList.Add("reset");
        foreach (var argument in extra)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, await output + await errors);
    }
}
