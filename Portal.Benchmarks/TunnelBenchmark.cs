using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Portal.Api;
using Portal.Identity;

namespace Portal.Benchmarks;

/// <summary>
/// scp of one file through the portal's tunnel (<c>ProxyCommand='portal tunnel rpi-02 PORT'</c>) against scp straight
/// to the same sshd on loopback, alternating in one run, while the portal's memory is sampled: the tunnel's buffers are
/// fixed, so its memory must stay flat however much it carries.
/// </summary>
internal sealed class TunnelBenchmark(int megabytes, int runs)
{
    public const string Usage = "tunnel [megabytes=200] [runs=3]   (as root: sshd logs in root by a key of its own)";

    private const string Board = "rpi-02";
    private const string BoardIndex = "3";

    public static Task<int> RunAsync(string[] args) =>
        new TunnelBenchmark(
            args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200,
            args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3).RunAsync();

    private async Task<int> RunAsync()
    {
        if (Environment.UserName != "root" || !File.Exists("/usr/sbin/sshd"))
        {
            await Console.Error.WriteLineAsync("tunnel benchmark: needs root and /usr/sbin/sshd (Debian: openssh-server, openssh-client).");
            return 2;
        }

        var directory = Directory.CreateTempSubdirectory("portal-tunnel-bench-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        using var sshd = await Sshd.StartAsync(directory);
        try
        {
            await using var portal = new BenchmarkPortal(directory, new Dictionary<string, string?>
            {
                [$"Lab:Boards:{BoardIndex}:Ssh:Host"] = "127.0.0.1",
                [$"Lab:Boards:{BoardIndex}:Ssh:Port"] = $"{sshd.Port}",
                [$"Lab:Boards:{BoardIndex}:Ssh:User"] = "root",
                [$"Lab:Boards:{BoardIndex}:Ssh:KeyFile"] = sshd.KeyFile,
            });
            var address = portal.StartOnLoopback();
            var admin = (await portal.Services.GetRequiredService<UserAdminService>().ListAsync(CancellationToken.None)).Single(u => u.Email == BenchmarkPortal.AdminEmail);
            var token = (await portal.Services.GetRequiredService<AccessTokenService>().CreateAsync(admin.Id, "tunnel benchmark", null, CancellationToken.None)).Secret;
            using (var api = new HttpClient { BaseAddress = new Uri(address) })
            {
                api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
                (await api.PostAsJsonAsync("api/v1/reservations", new ReserveRequest(Board, null, null, 60))).EnsureSuccessStatusCode();
            }

            var file = Path.Combine(directory, "payload.bin");
            await using (var payload = File.Create(file))
            {
                var chunk = new byte[1024 * 1024];
                for (var i = 0; i < megabytes; i++)
                {
                    RandomNumberGenerator.Fill(chunk);
                    await payload.WriteAsync(chunk);
                }
            }

            var cli = Path.Combine(AppContext.BaseDirectory, "Portal.Cli.dll");
            var environment = new Dictionary<string, string> { ["PORTAL_URL"] = address, ["PORTAL_TOKEN"] = token };
            string[] common = ["-q", "-F", "/dev/null", "-i", sshd.KeyFile, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"];
            string[] direct = [.. common, "-P", $"{sshd.Port}", file, "root@127.0.0.1:" + Path.Combine(directory, "direct.bin")];
            string[] tunnel = [.. common, "-o", $"ProxyCommand=dotnet {cli} tunnel %h {sshd.Port}", file, $"root@{Board}:" + Path.Combine(directory, "tunnel.bin")];

            await ScpAsync(direct, environment); // warms the page cache and sshd
            var memory = new MemorySampler();
            var directTimes = new List<double>();
            var tunnelTimes = new List<double>();
            for (var run = 0; run < runs; run++)
            {
                directTimes.Add(await ScpAsync(direct, environment));
                tunnelTimes.Add(await ScpAsync(tunnel, environment));
            }

            var (before, peak, heapPeak) = await memory.StopAsync();
            var intact = Hash(file) == Hash(Path.Combine(directory, "tunnel.bin"));
            var (directRate, tunnelRate) = (megabytes / Median(directTimes), megabytes / Median(tunnelTimes));
            Console.WriteLine($"tunnel benchmark: scp of {megabytes} MB, {runs} runs each, alternating, on {Environment.ProcessorCount} cores; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            Console.WriteLine($"  direct to sshd on loopback:      {directRate,7:0.0} MB/s (median of {string.Join(", ", directTimes.Select(t => $"{t:0.00} s"))})");
            Console.WriteLine($"  through the portal's tunnel:     {tunnelRate,7:0.0} MB/s (median of {string.Join(", ", tunnelTimes.Select(t => $"{t:0.00} s"))})");
            Console.WriteLine($"  tunnel / direct:                 {tunnelRate / directRate,7:0.00}x (target >= 0.5x)");
            Console.WriteLine($"  portal process working set:      {before / 1048576.0:0} MiB before, {peak / 1048576.0:0} MiB at most while {runs * megabytes * 2} MB went through; managed heap at most {heapPeak / 1048576.0:0} MiB");
            Console.WriteLine($"  file through the tunnel intact:  {(intact ? "yes (SHA-256 equal)" : "NO")}");
            return intact && tunnelRate / directRate >= 0.5 ? 0 : 1;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<double> ScpAsync(string[] arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("scp", arguments) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var clock = Stopwatch.StartNew();
        using var scp = Process.Start(start)!;
        var errors = scp.StandardError.ReadToEndAsync();
        await scp.WaitForExitAsync();
        return scp.ExitCode == 0 ? clock.Elapsed.TotalSeconds : throw new InvalidOperationException($"scp {string.Join(' ', arguments)} failed: {await errors}");
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static string Hash(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(file));
    }

    /// <summary>This process's working set and managed heap, every 100 ms: the portal runs in it.</summary>
    private sealed class MemorySampler
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly long _before = Sample();
        private readonly Task<(long Peak, long HeapPeak)> _sampling;

        public MemorySampler() => _sampling = Task.Run(async () =>
        {
            long peak = 0, heapPeak = 0;
            while (!_stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, Sample());
                heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(forceFullCollection: false));
                await Task.Delay(100, CancellationToken.None);
            }

            return (peak, heapPeak);
        });

        public async Task<(long Before, long Peak, long HeapPeak)> StopAsync()
        {
            await _stop.CancelAsync();
            var (peak, heapPeak) = await _sampling;
            return (_before, peak, heapPeak);
        }

        private static long Sample()
        {
            using var self = Process.GetCurrentProcess();
            return self.WorkingSet64;
        }
    }

    /// <summary>sshd on a free loopback port with its own host key and one authorized client key, logging in root.</summary>
    private sealed class Sshd : IDisposable
    {
        private readonly Process _process;

        private Sshd(Process process, int port, string keyFile)
        {
            _process = process;
            Port = port;
            KeyFile = keyFile;
        }

        public int Port { get; }

        public string KeyFile { get; }

        public static async Task<Sshd> StartAsync(string directory)
        {
            var key = Path.Combine(directory, "client_key");
            var hostKey = Path.Combine(directory, "host_key");
            await RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key);
            await RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey);
            File.Copy(key + ".pub", Path.Combine(directory, "authorized_keys"));
            Directory.CreateDirectory("/run/sshd");
            int port;
            using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            }

            var config = Path.Combine(directory, "sshd_config");
            await File.WriteAllTextAsync(config, $"""
                ListenAddress 127.0.0.1
                Port {port}
                HostKey {hostKey}
                PidFile {Path.Combine(directory, "sshd.pid")}
                AuthorizedKeysFile {Path.Combine(directory, "authorized_keys")}
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                UsePAM no
                StrictModes no
                PermitRootLogin prohibit-password
                AllowUsers root
                Subsystem sftp internal-sftp

                """);
            var process = Process.Start(new ProcessStartInfo("/usr/sbin/sshd", ["-D", "-e", "-f", config]) { RedirectStandardError = true, UseShellExecute = false })!;
            for (var attempt = 0; attempt < 100; attempt++)
            {
                try
                {
                    using var client = new System.Net.Sockets.TcpClient();
                    await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
                    return new Sshd(process, port, key);
                }
                catch (System.Net.Sockets.SocketException)
                {
                    await Task.Delay(100);
                }
            }

            throw new InvalidOperationException($"sshd did not listen on 127.0.0.1:{port}");
        }

        public void Dispose()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            _process.Dispose();
        }

        private static async Task RunAsync(string file, params string[] arguments)
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { UseShellExecute = false, RedirectStandardError = true })!;
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{file} failed: {await process.StandardError.ReadToEndAsync()}");
            }
        }
    }
}
