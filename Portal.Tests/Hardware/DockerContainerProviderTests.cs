using System.Collections.Concurrent;
using Portal.Hardware.Containers;
using Portal.Tests.Support;

namespace Portal.Tests.Hardware;

/// <summary>The Docker provider against the real engine ./test.sh starts, with the busybox image it imports.</summary>
public sealed class DockerContainerProviderTests : IAsyncLifetime
{
    private readonly string _owner = DockerEngine.NewOwner();
    private readonly DockerContainerProvider _engine = DockerEngine.Provider();
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("portal-docker-");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await DockerEngine.RemoveContainersOfAsync(_owner);
        _engine.Dispose();
        _directory.Delete(recursive: true);
    }

    [DockerFact]
    public async Task RunExecResizeAndRemoveAContainer()
    {
        var container = await _engine.RunAsync(Spec("life"), CancellationToken.None);
        Assert.True(container.Running);
        Assert.Equal(_owner, container.Labels["portal.owner"]);

        await using (var shell = await _engine.ExecAsync(container.Id, ["/bin/sh"], 80, 24, CancellationToken.None))
        {
            var terminal = new ConsoleReader(shell);
            await terminal.TypeAsync("echo sandbox-$((6*7))\n");
            await terminal.WaitForAsync("sandbox-42");

            await shell.ResizeAsync(132, 43, CancellationToken.None);
            await terminal.TypeAsync("stty size\n");
            await terminal.WaitForAsync("43 132");
        }

        await _engine.RemoveAsync(container.Id, TimeSpan.Zero, CancellationToken.None);
        Assert.Null(await _engine.InspectAsync(container.Id, CancellationToken.None));
        Assert.Empty(await DockerEngine.ContainersOfAsync(_owner));
    }

    [DockerFact]
    public async Task LimitsNetworkAndLabelsReachTheEngine()
    {
        var container = await _engine.RunAsync(Spec("limits") with { CpuLimit = 0.5, MemoryLimitBytes = 64L * 1024 * 1024, NetworkMode = "none" }, CancellationToken.None);

        var inspected = await DockerEngine.CliAsync("inspect", "-f",
            "{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}} {{.HostConfig.NetworkMode}} {{.HostConfig.Privileged}} {{index .Config.Labels \"portal.board\"}}", container.Id);
        Assert.Equal("500000000 67108864 none false board-1", inspected);
    }

    [DockerFact]
    public async Task APseudoTerminalIsBindMountedAndCarriesBytesBothWays()
    {
        await using var pty = new PtyPair(_directory.FullName);
        await pty.StartAsync();

        var container = await _engine.RunAsync(Spec("pty") with { DevicePath = pty.Device }, CancellationToken.None);

        Assert.Equal(DevicePassthroughMode.BindMount, container.Passthrough);
        Assert.StartsWith("/dev/pts/", container.PassedDevice);
        await using var board = pty.OpenPeer();
        await using var shell = await _engine.ExecAsync(container.Id, ["/bin/sh"], 80, 24, CancellationToken.None);
        var terminal = new ConsoleReader(shell);
        await terminal.TypeAsync("echo from-the-sandbox > /dev/ttyBOARD\n");
        await PtyPair.ReadUntilAsync(board, "from-the-sandbox");

        await terminal.TypeAsync("head -n 1 /dev/ttyBOARD\n");
        await Task.Delay(300);
        await board.WriteAsync("from-the-board\n"u8.ToArray());
        await terminal.WaitForAsync("from-the-board");
    }

    [DockerFact]
    public async Task ACharacterDeviceIsPassedAsADevice()
    {
        var container = await _engine.RunAsync(Spec("chardev") with { DevicePath = "/dev/null" }, CancellationToken.None);

        Assert.Equal(DevicePassthroughMode.Device, container.Passthrough);
        var mode = await DockerEngine.CliAsync("exec", container.Id, "ls", "-l", "/dev/ttyBOARD");
        Assert.StartsWith("c", mode);
    }

    [DockerFact]
    public async Task TheEnginesOwnWordsExplainARefusal()
    {
        var missingImage = await Assert.ThrowsAsync<ContainerEngineException>(() => _engine.RunAsync(Spec("noimage") with { Image = "portal-no-such-image:1" }, CancellationToken.None));
        Assert.Contains("No such image: portal-no-such-image:1", missingImage.Message);

        var missingDevice = await Assert.ThrowsAsync<ContainerEngineException>(() => _engine.RunAsync(Spec("nodevice") with { DevicePath = "/dev/ttyPORTALNOPE" }, CancellationToken.None));
        Assert.Contains("/dev/ttyPORTALNOPE", missingDevice.Message);
        Assert.Contains("no such file or directory", missingDevice.Message);

        var tooLittleMemory = await Assert.ThrowsAsync<ContainerEngineException>(() => _engine.RunAsync(Spec("tiny") with { MemoryLimitBytes = 1024 * 1024 }, CancellationToken.None));
        Assert.Contains("Minimum memory limit", tooLittleMemory.Message);

        // A refused start leaves nothing behind.
        Assert.Empty(await DockerEngine.ContainersOfAsync(_owner));
    }

    [DockerFact]
    public async Task PullingWithoutARegistrySaysWhy()
    {
        var lines = new List<ImagePullProgress>();
        var refused = await Assert.ThrowsAsync<ContainerEngineException>(() =>
            _engine.PullImageAsync("registry.portal.invalid/busybox:1", new Progress<ImagePullProgress>(lines.Add), CancellationToken.None));

        Assert.Contains("registry.portal.invalid", refused.Message);
        Assert.IsNotType<ContainerEngineUnavailableException>(refused);
    }

    [DockerFact]
    public async Task ListsTheImportedImage()
    {
        var images = await _engine.ListImagesAsync(CancellationToken.None);

        Assert.Contains(images, i => i.Tags.Contains(DockerEngine.TestImage));
    }

    [DockerFact]
    public async Task EventsReportAContainersLifeAndDeath()
    {
        var seen = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watching = _engine.WatchAsync($"portal.owner={_owner}", e =>
        {
            seen.Enqueue(e.Action);
            if (e.Action == "destroy")
            {
                stop.Cancel();
            }

            return Task.CompletedTask;
        }, stop.Token);
        await Task.Delay(500);

        var container = await _engine.RunAsync(Spec("events"), CancellationToken.None);
        await _engine.RemoveAsync(container.Id, TimeSpan.Zero, CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching);
        Assert.Contains("start", seen);
        Assert.Contains("die", seen);
        Assert.Contains("destroy", seen);
    }

    [Fact]
    public async Task AMissingEngineIsNamed()
    {
        using var engine = DockerEngine.Provider($"unix://{_directory.FullName}/no-docker.sock");

        var down = await Assert.ThrowsAsync<ContainerEngineUnavailableException>(() => engine.PingAsync(CancellationToken.None));

        Assert.Equal($"Docker engine at unix://{_directory.FullName}/no-docker.sock is not reachable", down.Message);
    }

    private SandboxContainerSpec Spec(string name) => new(
        $"{_owner}-{name}",
        DockerEngine.TestImage,
        new Dictionary<string, string> { ["portal.owner"] = _owner, ["portal.board"] = "board-1" },
        DevicePath: null,
        ContainerDevicePath: "/dev/ttyBOARD",
        CpuLimit: 1,
        MemoryLimitBytes: 128L * 1024 * 1024,
        NetworkMode: "bridge",
        User: "1000:1000",
        PidsLimit: 64,
        CapAdd: []);
}
