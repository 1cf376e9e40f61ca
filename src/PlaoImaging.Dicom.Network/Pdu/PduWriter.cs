using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace PlaoImaging.Dicom.Network;

/// <summary>Writes PDUs (PS3.8 9.3) to bytes. Strict: AE titles, UIDs and lengths are checked, nothing is truncated silently.</summary>
public static class PduWriter
{
    /// <summary>The PDU as one byte array.</summary>
    public static byte[] ToArray(Pdu pdu)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(pdu, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(Pdu pdu, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(pdu);
        ArgumentNullException.ThrowIfNull(output);
        var body = new ArrayBufferWriter<byte>(256);
        switch (pdu)
        {
            case AssociateRequestPdu rq:
                WriteAssociateFixed(body, rq.ProtocolVersion, rq.CalledAETitle, rq.CallingAETitle);
                WriteUidItem(body, 0x10, rq.ApplicationContextName);
                foreach (var pc in rq.PresentationContexts)
                {
                    var item = new ArrayBufferWriter<byte>(128);
                    item.Write<byte>([pc.Id, 0, 0, 0]);
                    WriteUidItem(item, 0x30, pc.AbstractSyntax);
                    foreach (var ts in pc.TransferSyntaxes)
                    {
                        WriteUidItem(item, 0x40, ts);
                    }

                    WriteItem(body, 0x20, item.WrittenSpan);
                }

                WriteUserInformation(body, rq.UserInformation);
                break;
            case AssociateAcceptPdu ac:
                WriteAssociateFixed(body, ac.ProtocolVersion, ac.CalledAETitle, ac.CallingAETitle);
                WriteUidItem(body, 0x10, ac.ApplicationContextName);
                foreach (var pc in ac.PresentationContexts)
                {
                    var item = new ArrayBufferWriter<byte>(64);
                    item.Write<byte>([pc.Id, 0, (byte)pc.Outcome, 0]);
                    WriteUidItem(item, 0x40, pc.TransferSyntax);
                    WriteItem(body, 0x21, item.WrittenSpan);
                }

                WriteUserInformation(body, ac.UserInformation);
                break;
            case AssociateRejectPdu rj:
                body.Write<byte>([0, (byte)rj.Result, (byte)rj.Source, rj.Reason]);
                break;
            case DataTransferPdu data:
                Span<byte> header = stackalloc byte[6];
                foreach (var pdv in data.Values)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(header, (uint)pdv.Data.Length + 2);
                    header[4] = pdv.PresentationContextId;
                    header[5] = (byte)((pdv.IsCommand ? 1 : 0) | (pdv.IsLast ? 2 : 0));
                    body.Write(header);
                    body.Write(pdv.Data.Span);
                }

                break;
            case ReleaseRequestPdu or ReleaseResponsePdu:
                body.Write<byte>([0, 0, 0, 0]);
                break;
            case AbortPdu abort:
                body.Write<byte>([0, 0, (byte)abort.Source, (byte)abort.Reason]);
                break;
            default:
                throw new ArgumentException($"unknown PDU {pdu.GetType().Name}", nameof(pdu));
        }

        var head = output.GetSpan(PduReader.HeaderLength);
        head[0] = pdu.Type;
        head[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(head[2..], (uint)body.WrittenCount);
        output.Advance(PduReader.HeaderLength);
        output.Write(body.WrittenSpan);
    }

    private static void WriteAssociateFixed(ArrayBufferWriter<byte> body, ushort version, string called, string calling)
    {
        var span = body.GetSpan(68)[..68];
        span.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(span, version);
        WriteAETitle(span.Slice(4, 16), called, "called AE title");
        WriteAETitle(span.Slice(20, 16), calling, "calling AE title");
        body.Advance(68);
    }

    /// <summary>An AE title in its 16-byte field, space padded (PS3.8 9.3.2: leading and trailing spaces are not significant).</summary>
    private static void WriteAETitle(Span<byte> field, string title, string what)
    {
        if (!DicomAETitle.IsValid(title))
        {
            throw new ArgumentException($"{what} '{title}' is not 1 to 16 printable characters without a backslash");
        }

        field.Fill((byte)' ');
        Encoding.ASCII.GetBytes(title, field);
    }

    private static void WriteUserInformation(ArrayBufferWriter<byte> body, UserInformation user)
    {
        var item = new ArrayBufferWriter<byte>(128);
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(four, user.MaxPduLength);
        WriteItem(item, 0x51, four);
        if (!string.IsNullOrEmpty(user.ImplementationClassUid))
        {
            WriteUidItem(item, 0x52, user.ImplementationClassUid);
        }

        if (user.AsynchronousOperationsWindow is { } window)
        {
            BinaryPrimitives.WriteUInt16BigEndian(four, window.Invoked);
            BinaryPrimitives.WriteUInt16BigEndian(four[2..], window.Performed);
            WriteItem(item, 0x53, four);
        }

        foreach (var role in user.RoleSelections)
        {
            var sub = new ArrayBufferWriter<byte>(64);
            WriteLengthPrefixedUid(sub, role.SopClassUid);
            sub.Write<byte>([(byte)(role.ScuRole ? 1 : 0), (byte)(role.ScpRole ? 1 : 0)]);
            WriteItem(item, 0x54, sub.WrittenSpan);
        }

        if (!string.IsNullOrEmpty(user.ImplementationVersionName))
        {
            if (user.ImplementationVersionName.Length > 16)
            {
                throw new ArgumentException($"implementation version name '{user.ImplementationVersionName}' is longer than 16 characters");
            }

            WriteItem(item, 0x55, Encoding.ASCII.GetBytes(user.ImplementationVersionName));
        }

        foreach (var negotiation in user.ExtendedNegotiations)
        {
            var sub = new ArrayBufferWriter<byte>(64);
            WriteLengthPrefixedUid(sub, negotiation.SopClassUid);
            sub.Write(negotiation.ServiceClassApplicationInformation.Span);
            WriteItem(item, 0x56, sub.WrittenSpan);
        }

        foreach (var negotiation in user.CommonExtendedNegotiations)
        {
            var sub = new ArrayBufferWriter<byte>(64);
            WriteLengthPrefixedUid(sub, negotiation.SopClassUid);
            WriteLengthPrefixedUid(sub, negotiation.ServiceClassUid);
            var related = new ArrayBufferWriter<byte>(64);
            foreach (var uid in negotiation.RelatedGeneralSopClassUids)
            {
                WriteLengthPrefixedUid(related, uid);
            }

            BinaryPrimitives.WriteUInt16BigEndian(four, checked((ushort)related.WrittenCount));
            sub.Write(four[..2]);
            sub.Write(related.WrittenSpan);
            WriteItem(item, 0x57, sub.WrittenSpan);
        }

        if (user.UserIdentity is { } identity)
        {
            var sub = new ArrayBufferWriter<byte>(64);
            sub.Write<byte>([(byte)identity.IdentityType, (byte)(identity.PositiveResponseRequested ? 1 : 0)]);
            WriteLengthPrefixed(sub, identity.PrimaryField.Span);
            WriteLengthPrefixed(sub, identity.SecondaryField.Span);
            WriteItem(item, 0x58, sub.WrittenSpan);
        }

        if (user.UserIdentityServerResponse is { } response)
        {
            var sub = new ArrayBufferWriter<byte>(64);
            WriteLengthPrefixed(sub, response.Span);
            WriteItem(item, 0x59, sub.WrittenSpan);
        }

        foreach (var unknown in user.UnknownItems)
        {
            WriteItem(item, unknown.ItemType, unknown.Value.Span);
        }

        WriteItem(body, 0x50, item.WrittenSpan);
    }

    private static void WriteUidItem(IBufferWriter<byte> output, byte type, string uid)
    {
        CheckUid(uid);
        WriteItem(output, type, Encoding.ASCII.GetBytes(uid));
    }

    private static void WriteLengthPrefixedUid(IBufferWriter<byte> output, string uid)
    {
        CheckUid(uid);
        WriteLengthPrefixed(output, Encoding.ASCII.GetBytes(uid));
    }

    private static void WriteLengthPrefixed(IBufferWriter<byte> output, ReadOnlySpan<byte> value)
    {
        if (value.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"a field of {value.Length} bytes does not fit a 16-bit length");
        }

        Span<byte> two = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(two, (ushort)value.Length);
        output.Write(two);
        output.Write(value);
    }

    private static void WriteItem(IBufferWriter<byte> output, byte type, ReadOnlySpan<byte> value)
    {
        if (value.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"item 0x{type:X2} of {value.Length} bytes does not fit a 16-bit item length");
        }

        Span<byte> head = stackalloc byte[4];
        head[0] = type;
        head[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(head[2..], (ushort)value.Length);
        output.Write(head);
        output.Write(value);
    }

    private static void CheckUid(string uid)
    {
        if (uid.Length is 0 or > 64 || uid.Any(c => c is not ((>= '0' and <= '9') or '.')))
        {
            throw new ArgumentException($"'{uid}' is not a UID");
        }
    }
}

/// <summary>Application Entity titles (PS3.5 Table 6.2-1, AE): 1 to 16 characters of the default repertoire, no backslash or control characters, not all spaces.</summary>
public static class DicomAETitle
{
    public static bool IsValid(string? title) =>
        title is not null && title.Trim().Length is > 0 and <= 16 && title.Length <= 16 && title.All(c => c is >= ' ' and <= '~' and not '\\');
}
