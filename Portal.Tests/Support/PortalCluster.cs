using System.Diagnostics;
using System.Net.Sockets;
using Npgsql;

namespace Portal.Tests.Support;

/// <summary>A test that needs <see cref="PortalCluster"/>'s real parts: PostgreSQL, nginx, socat and Chromium.</summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute() => Skip = IntegrationRequirement.SkipReasonUnless(PortalCluster.Available, PortalCluster.Requirements);
}

/// <summary>
/// Several portals as a lab would run them for availability: <see cref="Size"/> processes of the built portal on one
/// PostgreSQL database, with one data folder (console recordings, artifacts) for all, behind Debian's nginx running
/// <c>deploy/nginx-portal.conf</c> (only its ports and log folder replaced, as that file says). pine-01's and
/// pine-02's consoles are real bash shells on socat ptys, which every instance can open. Users with passwords and
/// tokens are made before the instances start, by an in-process portal on the same database (which also applies the
/// migrations). Everything is stopped at the end, however the tests went.
/// </summary>
public sealed class PortalCluster : IAsyncLifetime
{
    public const int Size = 3;
    public const string Password = "Cluster-Pass-123";
    public const string Nginx = "/usr/sbin/nginx";

    /// <summary>The users the tests act as; each has a password and a token.</summary>
    public static readonly string[] Users = ["holder@lab.test", "watcher@lab.test", "keeper@lab.test", "viewer@lab.test", "leaser@lab.test", "waiter@lab.test",
        .. Enumerable.Range(0, 10).Select(i => $"racer{i}@lab.test")];

    private readonly string _directory = Directory.CreateTempSubdirectory("portal-cluster-").FullName;
    private readonly Dictionary<string, string> _tokens = [];
    private readonly PortalProcess?[] _instances = new PortalProcess?[Size];
    private readonly int[] _ports = new int[Size];
    private readonly ProcessOutput _nginxOutput = new();
    private Process? _nginx;
    private PortalDatabase? _database;

    public static bool Available =>
        PostgresServer.Available && File.Exists(Nginx) && File.Exists(PtyPair.Socat) && File.Exists(BrowserFixture.ChromiumPath);

    public static string Requirements => $"PostgreSQL (Debian package postgresql), {Nginx}, {PtyPair.Socat} and {BrowserFixture.ChromiumPath}";

    /// <summary>pine-01's console.</summary>
    public BashBoard FirstBoard { get; } = new();

    /// <summary>pine-02's console.</summary>
    public BashBoard SecondBoard { get; } = new();

    /// <summary>nginx, in front of all instances.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The shared data folder: console recordings and artifacts of every instance.</summary>
    public string DataDirectory => Path.Combine(_directory, "data");

    public string ConnectionString => _database!.ConnectionString;

    /// <summary>The instance with this index; it may have been killed (see <see cref="EnsureAllRunningAsync"/>).</summary>
    public PortalProcess Instance(int index) => _instances[index] ?? throw new InvalidOperationException($"Instance {index} is not running.");

    /// <summary>The address nginx has for instance <paramref name="index"/>, as its access log names it.</summary>
    public string UpstreamOf(int index) => $"127.0.0.1:{_ports[index]}";

    /// <summary>What each instance printed, for a failure's message.</summary>
    public string Outputs => string.Join("\n", _instances.Select((p, i) => $"===== instance {i} ({UpstreamOf(i)}) =====\n{p?.Output}"))
        + $"\n===== nginx =====\n{_nginxOutput}\n{ReadIfExists(Path.Combine(_directory, "nginx", "error.log"))}";

    /// <summary>The nginx access log: one line per request with the instance that answered it (<c>upstream=</c>).</summary>
    public string AccessLog => ReadIfExists(Path.Combine(_directory, "nginx", "portal.access.log"));

    public string Token(string user) => _tokens[user];

    public async Task InitializeAsync()
    {
        if (!Available && !IntegrationRequirement.Required)
        {
            return; // every test of the class skips
        }

        await Task.WhenAll(FirstBoard.StartAsync(), SecondBoard.StartAsync());
        _database = PortalDatabase.Create(PortalDatabase.Postgres, _directory);
        var settings = Settings();
        await using (var setup = new PortalFactory())
        {
            foreach (var (key, value) in settings)
            {
                setup.WithSetting(key, value);
            }

            foreach (var user in Users)
            {
                await setup.CreateUserAsync(user, Password);
                _tokens[user] = await setup.CreateTokenAsync(user);
            }
        }

        NpgsqlConnection.ClearAllPools();
        for (var i = 0; i < Size; i++)
        {
            _ports[i] = LoopbackPorts.FreeTcp();
        }

        await Task.WhenAll(Enumerable.Range(0, Size).Select(StartInstanceAsync));
        await StartNginxAsync();
    }

