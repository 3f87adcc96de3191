using System.Text;
using Portal.Hardware.Consoles;

namespace Portal.Hardware.Simulated;

/// <summary>
/// A pretend board: power kept in memory, and a serial line running a tiny shell.
/// Like a real serial line, output goes to whoever has the console open at that moment.
/// </summary>
public sealed class SimulatedBoard(string name, bool poweredAtStart, TimeProvider timeProvider)
{
    private readonly Lock _gate = new();
    private readonly StringBuilder _line = new();
    private PowerState _state = poweredAtStart ? PowerState.On : PowerState.Off;

    public string Name { get; } = name;

    public string Prompt => $"root@{Name}:~# ";

    public PowerState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public void PowerOn()
    {
        lock (_gate)
        {
            if (_state == PowerState.On)
            {
                return;
            }

            _state = PowerState.On;
            _line.Clear();
            Emit(BootLog());
        }
    }

    public void PowerOff()
    {
        lock (_gate)
        {
            _state = PowerState.Off;
            _line.Clear();
        }
    }

    public async Task CycleAsync(TimeSpan offTime, CancellationToken cancellationToken)
    {
        PowerOff();
        await Task.Delay(offTime, timeProvider, cancellationToken);
        PowerOn();
    }

    /// <summary>The board's serial line: what it prints goes to whoever listens at that moment.</summary>
    internal SerialLine Line { get; } = new();

    /// <summary>A break on the serial line: the shell says so and drops the half-typed line, so a watcher can see it arrived.</summary>
    internal void Break()
    {
        lock (_gate)
        {
            if (_state != PowerState.On)
            {
                return;
            }

            _line.Clear();
            Emit($"\r\n[break]\r\n{Prompt}");
        }
    }

    /// <summary>Bytes typed on the serial line: echoed, edited and run as shell commands, line by line.</summary>
    internal void Input(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            if (_state != PowerState.On)
            {
                return;
            }

            var output = new StringBuilder();
            foreach (var b in bytes)
            {
                switch (b)
                {
                    case (byte)'\r' or (byte)'\n':
                        output.Append("\r\n");
                        var command = _line.ToString().Trim();
                        _line.Clear();
                        if (Run(command, output))
                        {
                            // reboot printed its own boot log and prompt.
                            Emit(output.ToString());
                            return;
                        }

                        output.Append(Prompt);
                        break;
                    case 0x7f or 0x08:
                        if (_line.Length > 0)
                        {
                            _line.Length--;
                            output.Append("\b \b");
                        }

                        break;
                    case 0x03:
                        _line.Clear();
                        output.Append("^C\r\n").Append(Prompt);
                        break;
                    case >= 0x20 and < 0x7f:
                        _line.Append((char)b);
                        output.Append((char)b);
                        break;
                }
            }

            Emit(output.ToString());
        }
    }

    /// <summary>Runs one command line; returns true when the command rebooted the board.</summary>
    private bool Run(string command, StringBuilder output)
    {
        var (verb, rest) = command.IndexOf(' ') is var space and > 0
            ? (command[..space], command[(space + 1)..].Trim())
            : (command, "");
        switch (verb)
        {
            case "":
                break;
            case "help":
                output.Append("Commands: help, uname [-a], echo TEXT, reboot\r\n");
                break;
            case "uname":
                output.Append(rest == "-a" ? $"Linux {Name} 6.6.0-portal-sim #1 SMP PREEMPT simulated GNU/Linux\r\n" : "Linux\r\n");
                break;
            case "echo":
                output.Append(rest).Append("\r\n");
                break;
            case "reboot":
                output.Append("Restarting system.\r\n").Append(BootLog());
                return true;
            default:
                output.Append($"sh: {verb}: not found\r\n");
                break;
        }

        return false;
    }

    private string BootLog() =>
        "\r\nU-Boot 2024.01 (Portal simulated board)\r\n" +
        "Booting Linux on physical CPU 0x0\r\n" +
        "Linux version 6.6.0-portal-sim (portal@lab) #1 SMP PREEMPT\r\n" +
        "Run /sbin/init as init process\r\n" +
        $"Welcome to {Name}\r\n" +
        Prompt;

    private void Emit(string text)
    {
        if (text.Length == 0)
        {
            return;
        }

        Line.Print(Encoding.ASCII.GetBytes(text));
    }
}
