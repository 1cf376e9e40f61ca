using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace PlaoImaging.Dicom.Network;

/// <summary>
/// Parses PDUs (PS3.8 9.3) from bytes, without I/O: <see cref="TryRead"/> answers "need more bytes" (false) until a
/// whole PDU is there. Every length is checked against what contains it before it is used, so a lying length gives a
/// <see cref="DicomPduException"/> naming the PDU, offset and field, never an over-read or a large allocation.
/// </summary>
public static class PduReader
{
    /// <summary>PDU type (1 byte), reserved (1), PDU length (4, big endian).</summary>
    public const int HeaderLength = 6;

    /// <summary>Upper bound for the length of any PDU other than P-DATA-TF (association negotiation, release, abort).</summary>
    public const int MaxControlPduLength = 1 << 20;

    /// <summary>
    /// Reads one PDU from the start of <paramref name="input"/>. Returns false, with <paramref name="needed"/> set to the
    /// total bytes the PDU takes (or <see cref="HeaderLength"/>), when input holds less than that. A P-DATA-TF PDU longer
    /// than <paramref name="maxDataPduLength"/> (the maximum we announced; 0 = none) or any other PDU longer than
    /// <see cref="MaxControlPduLength"/> is refused as soon as its header is seen. Presentation data values of the
    /// result refer to <paramref name="input"/> (no copy).
    /// </summary>
    public static bool TryRead(ReadOnlyMemory<byte> input, uint maxDataPduLength, [NotNullWhen(true)] out Pdu? pdu, out int needed)
    {
        pdu = null;
        if (!TryReadHeader(input.Span, maxDataPduLength, out byte type, out int length))
        {
            needed = HeaderLength;
            return false;
        }

        needed = HeaderLength + length;
        if (input.Length < needed)
        {
            return false;
        }

        var body = input.Slice(HeaderLength, length);
        pdu = type switch
        {
            0x01 => ReadAssociate(body.Span, type),
            0x02 => ReadAssociate(body.Span, type),
            0x03 => ReadReject(body.Span),
            0x04 => ReadData(body),
            0x05 => ReadFixed(body.Span, type, new ReleaseRequestPdu()),
            0x06 => ReadFixed(body.Span, type, new ReleaseResponsePdu()),
            0x07 => ReadAbort(body.Span),
            _ => throw new DicomPduException(type, 0, "PDU-type", "unrecognised PDU type"),
        };
        return true;
    }

    /// <summary>Reads the 6-byte header: false when fewer bytes are there; throws for an unknown type or an over-long PDU.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> input, uint maxDataPduLength, out byte type, out int length)
    {
        type = 0;
        length = 0;
        if (input.Length < HeaderLength)
        {
            return false;
        }

        type = input[0];
        if (type is < 0x01 or > 0x07)
        {
            throw new DicomPduException(type, 0, "PDU-type", "unrecognised PDU type");
        }

        uint declared = BinaryPrimitives.ReadUInt32BigEndian(input[2..]);
        uint limit = type == 0x04 ? (maxDataPduLength == 0 ? int.MaxValue - HeaderLength : maxDataPduLength) : MaxControlPduLength;
        if (declared > limit)
        {
            throw new DicomPduException(type, 2, "PDU-length", $"{declared} bytes is over the limit of {limit}");
        }

        length = (int)declared;
        return true;
    }

    private static Pdu ReadFixed(ReadOnlySpan<byte> body, byte type, Pdu pdu)
    {
        if (body.Length != 4)
        {
            throw new DicomPduException(type, 2, "PDU-length", $"{body.Length} bytes; 4 expected");
        }

        return pdu;
    }

    private static AssociateRejectPdu ReadReject(ReadOnlySpan<byte> body)
    {
        ReadFixed(body, 0x03, new ReleaseRequestPdu());
        return new AssociateRejectPdu((AssociateRejectResult)body[1], (AssociateRejectSource)body[2], body[3]);
    }

    private static AbortPdu ReadAbort(ReadOnlySpan<byte> body)
    {
        ReadFixed(body, 0x07, new ReleaseRequestPdu());
        return new AbortPdu((AbortSource)body[2], (AbortReason)body[3]);
    }

