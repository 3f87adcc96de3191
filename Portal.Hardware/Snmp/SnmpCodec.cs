using System.Formats.Asn1;
using System.Text;

namespace Portal.Hardware.Snmp;

/// <summary>BER encoding of SNMP v2c messages (RFC 3416), limited to what a power switch needs.</summary>
public static class SnmpCodec
{
    /// <summary>The version field's value for v2c.</summary>
    public const int Version2c = 1;

    // RFC 3416 error-status names, indexed by their code.
    private static readonly string[] ErrorNames =
    [
        "noError", "tooBig", "noSuchName", "badValue", "readOnly", "genErr", "noAccess", "wrongType", "wrongLength",
        "wrongEncoding", "wrongValue", "noCreation", "inconsistentValue", "resourceUnavailable", "commitFailed",
        "undoFailed", "authorizationError", "notWritable", "inconsistentName",
    ];

    /// <summary>An error-status as shown to people, e.g. <c>noAccess (6)</c>.</summary>
    public static string ErrorName(int errorStatus) =>
        errorStatus >= 0 && errorStatus < ErrorNames.Length ? $"{ErrorNames[errorStatus]} ({errorStatus})" : $"unknown error ({errorStatus})";

    public static byte[] Encode(SnmpMessage message)
    {
        var writer = new AsnWriter(AsnEncodingRules.BER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(Version2c);
            writer.WriteOctetString(Encoding.UTF8.GetBytes(message.Community));
            var pdu = message.Pdu;
            using (writer.PushSequence(PduTag(pdu.Type)))
            {
                writer.WriteInteger(pdu.RequestId);
                writer.WriteInteger(pdu.ErrorStatus);
                writer.WriteInteger(pdu.ErrorIndex);
                using (writer.PushSequence())
                {
                    foreach (var varbind in pdu.Varbinds)
                    {
                        using (writer.PushSequence())
                        {
                            writer.WriteObjectIdentifier(varbind.Oid);
                            WriteValue(writer, varbind.Value);
                        }
                    }
                }
            }
        }

        return writer.Encode();
    }

    /// <summary>Reads one datagram; throws <see cref="AsnContentException"/> for anything that is not a v2c message this codec knows.</summary>
    public static SnmpMessage Decode(ReadOnlyMemory<byte> datagram)
    {
        var reader = new AsnReader(datagram, AsnEncodingRules.BER);
        var message = reader.ReadSequence();
        reader.ThrowIfNotEmpty();

        var version = ReadInt32(message);
        if (version != Version2c)
        {
            throw new AsnContentException($"SNMP version field {version} is not v2c ({Version2c})");
        }

        var community = Encoding.UTF8.GetString(message.ReadOctetString());
        var tag = message.PeekTag();
        if (tag.TagClass != TagClass.ContextSpecific || !tag.IsConstructed || !Enum.IsDefined((SnmpPduType)tag.TagValue))
        {
            throw new AsnContentException($"unsupported PDU {tag}");
        }

        var pdu = message.ReadSequence(tag);
        message.ThrowIfNotEmpty();
        var requestId = ReadInt32(pdu);
        var errorStatus = ReadInt32(pdu);
        var errorIndex = ReadInt32(pdu);
        var list = pdu.ReadSequence();
        pdu.ThrowIfNotEmpty();

        var varbinds = new List<SnmpVarbind>();
        while (list.HasData)
        {
            var varbind = list.ReadSequence();
            varbinds.Add(new SnmpVarbind(varbind.ReadObjectIdentifier(), ReadValue(varbind)));
            varbind.ThrowIfNotEmpty();
        }

        return new SnmpMessage(community, new SnmpPdu((SnmpPduType)tag.TagValue, requestId, errorStatus, errorIndex, varbinds));
    }

    private static Asn1Tag PduTag(SnmpPduType type) => new(TagClass.ContextSpecific, (int)type, isConstructed: true);

    private static Asn1Tag ExceptionTag(SnmpExceptionKind kind) => new(TagClass.ContextSpecific, (int)kind);

    private static void WriteValue(AsnWriter writer, SnmpValue value)
    {
        switch (value)
        {
            case SnmpInteger integer:
                writer.WriteInteger(integer.Value);
                break;
            case SnmpOctetString octets:
                writer.WriteOctetString(octets.Value);
                break;
            case SnmpObjectIdentifier oid:
                writer.WriteObjectIdentifier(oid.Value);
                break;
            case SnmpNull:
                writer.WriteNull();
                break;
            case SnmpExceptionValue exception:
                writer.WriteNull(ExceptionTag(exception.Kind));
                break;
            default:
                throw new ArgumentException($"unsupported SNMP value {value}", nameof(value));
        }
    }

    private static SnmpValue ReadValue(AsnReader reader)
    {
        var tag = reader.PeekTag();
        if (tag.HasSameClassAndValue(Asn1Tag.Integer))
        {
            return new SnmpInteger(ReadInt32(reader));
        }

        if (tag.HasSameClassAndValue(Asn1Tag.PrimitiveOctetString))
        {
            return new SnmpOctetString(reader.ReadOctetString());
        }

        if (tag.HasSameClassAndValue(Asn1Tag.ObjectIdentifier))
        {
            return new SnmpObjectIdentifier(reader.ReadObjectIdentifier());
        }

        if (tag.HasSameClassAndValue(Asn1Tag.Null))
        {
            reader.ReadNull();
            return new SnmpNull();
        }

        if (tag.TagClass == TagClass.ContextSpecific && !tag.IsConstructed && Enum.IsDefined((SnmpExceptionKind)tag.TagValue))
        {
            reader.ReadNull(tag);
            return new SnmpExceptionValue((SnmpExceptionKind)tag.TagValue);
        }

        throw new AsnContentException($"unsupported SNMP value type {tag}");
    }

    // SNMP's INTEGER fields are all Integer32 (RFC 2578).
    private static int ReadInt32(AsnReader reader) =>
        reader.TryReadInt32(out var value) ? value : throw new AsnContentException("INTEGER does not fit in 32 bits");
}
