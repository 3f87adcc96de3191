using System.Formats.Asn1;
using Portal.Hardware.Snmp;

namespace Portal.Tests.Hardware;

/// <summary>
/// Byte-exact encodings. The responses were captured from Debian's snmpd 5.9.3 answering these requests;
/// the SetRequest has the layout snmpset sends (captured with socat), with a fixed request id.
/// </summary>
public sealed class SnmpCodecTests
{
    private const string PoePort = "1.3.6.1.2.1.105.1.1.1.3.1";

    [Fact]
    public void GetRequestEncodesAsTheWellKnownSysDescrQuery()
    {
        var bytes = SnmpCodec.Encode(Message("public", SnmpPduType.GetRequest, 1, new("1.3.6.1.2.1.1.1.0", new SnmpNull())));

        Assert.Equal("302602010104067075626C6963A019020101020100020100300E300C06082B060102010101000500", Convert.ToHexString(bytes));
    }

    [Fact]
    public void SetRequestEncodesAnIntegerValue()
    {
        var bytes = SnmpCodec.Encode(Message("private", SnmpPduType.SetRequest, 0x1234, new($"{PoePort}.2", new SnmpInteger(1))));

        Assert.Equal("302D020101040770726976617465A31F0202123402010002010030133011060C2B0601020169010101030102020101", Convert.ToHexString(bytes));
    }

    [Fact]
    public void OidArcsAbove127TakeSeveralBytes()
    {
        var bytes = SnmpCodec.Encode(Message("private", SnmpPduType.SetRequest, 7, new("1.3.6.1.4.1.318.1.1.4.4.2.1.3.5", new SnmpInteger(2))));

        // 318 is 0x82 0x3E: seven bits per byte, the high bit set on all but the last.
        Assert.Contains("060F2B06010401823E0101040402010305020102", Convert.ToHexString(bytes));
    }

    [Theory]
    [InlineData(1, "020101")]
    [InlineData(127, "02017F")]
    [InlineData(128, "02020080")]
    [InlineData(0x1234, "02021234")]
    [InlineData(int.MaxValue, "02047FFFFFFF")]
    public void RequestIdsUseTheShortestTwosComplementEncoding(int requestId, string expected)
    {
        var message = Message("public", SnmpPduType.GetRequest, requestId, new("1.3.6.1.2.1.1.1.0", new SnmpNull()));

        var bytes = SnmpCodec.Encode(message);

        // After the message header (13 bytes) and the PDU's tag and length comes the request id.
        Assert.StartsWith(expected, Convert.ToHexString(bytes)[30..]);
        Assert.Equal(requestId, SnmpCodec.Decode(bytes).Pdu.RequestId);
    }

    [Theory]
    [InlineData(0, "020100")]
    [InlineData(-1, "0201FF")]
    [InlineData(-128, "020180")]
    [InlineData(-129, "0202FF7F")]
    [InlineData(int.MinValue, "020480000000")]
    public void NegativeIntegersRoundTrip(int value, string expected)
    {
        var bytes = SnmpCodec.Encode(Message("private", SnmpPduType.SetRequest, 1, new($"{PoePort}.1", new SnmpInteger(value))));

        Assert.EndsWith(expected, Convert.ToHexString(bytes));
        Assert.Equal(new SnmpInteger(value), SnmpCodec.Decode(bytes).Pdu.Varbinds.Single().Value);
    }

    [Fact]
    public void ResponseWithAnIntegerDecodes()
    {
        var message = Decode("302B02010104067075626C6963A21E02010102010002010030133011060C2B0601020169010101030101020102");

        Assert.Equal("public", message.Community);
        Assert.Equal((SnmpPduType.Response, 1, 0, 0), (message.Pdu.Type, message.Pdu.RequestId, message.Pdu.ErrorStatus, message.Pdu.ErrorIndex));
        Assert.Equal([new SnmpVarbind($"{PoePort}.1", new SnmpInteger(2))], message.Pdu.Varbinds);
    }

    [Fact]
    public void ResponseWithNoSuchInstanceDecodesAsThatException()
    {
        var message = Decode("302A02010104067075626C6963A21D02010102010002010030123010060C2B06010201690101010301098100");

        Assert.Equal([new SnmpVarbind($"{PoePort}.9", new SnmpExceptionValue(SnmpExceptionKind.NoSuchInstance))], message.Pdu.Varbinds);
    }