    private static DataTransferPdu ReadData(ReadOnlyMemory<byte> body)
    {
        var span = body.Span;
        var values = new List<PresentationDataValue>(1);
        int at = 0;
        while (at < span.Length)
        {
            if (span.Length - at < 6)
            {
                throw new DicomPduException(0x04, HeaderLength + at, "PDV item-length", $"{span.Length - at} bytes left; a PDV takes at least 6");
            }

            uint itemLength = BinaryPrimitives.ReadUInt32BigEndian(span[at..]);
            if (itemLength < 2 || itemLength > span.Length - at - 4)
            {
                throw new DicomPduException(0x04, HeaderLength + at, "PDV item-length", $"{itemLength} does not fit the {span.Length - at - 4} bytes left in the PDU");
            }

            byte contextId = span[at + 4];
            byte header = span[at + 5];
            if ((header & 0xFC) != 0)
            {
                throw new DicomPduException(0x04, HeaderLength + at + 5, "message control header", $"0x{header:X2} has reserved bits set");
            }

            if ((contextId & 1) == 0)
            {
                throw new DicomPduException(0x04, HeaderLength + at + 4, "presentation-context-ID", $"{contextId} is not odd");
            }

            values.Add(new PresentationDataValue(contextId, (header & 1) != 0, (header & 2) != 0, body.Slice(at + 6, (int)itemLength - 2)));
            at += 4 + (int)itemLength;
        }

        if (values.Count == 0)
        {
            throw new DicomPduException(0x04, HeaderLength, "presentation-data-value items", "a P-DATA-TF PDU holds at least one PDV");
        }

        return new DataTransferPdu(values);
    }

    private static Pdu ReadAssociate(ReadOnlySpan<byte> body, byte type)
    {
        const int fixedLength = 68; // protocol version … reserved 32 bytes
        if (body.Length < fixedLength)
        {
            throw new DicomPduException(type, 2, "PDU-length", $"{body.Length} bytes cannot hold the {fixedLength}-byte fixed part");
        }

        ushort version = BinaryPrimitives.ReadUInt16BigEndian(body);
        string called = ReadAETitle(body.Slice(4, 16), type, HeaderLength + 4, "called-AE-title");
        string calling = ReadAETitle(body.Slice(20, 16), type, HeaderLength + 20, "calling-AE-title");

        string? applicationContext = null;
        var proposals = new List<PresentationContextProposal>();
        var results = new List<PresentationContextResult>();
        UserInformation? user = null;
        int at = fixedLength;
        while (at < body.Length)
        {
            int next = ReadItem(body, at, type, "variable item", out byte itemType, out var value);
            int valueOffset = HeaderLength + at + 4;
            switch (itemType)
            {
                case 0x10:
                    if (applicationContext is not null)
                    {
                        throw new DicomPduException(type, HeaderLength + at, "application context item", "more than one");
                    }

                    applicationContext = ReadUid(value, type, valueOffset, "application-context-name");
                    break;
                case 0x20 when type == 0x01:
                    proposals.Add(ReadProposal(value, type, valueOffset));
                    break;
                case 0x21 when type == 0x02:
                    results.Add(ReadResult(value, type, valueOffset));
                    break;
                case 0x50:
                    if (user is not null)
                    {
                        throw new DicomPduException(type, HeaderLength + at, "user information item", "more than one");
                    }

                    user = ReadUserInformation(value, type, valueOffset);
                    break;
                default:
                    // PS3.8 9.3.1: items of unrecognised type are ignored.
                    break;
            }

            at = next;
        }

        if (applicationContext is null)
        {
            throw new DicomPduException(type, HeaderLength + fixedLength, "application context item", "missing");
        }

        if (user is null)
        {
            throw new DicomPduException(type, HeaderLength + fixedLength, "user information item", "missing (it must hold the maximum length sub-item)");
        }

        return type == 0x01
            ? new AssociateRequestPdu(called, calling, proposals, user) { ProtocolVersion = version, ApplicationContextName = applicationContext }
            : new AssociateAcceptPdu(called, calling, results, user) { ProtocolVersion = version, ApplicationContextName = applicationContext };
    }

    private static PresentationContextProposal ReadProposal(ReadOnlySpan<byte> value, byte type, int offset)
    {
        if (value.Length < 4)
        {
            throw new DicomPduException(type, offset, "presentation context item", $"{value.Length} bytes; at least 4 expected");
        }

        byte id = value[0];
        string? abstractSyntax = null;
        var syntaxes = new List<string>();
        int at = 4;
        while (at < value.Length)
        {
            int next = ReadItem(value, at, type, "presentation context sub-item", out byte itemType, out var sub, offset);
            switch (itemType)
            {
                case 0x30:
                    if (abstractSyntax is not null)
                    {
                        throw new DicomPduException(type, offset + at, "abstract syntax sub-item", $"more than one in presentation context {id}");
                    }

                    abstractSyntax = ReadUid(sub, type, offset + at + 4, "abstract-syntax-name");
                    break;
                case 0x40:
                    syntaxes.Add(ReadUid(sub, type, offset + at + 4, "transfer-syntax-name"));
                    break;
                default:
                    throw new DicomPduException(type, offset + at, "presentation context sub-item", $"item type 0x{itemType:X2} is not allowed here");
            }

            at = next;
        }

        if (abstractSyntax is null)
        {
            throw new DicomPduException(type, offset, "abstract syntax sub-item", $"missing in presentation context {id}");
        }

        if (syntaxes.Count == 0)
        {
            throw new DicomPduException(type, offset, "transfer syntax sub-item", $"none in presentation context {id}");
        }

        return new PresentationContextProposal(id, abstractSyntax, syntaxes);
    }

