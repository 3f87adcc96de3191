using Portal.Reservations;

namespace Portal.Tests.Reservations;

/// <summary>The folder of the files handed to setup scripts: gone when the portal stops, and after a kill at the next start.</summary>
public sealed class ScriptFileFolderTests
{
    [Fact]
    public void ANewPortalRemovesTheFolderOfAPortalThatWasKilledAndKeepsARunningOnes()
    {
        // What a portal killed by SIGKILL leaves: its folder, with the lock file nobody holds any more (made aside and
        // moved in whole, so that no portal of a parallel test finds it half made).
        var made = Directory.CreateTempSubdirectory("portal-making-").FullName;
        File.WriteAllText(Path.Combine(made, ".lock"), "");
        File.WriteAllText(Path.Combine(made, "ssh-keys-3-reserve-0"), "ssh-ed25519 AAAA holder");
        var killed = Path.Combine(Path.GetTempPath(), $"portal-scripts-{Guid.NewGuid():N}");
        Directory.Move(made, killed);
        using var running = ScriptFileFolder.Create();

        var next = ScriptFileFolder.Create();
        var stoppedPortalsFolder = next.Path;
        next.Dispose();

        Assert.False(Directory.Exists(killed), $"{killed} is still there");
        Assert.True(Directory.Exists(running.Path), $"{running.Path} of a running portal was removed");
        Assert.False(Directory.Exists(stoppedPortalsFolder), $"{stoppedPortalsFolder} is still there after the stop");
    }
}
