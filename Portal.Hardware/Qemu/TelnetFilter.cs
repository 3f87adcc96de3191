namespace Portal.Hardware.Qemu;

/// <summary>
/// The little of telnet that QEMU's <c>telnet=on</c> chardev speaks: it opens with option negotiation (dropped here,
/// as the defaults suit a serial line), doubles a 0xFF data byte, and takes <c>IAC BREAK</c> as a serial break.
/// </summary>
internal sealed class TelnetFilter
{
    public const byte Iac = 255;
    public const byte Break = 243;
    private const byte SubnegotiationBegin = 250;
    private const byte SubnegotiationEnd = 240;

    private State _state;

    private enum State
    {
        Data,
        Command,
        Option,
        Subnegotiation,
        SubnegotiationCommand,
    }

    /// <summary>The data bytes of <paramref name="input"/>, telnet commands removed; keeps state across calls.</summary>
    public byte[] Filter(ReadOnlySpan<byte> input)
    {
        var output = new List<byte>(input.Length);
        foreach (var b in input)
        {
            switch (_state)
            {
                case State.Data when b == Iac:
                    _state = State.Command;
                    break;
                case State.Data:
                    output.Add(b);
                    break;
                case State.Command when b == Iac:
                    output.Add(Iac);
                    _state = State.Data;
                    break;
                case State.Command when b is >= 251 and <= 254:
                    _state = State.Option;
                    break;
                case State.Command when b == SubnegotiationBegin:
                    _state = State.Subnegotiation;
                    break;
                case State.Command or State.Option:
                    _state = State.Data;
                    break;
                case State.Subnegotiation when b == Iac:
                    _state = State.SubnegotiationCommand;
                    break;
                case State.Subnegotiation:
                    break;
                case State.SubnegotiationCommand:
                    _state = b == SubnegotiationEnd ? State.Data : State.Subnegotiation;
                    break;
            }
        }

        return output.ToArray();
    }

    /// <summary>Data bytes as telnet sends them: 0xFF doubled.</summary>
    public static byte[] Escape(ReadOnlySpan<byte> data)
    {
        if (!data.Contains(Iac))
        {
            return data.ToArray();
        }

        var output = new List<byte>(data.Length + 8);
        foreach (var b in data)
        {
            output.Add(b);
            if (b == Iac)
            {
                output.Add(Iac);
            }
        }

        return output.ToArray();
    }
}