    private static PresentationContextResult ReadResult(ReadOnlySpan<byte> value, byte type, int offset)
    {
        if (value.Length < 4)
        {
            throw new DicomPduException(type, offset, "presentation context item", $"{value.Length} bytes; at least 4 expected");
        }

        byte id = value[0];
        var outcome = (PresentationContextOutcome)value[2];
        string syntax = string.Empty;
        int at = 4;
        while (at < value.Length)
        {
            int next = ReadItem(value, at, type, "presentation context sub-item", out byte itemType, out var sub, offset);
            if (itemType != 0x40)
            {
                throw new DicomPduException(type, offset + at, "presentation context sub-item", $"item type 0x{itemType:X2} is not allowed here");
            }

            syntax = ReadUid(sub, type, offset + at + 4, "transfer-syntax-name");
            at = next;
        }

        return new PresentationContextResult(id, outcome, syntax);
    }

    private static UserInformation ReadUserInformation(ReadOnlySpan<byte> value, byte type, int offset)
    {
        uint? maxLength = null;
        string classUid = string.Empty;
        string? versionName = null;
        (ushort, ushort)? window = null;
        var roles = new List<RoleSelection>();
        var extended = new List<ExtendedNegotiation>();
        var common = new List<CommonExtendedNegotiation>();
        var unknown = new List<UnknownUserInformationItem>();
        UserIdentityRequest? identity = null;
        ReadOnlyMemory<byte>? serverResponse = null;
        int at = 0;
        while (at < value.Length)
        {
            int next = ReadItem(value, at, type, "user information sub-item", out byte itemType, out var sub, offset);
            int subOffset = offset + at + 4;
            switch (itemType)
            {
                case 0x51:
                    Need(sub, 4, type, subOffset, "maximum-length-received");
                    maxLength = BinaryPrimitives.ReadUInt32BigEndian(sub);
                    break;
                case 0x52:
                    classUid = ReadUid(sub, type, subOffset, "implementation-class-uid");
                    break;
                case 0x53:
                    Need(sub, 4, type, subOffset, "asynchronous operations window");
                    window = (BinaryPrimitives.ReadUInt16BigEndian(sub), BinaryPrimitives.ReadUInt16BigEndian(sub[2..]));
                    break;
                case 0x54:
                {
                    string uid = ReadLengthPrefixed(sub, type, subOffset, "SOP-class-uid", out var rest);
                    Need(rest, 2, type, subOffset, "SCU-role / SCP-role");
                    roles.Add(new RoleSelection(uid, rest[0] == 1, rest[1] == 1));
                    break;
                }

                case 0x55:
                    versionName = Encoding.ASCII.GetString(sub).Trim(' ', '\0');
                    break;
                case 0x56:
                {
                    string uid = ReadLengthPrefixed(sub, type, subOffset, "SOP-class-uid", out var rest);
                    extended.Add(new ExtendedNegotiation(uid, rest.ToArray()));
                    break;
                }

                case 0x57:
                {
                    string uid = ReadLengthPrefixed(sub, type, subOffset, "SOP-class-uid", out var rest);
                    string serviceClass = ReadLengthPrefixed(rest, type, subOffset, "service-class-uid", out var related);
                    Need(related, 2, type, subOffset, "related-general-sop-class-identification-length");
                    int relatedLength = BinaryPrimitives.ReadUInt16BigEndian(related);
                    Need(related, 2 + relatedLength, type, subOffset, "related-general-sop-class-identification");
                    var list = new List<string>();
                    var items = related.Slice(2, relatedLength);
                    while (!items.IsEmpty)
                    {
                        string relatedUid = ReadLengthPrefixed(items, type, subOffset, "related-general-sop-class-uid", out var remaining);
                        list.Add(relatedUid);
                        items = remaining;
                    }

                    common.Add(new CommonExtendedNegotiation(uid, serviceClass, list));
                    break;
                }

                case 0x58:
                {
                    Need(sub, 4, type, subOffset, "user-identity-type");
                    var identityType = (UserIdentityType)sub[0];
                    bool positive = sub[1] == 1;
                    int primaryLength = BinaryPrimitives.ReadUInt16BigEndian(sub[2..]);
                    Need(sub, 4 + primaryLength + 2, type, subOffset, "primary-field");
                    var primary = sub.Slice(4, primaryLength).ToArray();
                    int secondaryLength = BinaryPrimitives.ReadUInt16BigEndian(sub[(4 + primaryLength)..]);
                    Need(sub, 6 + primaryLength + secondaryLength, type, subOffset, "secondary-field");
                    identity = new UserIdentityRequest(identityType, positive, primary, sub.Slice(6 + primaryLength, secondaryLength).ToArray());
                    break;
                }

                case 0x59:
                {
                    Need(sub, 2, type, subOffset, "server-response-length");
                    int responseLength = BinaryPrimitives.ReadUInt16BigEndian(sub);
                    Need(sub, 2 + responseLength, type, subOffset, "server-response");
                    serverResponse = sub.Slice(2, responseLength).ToArray();
                    break;
                }

                default:
                    unknown.Add(new UnknownUserInformationItem(itemType, sub.ToArray()));
                    break;
            }

            at = next;
        }

        if (maxLength is null)
        {
            throw new DicomPduException(type, offset, "maximum length sub-item", "missing from the user information item (PS3.8 D.1)");
        }

        return new UserInformation
        {
            MaxPduLength = maxLength.Value,
            ImplementationClassUid = classUid,
            ImplementationVersionName = versionName,
            AsynchronousOperationsWindow = window,
            RoleSelections = roles,
            ExtendedNegotiations = extended,
            CommonExtendedNegotiations = common,
            UserIdentity = identity,
            UserIdentityServerResponse = serverResponse,
            UnknownItems = unknown,
        };
    }

