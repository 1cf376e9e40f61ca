using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace PlaoImaging.Dicom.Network.Tests.Support;

/// <summary>
/// A byte-level PDU encoder written from PS3.8 9.3 independently of <see cref="PduWriter"/>: fields are appended in
/// order, item lengths are patched when the item ends, and every item's absolute offset (from the first byte of the
/// PDU) is remembered by name so that tests can corrupt exactly one field and know where the reader must point.
/// </summary>
internal sealed class PduBytes
{
    private readonly List<byte> bytes = [];
    private readonly Dictionary<string, (int Start, int End)> items = new(StringComparer.Ordinal);

    /// <summary>The current offset from the first byte of the PDU.</summary>
    public int Position => bytes.Count;

    /// <summary>Start (of the item header) and end (after the value) of a named item.</summary>
    public (int Start, int End) Offsets(string name) => items[name];

    public PduBytes U8(byte value)
    {
        bytes.Add(value);
        return this;
    }

    public PduBytes U16(ushort value)
    {
        bytes.Add((byte)(value >> 8));
        bytes.Add((byte)value);
        return this;
    }

    public PduBytes U32(uint value)
    {
        U16((ushort)(value >> 16));
        return U16((ushort)value);
    }

    public PduBytes Raw(ReadOnlySpan<byte> value)
    {
        foreach (byte b in value)
        {
            bytes.Add(b);
        }

        return this;
    }

    public PduBytes Zeros(int count) => Raw(new byte[count]);

    public PduBytes Ascii(string text) => Raw(Encoding.ASCII.GetBytes(text));

    /// <summary>An AE title field: 16 bytes, space padded.</summary>
    public PduBytes AETitle(string title) => Ascii(title.PadRight(16));

    /// <summary>An item (type, reserved, 16-bit length, value); the length is patched after <paramref name="value"/> ran.</summary>
    public PduBytes Item(byte type, Action<PduBytes> value, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        int start = Position;
        U8(type).U8(0).U16(0);
        value(this);
        int length = Position - start - 4;
        bytes[start + 2] = (byte)(length >> 8);
        bytes[start + 3] = (byte)length;
        if (name is not null)
        {
            items[name] = (start, Position);
        }

        return this;
    }

    /// <summary>A UID item (application context 0x10, abstract syntax 0x30, transfer syntax 0x40, implementation class 0x52).</summary>
    public PduBytes UidItem(byte type, string uid, string? name = null) => Item(type, b => b.Ascii(uid), name);

    /// <summary>A 2-byte length followed by ASCII text (the UIDs inside user information sub-items).</summary>
    public PduBytes LengthPrefixed(string text) => U16((ushort)text.Length).Ascii(text);

    /// <summary>A whole PDU: type, reserved, 32-bit length (patched), body.</summary>
    public static PduBytes Pdu(byte type, Action<PduBytes> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var pdu = new PduBytes();
        pdu.U8(type).U8(0).U32(0);
        body(pdu);
        BinaryPrimitives.WriteUInt32BigEndian(pdu.Span(2, 4), (uint)(pdu.Position - 6));
        return pdu;
    }

    /// <summary>A copy of the bytes.</summary>
    public byte[] ToArray() => [.. bytes];

    /// <summary>A copy with the 16-bit big-endian field at <paramref name="offset"/> replaced.</summary>
    public byte[] WithU16(int offset, ushort value)
    {
        var copy = ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(offset), value);
        return copy;
    }

    private Span<byte> Span(int offset, int length) => CollectionsMarshal.AsSpan(bytes).Slice(offset, length);
}
