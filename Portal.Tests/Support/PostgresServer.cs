using System.Diagnostics;
using System.Security.Cryptography;
using Npgsql;

namespace Portal.Tests.Support;

/// <summary>
/// This test run's own PostgreSQL (Debian's <c>postgresql</c>): a cluster made by <c>initdb</c> in a temporary folder,
/// started by <c>pg_ctl</c> on a free loopback port (TCP only, password authentication) the first time a test asks,
/// and stopped and removed when the test process has ended. PostgreSQL refuses to run as root, so under root (as
/// <c>./test.sh</c> runs in CI) its programs run as <c>nobody</c>. Each test takes its own database.
/// </summary>
public sealed class PostgresServer
{
    private const string Superuser = "portal";
    private const string UnprivilegedUser = "nobody";

    private static readonly Lazy<PostgresServer> Shared = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string _password;

    private PostgresServer(int port, string password)
    {
        Port = port;
        _password = password;
    }

    /// <summary>The newest PostgreSQL's programs under /usr/lib/postgresql, if any is installed.</summary>
    public static string? BinDirectory { get; } = FindBinDirectory();

    public static bool Available => BinDirectory is not null;

    /// <summary>The run's server, started on first use.</summary>
    public static PostgresServer Instance => Shared.Value;

    public int Port { get; }

    /// <summary>A connection string for a database of this name on the server; the portal's migrations create it.</summary>
    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Database = database,
            Username = Superuser,
            Password = _password,
        }.ConnectionString;

    /// <summary>Drops a test's database, closing whatever connections it still has.</summary>
    public async Task DropAsync(string database)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Whether a database of that name exists on the server.</summary>
    public async Task<bool> ExistsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = @name", connection);
        query.Parameters.AddWithValue("name", database);
        return (long)(await query.ExecuteScalarAsync())! == 1;
    }

    private static PostgresServer Start()
    {
        if (BinDirectory is null)
        {
            throw new InvalidOperationException("PostgreSQL is not installed (apt-get install postgresql; ./test.sh does)");
        }

        var folder = Directory.CreateTempSubdirectory("portal-postgres-").FullName;
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var passwordFile = Path.Combine(folder, "password");
        File.WriteAllText(passwordFile, password);
        if (Environment.IsPrivilegedProcess)
        {
            Run("chown", "-R", $"{UnprivilegedUser}:", folder);
        }

        var port = LoopbackPorts.FreeTcp();
        var data = Path.Combine(folder, "data");
        try
        {
            RunPostgres("initdb", "-D", data, "-U", Superuser, $"--pwfile={passwordFile}", "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
            File.Delete(passwordFile);

            // TCP on loopback only, no Unix socket (nothing to clash with the system's). A test server: durability is
            // not what is tested (a test kills the portal, never PostgreSQL), so no fsync; room for many test databases' pools.
            var settings = $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB";
            RunPostgres("pg_ctl", "-D", data, "-l", Path.Combine(folder, "server.log"), "-o", settings, "-w", "-t", "60", "start");
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }

        // Stopped and removed once this test process has gone, however it went.
        AfterThisProcess.Remove(folder, PostgresCommand("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"));
        return new PostgresServer(port, password);
    }

    /// <summary>The command line of one of PostgreSQL's programs, as <c>nobody</c> when this process is root.</summary>
    private static string[] PostgresCommand(string program, params string[] arguments)
    {
        var path = Path.Combine(BinDirectory!, program);
        return Environment.IsPrivilegedProcess ? ["runuser", "-u", UnprivilegedUser, "--", path, .. arguments] : [path, .. arguments];
    }

    private static void RunPostgres(string program, params string[] arguments)
    {
        var command = PostgresCommand(program, arguments);
        Run(command[0], command[1..]);
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["LC_ALL"] = "C.UTF-8";
        var output = new ProcessOutput();
        using var process = new Process { StartInfo = start };
        output.Follow(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} did not finish within 2 minutes:\n{output}");
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{output}");
        }
    }

    private static string? FindBinDirectory() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(version => Path.Combine(version, "bin"))
                .Where(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")))
                .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var major) ? major : 0)
                .FirstOrDefault()
            : null;
}