    /// <summary>An item: type (1), reserved (1), item-length (2, big endian), value. Returns the value and the offset after it.</summary>
    private static int ReadItem(ReadOnlySpan<byte> span, int at, byte pduType, string what, out byte itemType, out ReadOnlySpan<byte> value, int baseOffset = HeaderLength)
    {
        if (span.Length - at < 4)
        {
            throw new DicomPduException(pduType, baseOffset + at, what, $"{span.Length - at} bytes left; an item header takes 4");
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(span[(at + 2)..]);
        if (length > span.Length - at - 4)
        {
            throw new DicomPduException(pduType, baseOffset + at + 2, $"{what} 0x{span[at]:X2} item-length", $"{length} does not fit the {span.Length - at - 4} bytes left");
        }

        itemType = span[at];
        value = span.Slice(at + 4, length);
        return at + 4 + length;
    }

    private static string ReadLengthPrefixed(ReadOnlySpan<byte> span, byte type, int offset, string field, out ReadOnlySpan<byte> rest)
    {
        Need(span, 2, type, offset, field + " length");
        int length = BinaryPrimitives.ReadUInt16BigEndian(span);
        Need(span, 2 + length, type, offset, field);
        rest = span[(2 + length)..];
        return ReadUid(span.Slice(2, length), type, offset, field);
    }

    private static void Need(ReadOnlySpan<byte> span, int length, byte type, int offset, string field)
    {
        if (span.Length < length)
        {
            throw new DicomPduException(type, offset, field, $"{span.Length} bytes; {length} needed");
        }
    }

    private static string ReadUid(ReadOnlySpan<byte> value, byte type, int offset, string field)
    {
        if (value.Length > 64)
        {
            throw new DicomPduException(type, offset, field, $"{value.Length} bytes is longer than a UID (64)");
        }

        // Trailing NUL (DICOM padding, PS3.8 9.3.2.2.1 note) or spaces are tolerated as DCMTK does.
        var text = value.TrimEnd((byte)0).TrimEnd((byte)' ');
        foreach (byte b in text)
        {
            if (b is not ((>= (byte)'0' and <= (byte)'9') or (byte)'.'))
            {
                throw new DicomPduException(type, offset, field, $"0x{b:X2} is not a UID character");
            }
        }

        return Encoding.ASCII.GetString(text);
    }

    private static string ReadAETitle(ReadOnlySpan<byte> value, byte type, int offset, string field)
    {
        foreach (byte b in value)
        {
            if (b is < 0x20 and not 0 or > 0x7E)
            {
                throw new DicomPduException(type, offset, field, $"byte 0x{b:X2} is not allowed in an AE title");
            }
        }

        return Encoding.ASCII.GetString(value).Trim(' ', '\0');
    }
}
