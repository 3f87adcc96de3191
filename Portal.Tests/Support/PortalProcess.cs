using System.Diagnostics;
using System.Net;

namespace Portal.Tests.Support;

/// <summary>The built portal running as its own process, as `dotnet run` would run it, so a test can kill it hard.</summary>
public sealed class PortalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ProcessOutput _output = new();

    private PortalProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public string Output => _output.ToString();

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts the portal on <paramref name="port"/> (a free one unless told) of <paramref name="listenOn"/> (loopback
    /// unless told), and waits until it answers on loopback.
    /// </summary>
    public static async Task<PortalProcess> StartAsync(IReadOnlyDictionary<string, string> settings, string listenOn = "127.0.0.1", int? port = null)
    {
        port ??= LoopbackPorts.FreeTcp();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.Combine(Repository.Root, "Portal"),
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Portal.dll"));
        start.ArgumentList.Add($"--urls=http://{listenOn}:{port}");
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        var process = new Process { StartInfo = start };
        var portal = new PortalProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        portal._output.Follow(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await portal.WaitUntilHealthyAsync();
        return portal;
    }

    /// <summary>SIGKILL: no shutdown code runs, as when the machine loses power.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>
    /// Stops the portal as a service manager would (SIGTERM), so that it cleans up after itself as in production (its
    /// setup scripts' folder, say); SIGKILL when it has not ended within 30 s.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (var terminate = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await terminate.WaitForExitAsync();
            }

            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                await KillAsync();
            }
        }

        _process.Dispose();
    }

    private async Task WaitUntilHealthyAsync()
    {
        using var client = new HttpClient { BaseAddress = Address };
        // Generous: on a loaded 2-core machine a cold start (JIT, EF model, migrations) has taken over a minute.
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                if ((await client.GetAsync("healthz")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"The portal did not become healthy. Its output:\n{Output}");
    }
}

public static class Repository
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var directory = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(directory, "Portal.sln")))
        {
            directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("Portal.sln not found above the test output");
        }

        return directory;
    }
}
