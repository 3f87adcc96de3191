using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Portal.Hardware;

namespace Portal.Tests.Support;

/// <summary>
/// Debian's snmpd on 127.0.0.1 and a free UDP port, with its own config only, emulating a PoE switch:
/// pethPsePortAdminEnable (1 = on, 2 = off) for ports 1-4, each kept in a file, every set logged.
/// Communities: <c>public</c> read-only, <c>private</c> read-write.
/// </summary>
public sealed class SnmpdFixture : IAsyncLifetime
{
    public const string SnmpdPath = "/usr/sbin/snmpd";
    public const string PoeTable = "1.3.6.1.2.1.105.1.1.1.3.1";

    // snmpd's pass_persist protocol (snmpd.conf(5)); not plain pass, because snmpd reuses the output of a command
    // line run again within 30 s, so a get would miss a change made between two gets. The script ends at EOF,
    // when snmpd goes. Ports start off (2).
    private const string PassPersistScript = """
        dir="$(dirname "$0")"
        while read -r command; do
          case "$command" in
            PING) echo PONG; continue ;;
            "") continue ;; # snmpd sends a blank line after each set
            get|getnext|set) read -r oid ;;
            *) echo "unknown command '$command'" >&2; exit 1 ;;
          esac
          port="${oid#.__TABLE__.}"
          case "$command:$port" in
            get:1|get:2|get:3|get:4) echo "$oid"; echo integer; cat "$dir/port$port" 2>/dev/null || echo 2 ;;
            set:*) read -r type value
                   case "$port" in 1|2|3|4) ;; *) echo not-writable; continue ;; esac
                   if [ "$type" != integer ]; then echo wrong-type
                   elif [ "$value" != 1 ] && [ "$value" != 2 ]; then echo wrong-value
                   else echo "$value" > "$dir/port$port"; echo "$port $value" >> "$dir/sets"; echo DONE; fi ;;
            *) echo NONE ;;
          esac
        done
        """;

    private readonly ProcessOutput _output = new();
    private string? _directory;
    private Process? _snmpd;

    public int AgentPort { get; private set; }

    /// <summary>The value the emulated switch holds for a port, as its file says.</summary>
    public string PortValue(int port) => File.ReadAllText(Path.Combine(_directory!, $"port{port}")).Trim();

    public void SetPortValue(int port, int value) => File.WriteAllText(Path.Combine(_directory!, $"port{port}"), $"{value}\n");

    /// <summary>Every successful set so far, as "port value" lines.</summary>
    public string[] Sets() => File.ReadAllLines(Path.Combine(_directory!, "sets"));


    public async Task InitializeAsync()
    {
        if (!File.Exists(SnmpdPath) && !IntegrationRequirement.Required)
        {
            return; // every [SnmpdFact] skips
        }

        _directory = Directory.CreateTempSubdirectory("portal-snmpd-").FullName;
        var script = Path.Combine(_directory, "poe-switch.sh");
        await File.WriteAllTextAsync(script, PassPersistScript.Replace("__TABLE__", PoeTable) + "\n");
        await File.WriteAllTextAsync(Path.Combine(_directory, "sets"), "");
        var config = Path.Combine(_directory, "snmpd.conf");
        await File.WriteAllTextAsync(config, $"""
            rocommunity public 127.0.0.1
            rwcommunity private 127.0.0.1
            pass_persist .{PoeTable} /bin/sh {script}

            """);

        AgentPort = LoopbackPorts.FreeUdp();
        var start = new ProcessStartInfo(SnmpdPath, ["-f", "-Lo", "-C", "-c", config, "-p", Path.Combine(_directory, "snmpd.pid"), $"udp:127.0.0.1:{AgentPort}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Its state under the temp directory, not /var/lib/snmp; no MIB files, so no warnings about missing ones.
        start.Environment["SNMP_PERSISTENT_DIR"] = Path.Combine(_directory, "persist");
        start.Environment["MIBS"] = "";
        start.Environment["MIBDIRS"] = _directory;

        _snmpd = new Process { StartInfo = start };
        _output.Follow(_snmpd);
        _snmpd.Start();
        _snmpd.BeginOutputReadLine();
        _snmpd.BeginErrorReadLine();
        await WaitUntilAnsweringAsync();
    }

    public async Task DisposeAsync()
    {
        if (_snmpd is not null)
        {
            _snmpd.Kill();
            await _snmpd.WaitForExitAsync();
            _snmpd.Dispose();
        }

        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private async Task WaitUntilAnsweringAsync()
    {
        using var services = new ServiceCollection().AddLogging().AddHardware().BuildServiceProvider();
        var probe = services.GetRequiredService<DriverFactory>().CreatePower("probe", new DriverSpec("snmp", new Dictionary<string, string?>
        {
            ["Driver"] = "snmp",
            ["Host"] = "127.0.0.1",
            ["AgentPort"] = $"{AgentPort}",
            ["Port"] = "1",
            ["Community"] = "public",
            ["TimeoutMs"] = "200",
            ["Retries"] = "0",
        }));

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                await probe.GetStateAsync(CancellationToken.None);
                return;
            }
            catch (PowerDriverException) when (DateTime.UtcNow < deadline && !_snmpd!.HasExited)
            {
                // not listening yet
            }
            catch (PowerDriverException e)
            {
                throw new InvalidOperationException($"snmpd did not answer on udp:127.0.0.1:{AgentPort}; its output:\n{_output}", e);
            }
        }
    }


}