    [Fact]
    public void ExceptionsAreDistinctContextTags()
    {
        var kinds = new[] { SnmpExceptionKind.NoSuchObject, SnmpExceptionKind.NoSuchInstance, SnmpExceptionKind.EndOfMibView };
        var message = new SnmpMessage("public", new SnmpPdu(SnmpPduType.Response, 1, 0, 0,
            [.. kinds.Select(kind => new SnmpVarbind("1.3.6.1", new SnmpExceptionValue(kind)))]));

        var bytes = SnmpCodec.Encode(message);

        Assert.EndsWith("300706032B06018000300706032B06018100300706032B06018200", Convert.ToHexString(bytes));
        Assert.Equal(message.Pdu.Varbinds, SnmpCodec.Decode(bytes).Pdu.Varbinds);
    }

    [Fact]
    public void ResponseWithAnErrorStatusKeepsStatusAndIndex()
    {
        // snmpd's answer to a SetRequest with the read-only community.
        var message = Decode("302C02010104067075626C6963A21F0202123402010602010130133011060C2B0601020169010101030102020101");

        Assert.Equal((0x1234, 6, 1), (message.Pdu.RequestId, message.Pdu.ErrorStatus, message.Pdu.ErrorIndex));
        Assert.Equal("noAccess (6)", SnmpCodec.ErrorName(message.Pdu.ErrorStatus));
    }

    [Fact]
    public void ResponseWithAnObjectIdentifierValueDecodes()
    {
        // sysObjectID.0 of snmpd: 8072 is 0xBF 0x08.
        var message = Decode("303002010104067075626C6963A2230201010201000201003018301606082B06010201010200060A2B06010401BF0803020A");

        Assert.Equal([new SnmpVarbind("1.3.6.1.2.1.1.2.0", new SnmpObjectIdentifier("1.3.6.1.4.1.8072.3.2.10"))], message.Pdu.Varbinds);
    }

    [Fact]
    public void OctetStringValuesRoundTrip()
    {
        var bytes = SnmpCodec.Encode(Message("public", SnmpPduType.Response, 1, new("1.3.6.1.2.1.1.5.0", new SnmpOctetString("sw-lab-1"u8.ToArray()))));

        Assert.EndsWith("040873772D6C61622D31", Convert.ToHexString(bytes));
        Assert.Equal("sw-lab-1"u8.ToArray(), Assert.IsType<SnmpOctetString>(SnmpCodec.Decode(bytes).Pdu.Varbinds.Single().Value).Value);
    }

    [Theory]
    [InlineData(0, "noError (0)")]
    [InlineData(2, "noSuchName (2)")]
    [InlineData(4, "readOnly (4)")]
    [InlineData(10, "wrongValue (10)")]
    [InlineData(16, "authorizationError (16)")]
    [InlineData(17, "notWritable (17)")]
    [InlineData(18, "inconsistentName (18)")]
    [InlineData(42, "unknown error (42)")]
    public void ErrorStatusesAreNamedAsInRfc3416(int status, string expected) => Assert.Equal(expected, SnmpCodec.ErrorName(status));

    [Theory]
    [InlineData("302602010004067075626C6963A019020101020100020100300E300C06082B060102010101000500")] // version 0 is SNMPv1
    [InlineData("302602010104067075626C6963A419020101020100020100300E300C06082B060102010101000500")] // [A4] is a v1 trap
    [InlineData("302602010104067075626C6963A019020101020100020100300E300C06082B060102010101004100")] // Counter32 is not supported
    [InlineData("3026020101")] // cut short
    public void WhatTheCodecCannotReadIsAnAsnContentError(string hex) =>
        Assert.ThrowsAny<AsnContentException>(() => SnmpCodec.Decode(Convert.FromHexString(hex)));

    [Fact]
    public void TheCommunityIsLeftOutOfToString() =>
        Assert.DoesNotContain("s3cret", Message("s3cret", SnmpPduType.GetRequest, 1, new("1.3.6.1", new SnmpNull())).ToString());

    private static SnmpMessage Message(string community, SnmpPduType type, int requestId, SnmpVarbind varbind) =>
        new(community, new SnmpPdu(type, requestId, 0, 0, [varbind]));

    private static SnmpMessage Decode(string hex) => SnmpCodec.Decode(Convert.FromHexString(hex));
}
