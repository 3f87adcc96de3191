using System.Globalization;
using System.Net.Sockets;

namespace Portal.Hardware.Consoles;

/// <summary>
/// A console reached over raw TCP, from a serial server such as ser2net on this or another lab host.
/// Settings: <c>Host</c>, <c>Port</c> (required), <c>ConnectTimeoutMs</c> (default 5000).
/// </summary>
public sealed class TcpConsole(BoardDriverContext context) : IConsole, IDriver
{
    public static string Name => "tcp";

    public static IReadOnlyList<string> RequiredSettings => ["Host", "Port"];

    public static IEnumerable<DriverSettingError> ValidateSettings(DriverSpec spec)
    {
        if (spec.Get("Port") is { } port && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535))
        {
            yield return new("Port", $"'{port}' is not a TCP port (1-65535)");
        }

        if (spec.Get("ConnectTimeoutMs") is { } timeout && (!int.TryParse(timeout, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms is < 1 or > 600_000))
        {
            yield return new("ConnectTimeoutMs", $"'{timeout}' is not a number of milliseconds from 1 to 600000");
        }
    }

    private string Host => context.Spec.Require("Host");

    private int Port => context.Spec.GetInt("Port", 0);

    public string Describe => $"{Host}:{Port}";

    public async Task<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        var client = new TcpClient { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(context.Spec.GetInt("ConnectTimeoutMs", 5000));
        try
        {
            await client.ConnectAsync(Host, Port, timeout.Token);
            return client.GetStream();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw new TimeoutException($"{Describe} did not accept a connection within {context.Spec.GetInt("ConnectTimeoutMs", 5000) / 1000.0:0.#} s");
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}
