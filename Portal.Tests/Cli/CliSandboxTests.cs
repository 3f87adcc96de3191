using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.Data;
using Portal.Sandboxes;
using Portal.Tests.Support;

namespace Portal.Tests.Cli;

/// <summary><c>portal sandbox</c> against sandboxes on the real Docker engine, with the image ./test.sh imports.</summary>
public sealed class CliSandboxTests : IAsyncLifetime
{
    private readonly PortalFactory _portal = new PortalFactory().WithSetting("Lab:Containers:StopGrace", "00:00:00");
    private string _url = "";

    public async Task InitializeAsync()
    {
        _url = _portal.StartOnLoopback();
        var images = _portal.Services.GetRequiredService<SandboxImageService>();
        Assert.Null(await images.AssignAsync(await _portal.AdminAsync(), "pine64-a64-lts", DockerEngine.TestImage, "/bin/sh", isDefault: true, CancellationToken.None));
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        await DockerEngine.RemoveContainersOfAsync(_portal.ContainerOwner);
    }

    [DockerFact]
    public async Task AFileCopiedIntoTheSandboxHasTheSameChecksumThereAndComesBackIntact()
    {
        using var cli = new PortalCli(_url, await _portal.CreateTokenAsync("sandboxer@lab.test"));
        using var other = new PortalCli(_url, await _portal.CreateTokenAsync("outsider@lab.test"));
        Assert.Equal(0, (await cli.RunAsync("reserve", "pine-01")).ExitCode);
        var local = Path.Combine(cli.Directory, "firmware.bin");
        await File.WriteAllBytesAsync(local, RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 7));
        var expected = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(local)));

        var launch = await cli.RunAsync("sandbox", "pine-01", "launch", "--json");
        var copyIn = await cli.RunAsync("sandbox", "pine-01", "cp", local, "pine-01:/tmp/firmware.bin");
        var checksum = await cli.RunAsync("sandbox", "pine-01", "exec", "--", "sha256sum", "/tmp/firmware.bin");
        var owner = await cli.RunAsync("sandbox", "pine-01", "exec", "--", "stat", "-c", "%u:%g %a", "/tmp/firmware.bin");
        var failing = await cli.RunAsync("sandbox", "pine-01", "exec", "--", "sh", "-c", "exit 7");
        var back = Path.Combine(cli.Directory, "back.bin");
        var copyOut = await cli.RunAsync("sandbox", "pine-01", "cp", "pine-01:/tmp/firmware.bin", back);
        var refused = await other.RunAsync("sandbox", "pine-01", "exec", "--json", "--", "true");
        var status = await cli.RunAsync("sandbox", "pine-01", "stop");

        Assert.True(launch.ExitCode == 0, launch.ToString());
        Assert.Equal("READY", launch.Json.GetProperty("status").GetString());
        Assert.True(copyIn.ExitCode == 0, copyIn.ToString());
        Assert.True(checksum.ExitCode == 0, checksum.ToString());
        Assert.StartsWith($"{expected}  /tmp/firmware.bin", checksum.Stdout);
        // The sandbox's user (Lab:Containers:User, 1000:1000) owns what was copied in, whoever the uploader is here; the mode is kept.
        Assert.StartsWith($"1000:1000 {Convert.ToString((int)File.GetUnixFileMode(local), 8)}", owner.Stdout);
        Assert.Equal(7, failing.ExitCode);
        Assert.True(copyOut.ExitCode == 0, copyOut.ToString());
        Assert.Equal(expected, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(back))));
        Assert.Equal(3, refused.ExitCode);
        Assert.Equal("Only the holder of board pine-01 may do that with its sandbox.", refused.Json.GetProperty("error").GetString());
        Assert.Matches(@"^Sandbox \S+-sandbox-\d+ of pine-01 is TERMINATED\.\n$", status.Stdout);
    }

    [DockerFact]
    public async Task ARunningExecEndsWhenARuleTakesTheSandboxCapabilityAway()
    {
        using var cli = new PortalCli(_url, await _portal.CreateTokenAsync("denied-later@lab.test"));
        Assert.Equal(0, (await cli.RunAsync("reserve", "pine-01")).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("sandbox", "pine-01", "launch")).ExitCode);
        using var exec = cli.Start(cli.Executable, ["sandbox", "pine-01", "exec", "--", "sh", "-c", "echo started; sleep 120"]);
        var stderr = exec.StandardError.ReadToEndAsync();
        Assert.Equal("started", (await exec.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)))?.Trim());

        var denied = await _portal.Services.GetRequiredService<AccessRuleService>().CreateAsync(
            await _portal.AdminAsync(),
            new RuleInput(SubjectKind.User, "denied-later@lab.test", Capability.Sandbox, TargetKind.Board, "pine-01", RuleEffect.Deny),
            CancellationToken.None);
        Assert.True(denied.Succeeded, denied.Error);

        await exec.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3, exec.ExitCode);
        Assert.Contains("portal: Sandbox shell closed: you lack the Sandbox capability on board pine-01 (", await stderr);
    }

    [DockerFact]
    public async Task TheHoldersSshKeysAreInTheSandboxUsersAuthorizedKeys()
    {
        using var cli = new PortalCli(_url, await _portal.CreateTokenAsync("keyholder@lab.test"));
        var user = (await _portal.Services.GetRequiredService<Portal.Identity.UserAdminService>().ListAsync(CancellationToken.None)).Single(u => u.Email == "keyholder@lab.test");
        var key = $"ssh-ed25519 {Convert.ToBase64String([0, 0, 0, 11, .. "ssh-ed25519"u8, 0, 0, 0, 32, .. RandomNumberGenerator.GetBytes(32)])} keyholder@laptop";
        Assert.Null((await _portal.Services.GetRequiredService<Portal.Identity.SshKeyService>().AddAsync(user.Id, key, CancellationToken.None)).Error);
        Assert.Equal(0, (await cli.RunAsync("reserve", "pine-01")).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("sandbox", "pine-01", "launch")).ExitCode);

        // The keys are put in by a background reaction to READY: wait for them, boundedly.
        string[] list = ["sandbox", "pine-01", "exec", "--", "sh", "-c", "stat -c '%a %u' ~/.ssh ~/.ssh/authorized_keys && cat ~/.ssh/authorized_keys"];
        var listing = await cli.RunAsync(list);
        for (var attempt = 0; listing.ExitCode != 0 && attempt < 60; attempt++)
        {
            await Task.Delay(500);
            listing = await cli.RunAsync(list);
        }

        Assert.True(listing.ExitCode == 0, listing.ToString());
        Assert.Equal($"700 1000\r\n600 1000\r\n{key}\r\n", listing.Stdout);
    }

    [DockerFact]
    public async Task TheShellsPtyHasTheSizeAskedFor()
    {
        using var cli = new PortalCli(_url, await _portal.CreateTokenAsync("sheller@lab.test"));
        Assert.Equal(0, (await cli.RunAsync("reserve", "pine-02")).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("sandbox", "pine-02", "launch")).ExitCode);

        var shell = await cli.RunAsync(["sandbox", "pine-02", "shell", "--columns", "132", "--rows", "43"], "stty size\nexit\n");

        Assert.True(shell.ExitCode == 0, shell.ToString());
        Assert.Contains("43 132", shell.Stdout);
    }

    [DockerFact]
    public async Task AResizeMessageChangesTheSizeOfTheRunningShellsPty()
    {
        var token = await _portal.CreateTokenAsync("resizer@lab.test");
        using var cli = new PortalCli(_url, token);
        Assert.Equal(0, (await cli.RunAsync("reserve", "pine-02")).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("sandbox", "pine-02", "launch")).ExitCode);
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        await socket.ConnectAsync(new Uri(new Uri(_url.Replace("http://", "ws://", StringComparison.Ordinal)), "api/v1/boards/pine-02/sandbox/exec?columns=80&rows=24"), CancellationToken.None);
        var output = new System.Text.StringBuilder();

        await SendAsync(socket, "stty size\n");
        await ReadUntilAsync(socket, output, "24 80");
        await socket.SendAsync("""{"type":"resize","columns":132,"rows":43}"""u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        await SendAsync(socket, "stty size\n");
        await ReadUntilAsync(socket, output, "43 132");
        await SendAsync(socket, "exit\n");
        await ReadUntilAsync(socket, output, "\"exit\"");

        Assert.Contains("\"code\":0", output.ToString());
    }

    private static Task SendAsync(System.Net.WebSockets.WebSocket socket, string text) =>
        socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(text), System.Net.WebSockets.WebSocketMessageType.Binary, true, CancellationToken.None);

    /// <summary>Everything the socket sends (output and notices) into <paramref name="output"/>, until it holds <paramref name="expected"/>.</summary>
    private static async Task ReadUntilAsync(System.Net.WebSockets.WebSocket socket, System.Text.StringBuilder output, string expected)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var buffer = new byte[4096];
        while (!output.ToString().Contains(expected, StringComparison.Ordinal))
        {
            var received = await socket.ReceiveAsync(buffer, limit.Token);
            if (received.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"The exec socket closed before '{expected}': {output}");
            }

            output.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, received.Count));
        }
    }
}
