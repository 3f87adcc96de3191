using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Hardware;
using Portal.Hardware.Deploy;
using Portal.Tests.Support;

namespace Portal.Tests.Hardware;

/// <summary>The tftp deploy driver fetched from a real tftpd-hpa by a real tftp client, and the command driver's output and failure.</summary>
public sealed class DeployDriverTests : IDisposable
{
    private const string Tftpd = "/usr/sbin/in.tftpd";
    private const string TftpClient = "/usr/bin/tftp";
    private readonly string _directory = Directory.CreateTempSubdirectory("portal-deploy-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [TftpFact]
    public async Task TftpDeployPutsTheFileWhereATftpClientFetchesItFromTheServer()
    {
        var root = Directory.CreateDirectory(Path.Combine(_directory, "tftproot")).FullName;
        var kernel = Path.Combine(_directory, "bzImage");
        var bytes = new byte[300_000];
        Random.Shared.NextBytes(bytes);
        await File.WriteAllBytesAsync(kernel, bytes);
        var driver = new TftpDeployDriver(new BoardDriverContext("board-7", Spec("tftp", ("Root", root))));
        var lines = new List<string>();

        await driver.DeployAsync(new DeployRequest([new DeployFile("kernel", "bzImage", kernel)], null), lines.Add, CancellationToken.None);

        var port = LoopbackPorts.FreeUdp();
        using var server = Process.Start(new ProcessStartInfo(Tftpd, ["--foreground", "--listen", "--address", $"127.0.0.1:{port}", "--secure", "--user", Environment.UserName, root])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        try
        {
            var fetched = Path.Combine(_directory, "fetched");
            var output = "";
            for (var attempt = 0; attempt < 50 && !File.Exists(fetched); attempt++)
            {
                // The server may still be binding its port on the first tries.
                using var client = Process.Start(new ProcessStartInfo(TftpClient, ["127.0.0.1", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "binary", "-c", "get", "board-7/kernel", fetched])
                {
                    RedirectStandardError = true,
                    RedirectStandardOutput = true,
                })!;
                output = await client.StandardOutput.ReadToEndAsync() + await client.StandardError.ReadToEndAsync();
                await client.WaitForExitAsync();
                if (!File.Exists(fetched) || new FileInfo(fetched).Length != bytes.Length)
                {
                    File.Delete(fetched);
                    await Task.Delay(100);
                }
            }

            Assert.True(File.Exists(fetched), $"tftp fetched nothing: {output}");
            Assert.Equal(bytes, await File.ReadAllBytesAsync(fetched));
            Assert.Equal([$"kernel: bzImage copied to {Path.Combine(root, "board-7", "kernel")}"], lines);
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task CommandDeployPassesTheFilesAndStreamsItsOutputAndAFailureSaysSo()
    {
        var image = Path.Combine(_directory, "rootfs.img");
        await File.WriteAllTextAsync(image, "12345");
        var lines = new List<string>();
        var flash = new CommandDeployDriver(new BoardDriverContext("board-3", Spec("command", ("Command", "echo \"flashing $PORTAL_IMAGE to $PORTAL_BOARD\"; wc -c < \"$PORTAL_IMAGE\"; echo done >&2"))), NullLogger<CommandDeployDriver>.Instance);

        await flash.DeployAsync(new DeployRequest([new DeployFile("image", "rootfs.img", image)], null), lines.Add, CancellationToken.None);

        // stdout and stderr are two pipes: lines of each come in order, the two interleave as they happen.
        Assert.Equal(["5", "done", $"flashing {image} to board-3"], lines.Order(StringComparer.Ordinal));
        Assert.True(lines.IndexOf("5") > lines.IndexOf($"flashing {image} to board-3"));

        var failed = new List<string>();
        var broken = new CommandDeployDriver(new BoardDriverContext("board-3", Spec("command", ("Command", "echo 'no device at /dev/sdz' >&2; exit 3"))), NullLogger<CommandDeployDriver>.Instance);
        var error = await Assert.ThrowsAsync<DeployDriverException>(() => broken.DeployAsync(new DeployRequest([new DeployFile("image", "rootfs.img", image)], null), failed.Add, CancellationToken.None));
        Assert.Equal("Deploy command for board-3 failed (exit code 3).", error.Message);
        Assert.Equal(["no device at /dev/sdz"], failed);
    }

    private static DriverSpec Spec(string driver, params (string Key, string Value)[] settings) =>
        new(driver, settings.ToDictionary(s => s.Key, s => (string?)s.Value, StringComparer.OrdinalIgnoreCase));

    private sealed class TftpFactAttribute : FactAttribute
    {
        public TftpFactAttribute() => Skip = IntegrationRequirement.SkipReasonUnless(File.Exists(Tftpd) && File.Exists(TftpClient), $"{Tftpd} and {TftpClient}");
    }
}