    /// <summary>
    /// Starts again, on its port, each instance a test killed, as systemd would restart it, and returns once nginx sends
    /// it requests again: nginx keeps an instance that failed a request out for its fail_timeout (10 s in
    /// deploy/nginx-portal.conf), however soon it is back.
    /// </summary>
    public async Task EnsureAllRunningAsync()
    {
        var restarted = Enumerable.Range(0, Size).Where(i => _instances[i] is null or { HasExited: true }).ToList();
        await Task.WhenAll(restarted.Select(StartInstanceAsync));
        // Without nginx's affinity cookie each request hashes on its own request id, so they spread over the instances.
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = Address };
        foreach (var index in restarted)
        {
            var answered = await Poll.UntilAsync(
                async () =>
                {
                    var since = AccessLog.Length;
                    for (var i = 0; i < 3 * Size; i++)
                    {
                        (await http.GetAsync("healthz/live")).Dispose();
                    }

                    return AccessLog[since..].Contains($"{UpstreamOf(index)} node=", StringComparison.Ordinal);
                },
                answered => answered);
            if (!answered)
            {
                throw new InvalidOperationException($"nginx sent instance {index} no request within 20 s of its restart:\n{Outputs}");
            }
        }
    }

    /// <summary>SIGKILL to one instance: no shutdown code runs, its database sessions (and so its advisory locks) drop.</summary>
    public async Task KillAsync(int index)
    {
        await Instance(index).KillAsync();
    }

    public async Task DisposeAsync()
    {
        if (_nginx is { HasExited: false })
        {
            _nginx.Kill(entireProcessTree: true);
            await _nginx.WaitForExitAsync();
        }

        _nginx?.Dispose();
        foreach (var instance in _instances.OfType<PortalProcess>())
        {
            await instance.DisposeAsync();
        }

        await FirstBoard.DisposeAsync();
        await SecondBoard.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private async Task StartInstanceAsync(int index)
    {
        if (_instances[index] is { } dead)
        {
            await dead.DisposeAsync();
        }

        var settings = Settings();
        // The same database for all; the application name only tells the instances' sessions apart in pg_stat_activity.
        settings["ConnectionStrings:Portal"] = $"{ConnectionString};Application Name=portal-{index}";
        _instances[index] = await PortalProcess.StartAsync(settings, port: _ports[index]);
    }

    /// <summary>What every instance is configured with, as the README's commands set it.</summary>
    private Dictionary<string, string> Settings() => new()
    {
        ["ConnectionStrings:Portal"] = ConnectionString,
        ["Portal:Admin:Password"] = PortalFactory.AdminPassword,
        ["Consoles:LogDirectory"] = Path.Combine(DataDirectory, "console-logs"),
        ["Artifacts:Directory"] = Path.Combine(DataDirectory, "artifacts"),
        ["Lab:Qemu:StateDirectory"] = Path.Combine(DataDirectory, "qemu"),
        ["Lab:Containers:Owner"] = $"portal-cluster-{Path.GetFileName(_directory)}",
        // nginx on loopback is the instances' proxy: they believe its X-Forwarded-For and -Proto.
        ["Portal:Proxy:KnownProxies:0"] = "127.0.0.1",
        // Each test's users all come from 127.0.0.1; the limit is per instance and per client address.
        ["Portal:RateLimits:ApiRequestsPerMinute"] = "100000",
        ["Lab:Boards:0:Console:Driver"] = "serial",
        ["Lab:Boards:0:Console:Device"] = FirstBoard.Device,
        ["Lab:Boards:1:Console:Driver"] = "serial",
        ["Lab:Boards:1:Console:Device"] = SecondBoard.Device,
        ["Lab:Classes:farm:Arch"] = "arm64",
        ["Lab:Boards:6:Name"] = "farm-1", ["Lab:Boards:6:Class"] = "farm",
        ["Lab:Boards:7:Name"] = "farm-2", ["Lab:Boards:7:Class"] = "farm",
        ["Lab:Boards:8:Name"] = "farm-3", ["Lab:Boards:8:Class"] = "farm",
        ["Lab:Boards:9:Name"] = "farm-4", ["Lab:Boards:9:Class"] = "farm",
    };

    /// <summary>
    /// nginx as an unprivileged test runs it: its own prefix, pid, logs and temporary files in the cluster's folder, in
    /// the foreground; deploy/nginx-portal.conf included in the http block as Debian's nginx.conf includes conf.d.
    /// </summary>
    private async Task StartNginxAsync()
    {
        var prefix = Path.Combine(_directory, "nginx");
        Directory.CreateDirectory(prefix);
        var port = LoopbackPorts.FreeTcp();
        var site = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "deploy", "nginx-portal.conf"));
        string[] shipped = ["127.0.0.1:5000", "127.0.0.1:5010", "127.0.0.1:5020"];
        foreach (var (address, index) in shipped.Select((a, i) => (a, i)))
        {
            site = Replace(site, address, UpstreamOf(index));
        }

        site = Replace(site, "listen 80;", $"listen 127.0.0.1:{port};");
        site = Replace(site, "/var/log/nginx/", prefix + "/");
        await File.WriteAllTextAsync(Path.Combine(prefix, "portal.conf"), site);
        await File.WriteAllTextAsync(Path.Combine(prefix, "nginx.conf"), $$"""
            {{(Environment.IsPrivilegedProcess ? "user root;" : "")}}
            worker_processes 1;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/error.log;
            events { worker_connections 1024; }
            http {
                client_body_temp_path {{prefix}}/client_body;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;
                include {{prefix}}/portal.conf;
            }
            """);

        var start = new ProcessStartInfo(Nginx, ["-p", prefix, "-c", Path.Combine(prefix, "nginx.conf"), "-e", Path.Combine(prefix, "error.log"), "-g", "daemon off;"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _nginx = new Process { StartInfo = start };
        _nginxOutput.Follow(_nginx);
        _nginx.Start();
        _nginx.BeginOutputReadLine();
        _nginx.BeginErrorReadLine();
        Address = new Uri($"http://127.0.0.1:{port}/");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!IsListening(port))
        {
            if (_nginx.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"nginx did not start:\n{Outputs}");
            }

            await Task.Delay(50);
        }
    }

    private static string Replace(string text, string shipped, string replacement) =>
        text.Contains(shipped, StringComparison.Ordinal)
            ? text.Replace(shipped, replacement, StringComparison.Ordinal)
            : throw new InvalidOperationException($"deploy/nginx-portal.conf no longer contains \"{shipped}\", which the cluster tests replace.");

    private static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string ReadIfExists(string file) => File.Exists(file) ? File.ReadAllText(file) : "";
}
