using System.Formats.Asn1;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Portal.Hardware.Snmp;

/// <summary>
/// One request and its response over UDP, with a timeout per attempt and retries. Failures are
/// <see cref="PowerDriverException"/>s naming the switch as host:port, never the community.
/// </summary>
internal sealed class SnmpClient(string host, int port, string community, TimeSpan timeout, int retries, ILogger logger)
{
    private const int MaxDatagram = 65_535;

    public string Endpoint => $"{host}:{port}";

    /// <summary>Sends the request and returns the response's varbinds; an error-status in the response throws.</summary>
    public async Task<IReadOnlyList<SnmpVarbind>> SendAsync(SnmpPduType type, IReadOnlyList<SnmpVarbind> varbinds, CancellationToken cancellationToken)
    {
        var target = new IPEndPoint(await ResolveAsync(cancellationToken), port);
        var requestId = Random.Shared.Next(1, int.MaxValue);
        var request = SnmpCodec.Encode(new SnmpMessage(community, new SnmpPdu(type, requestId, 0, 0, varbinds)));

        using var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        var buffer = new byte[MaxDatagram];
        for (var attempt = 1; attempt <= retries + 1; attempt++)
        {
            // Retries resend the same request id, so a late answer to an earlier attempt still counts.
            await socket.SendToAsync(request, SocketFlags.None, target, cancellationToken);
            if (await ReceiveResponseAsync(socket, buffer, target, requestId, cancellationToken) is { } response)
            {
                if (response.ErrorStatus != 0)
                {
                    var verb = type == SnmpPduType.SetRequest ? "set" : "get";
                    throw new PowerDriverException($"power switch {Endpoint} refused the {verb}: {SnmpCodec.ErrorName(response.ErrorStatus)}");
                }

                return response.Varbinds;
            }

            logger.LogDebug("No answer from {Endpoint} to request {RequestId} (attempt {Attempt} of {Attempts})", Endpoint, requestId, attempt, retries + 1);
        }

        throw new PowerSwitchUnreachableException(
            $"power switch {Endpoint} did not answer within {timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s");
    }

    private async Task<IPAddress> ResolveAsync(CancellationToken cancellationToken)
    {
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.First();
        }
        catch (SocketException e)
        {
            throw new PowerSwitchUnreachableException($"power switch {Endpoint}: the host name does not resolve ({e.SocketErrorCode})", e);
        }
    }

    /// <summary>Waits one timeout for the response to this request; datagrams from elsewhere or for other requests are skipped.</summary>
    private async Task<SnmpPdu?> ReceiveResponseAsync(Socket socket, byte[] buffer, IPEndPoint target, int requestId, CancellationToken cancellationToken)
    {
        // Only says which address family to receive; the sender is checked below.
        var anySender = new IPEndPoint(target.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, anySender, attempt.Token);
                if (!target.Equals(received.RemoteEndPoint))
                {
                    continue;
                }

                SnmpMessage message;
                try
                {
                    message = SnmpCodec.Decode(buffer.AsMemory(0, received.ReceivedBytes));
                }
                catch (AsnContentException e)
                {
                    // It came from the switch, so it is most likely the answer: better this than a misleading timeout.
                    throw new PowerDriverException($"power switch {Endpoint} sent an answer this driver cannot read: {e.Message}", e);
                }

                if (message.Pdu.Type == SnmpPduType.Response && message.Pdu.RequestId == requestId)
                {
                    return message.Pdu;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
