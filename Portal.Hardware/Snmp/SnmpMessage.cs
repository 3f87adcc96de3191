using System.Text;

namespace Portal.Hardware.Snmp;

/// <summary>The PDU kinds this driver sends and reads; the value is the context-specific tag number.</summary>
public enum SnmpPduType
{
    GetRequest = 0,
    Response = 2,
    SetRequest = 3,
}

/// <summary>The SNMPv2 exceptions an agent puts in place of a value; the value is the context-specific tag number.</summary>
public enum SnmpExceptionKind
{
    NoSuchObject = 0,
    NoSuchInstance = 1,
    EndOfMibView = 2,
}

/// <summary>A varbind value: one of the few types a power switch needs.</summary>
public abstract record SnmpValue;

public sealed record SnmpInteger(int Value) : SnmpValue;

/// <summary>Records compare arrays by reference, so compare <see cref="Value"/> with SequenceEqual.</summary>
public sealed record SnmpOctetString(byte[] Value) : SnmpValue;

public sealed record SnmpObjectIdentifier(string Value) : SnmpValue;

public sealed record SnmpNull : SnmpValue;

/// <summary>The agent has no value here (noSuchObject, noSuchInstance or endOfMibView).</summary>
public sealed record SnmpExceptionValue(SnmpExceptionKind Kind) : SnmpValue;

/// <summary>One OID (dotted, without a leading dot) and its value.</summary>
public sealed record SnmpVarbind(string Oid, SnmpValue Value);

public sealed record SnmpPdu(SnmpPduType Type, int RequestId, int ErrorStatus, int ErrorIndex, IReadOnlyList<SnmpVarbind> Varbinds);

/// <summary>An SNMP v2c message. The community is a password, so <see cref="object.ToString"/> leaves it out.</summary>
public sealed record SnmpMessage(string Community, SnmpPdu Pdu)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Pdu = ").Append(Pdu);
        return true;
    }
}
