using System.Buffers.Binary;
using System.Globalization;
using PlaoImaging.Dicom.Network.Tests.Support;
using Xunit;

namespace PlaoImaging.Dicom.Network.Tests.UpperLayer;

/// <summary>
/// Malformed PDUs: each is a <see cref="DicomPduException"/> naming the PDU type, the offset from the first byte of the
/// PDU and the field (PS3.8 9.3 names), refused as soon as what is there shows it; and a mutation fuzz run in which
/// nothing but that exception (or a successful read) ever comes out of the reader.
/// </summary>
[Trait("Category", "unit")]
public sealed class PduReaderBadInputTests
{
    private const int FuzzIterations = 20_000;
    private const int FuzzSeed = 20_240_611;

    [Theory]
    [InlineData(0x00)]
    [InlineData(0x08)]
    [InlineData(0x47)] // 'G', as in "GET / HTTP/1.1"
    [InlineData(0xFF)]
    public void TryRead_UnknownPduType_Refused(byte type)
    {
        byte[] bytes = [type, 0, 0, 0, 0, 4, 0, 0, 0, 0];

        AssertRefused(bytes, 0, type, 0, "PDU-type");
        AssertRefused(bytes.AsMemory(0, 6), 0, type, 0, "PDU-type");
    }

    [Theory]
    [InlineData(16384u, 16385u)]
    [InlineData(16384u, 0xFFFFFFFFu)]
    [InlineData(0u, 0xFFFFFFFFu)]
    [InlineData(0u, 0x7FFFFFFAu)]
    public void TryRead_DataPduLongerThanAnnouncedMaximum_RefusedFromTheHeader(uint maxDataPduLength, uint declared)
    {
        var header = Header(0x04, declared);

        AssertRefused(header, maxDataPduLength, 0x04, 2, "PDU-length");
    }

    [Fact]
    public void TryRead_DataPduOfExactlyTheAnnouncedMaximum_NeedsTheWholePdu()
    {
        Assert.False(PduReader.TryRead(Header(0x04, 16384), 16384, out _, out int needed));

        Assert.Equal(6 + 16384, needed);
    }

    [Theory]
    [InlineData(0x01)]
    [InlineData(0x02)]
    [InlineData(0x03)]
    [InlineData(0x05)]
    [InlineData(0x06)]
    [InlineData(0x07)]
    public void TryRead_ControlPduLongerThanMaxControlPduLength_RefusedFromTheHeader(byte type)
    {
        AssertRefused(Header(type, PduReader.MaxControlPduLength + 1u), 0, type, 2, "PDU-length");
        AssertRefused(Header(type, uint.MaxValue), 0, type, 2, "PDU-length");

        // The limit itself is allowed (the reader then waits for the bytes).
        Assert.False(PduReader.TryRead(Header(type, PduReader.MaxControlPduLength), 0, out _, out int needed));
        Assert.Equal(6 + PduReader.MaxControlPduLength, needed);
    }

    [Fact]
    public void TryRead_HugeDeclaredLength_NothingOfThatSizeAllocated()
    {
        var header = Header(0x04, 0x7FFFFFF0);
        long before = GC.GetAllocatedBytesForCurrentThread();

        Assert.Throws<DicomPduException>(() => PduReader.TryRead(header, 1 << 20, out _, out _));

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 256 * 1024, $"{allocated} bytes allocated to refuse a 2 GB PDU from its header");
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(5u)] // one byte past the end: 4 bytes follow the item-length field
    [InlineData(0xFFFFFFFFu)]
    public void TryRead_PdvItemLengthInvalid_Refused(uint itemLength)
    {
        var body = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(body, itemLength);
        body[4] = 1;
        body[5] = 0x03;

        AssertRefused(DataPdu(body), 0, 0x04, 6, "PDV item-length");
    }

    [Fact]
    public void TryRead_SecondPdvPastTheEnd_RefusedAtItsOffset()
    {
        byte[] body = [0, 0, 0, 4, 1, 0x03, 0xAA, 0xBB, 0, 0, 0, 100, 1, 0x03, 0xCC, 0xDD];

        AssertRefused(DataPdu(body), 0, 0x04, 6 + 8, "PDV item-length");
    }

    [Fact]
    public void TryRead_PdvShorterThanItsHeader_Refused()
    {
        AssertRefused(DataPdu([0, 0, 0, 2, 1]), 0, 0x04, 6, "PDV item-length");
    }

    [Fact]
    public void TryRead_DataPduWithoutValues_Refused()
    {
        AssertRefused(DataPdu([]), 0, 0x04, 6, "presentation-data-value items");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(254)]
    public void TryRead_EvenPresentationContextId_Refused(byte contextId)
    {
        AssertRefused(DataPdu([0, 0, 0, 4, contextId, 0x03, 0xAA, 0xBB]), 0, 0x04, 10, "presentation-context-ID");
    }

    [Theory]
    [InlineData(0x04)]
    [InlineData(0x80)]
    [InlineData(0xFF)]
    public void TryRead_ReservedBitsInMessageControlHeader_Refused(byte header)
    {
        AssertRefused(DataPdu([0, 0, 0, 4, 1, header, 0xAA, 0xBB]), 0, 0x04, 11, "message control header");
    }

    [Theory]
    [InlineData(0x01, 0)]
    [InlineData(0x01, 67)]
    [InlineData(0x02, 10)]
    [InlineData(0x02, 67)]
    public void TryRead_AssociatePduShorterThanFixedPart_Refused(byte type, int length)
    {
        AssertRefused(Pdu(type, new byte[length]), 0, type, 2, "PDU-length");
    }

    [Fact]
    public void TryRead_VariableItemLengthPastTheEnd_Refused()
    {
        var request = HandBuiltPdus.AssociateRequest();
        var (app, _) = request.Offsets("app");
        int left = request.Position - (app + 4);

        AssertRefused(request.WithU16(app + 2, (ushort)(left + 1)), 0, 0x01, app + 2, "variable item 0x10 item-length");
        AssertRefused(request.WithU16(app + 2, 0xFFFF), 0, 0x01, app + 2, "variable item 0x10 item-length");
    }

    [Fact]
    public void TryRead_PresentationContextSubItemLengthPastItsItem_Refused()
    {
        var request = HandBuiltPdus.AssociateRequest();
        var (_, contextEnd) = request.Offsets("pc1");
        var (abstractSyntax, _) = request.Offsets("pc1.as");
        int left = contextEnd - (abstractSyntax + 4);

        // Past the presentation context item, though not past the PDU.
        AssertRefused(request.WithU16(abstractSyntax + 2, (ushort)(left + 1)), 0, 0x01, abstractSyntax + 2, "presentation context sub-item 0x30 item-length");
    }

    [Fact]
    public void TryRead_UserInformationSubItemLengthPastItsItem_Refused()
    {
        var request = HandBuiltPdus.AssociateRequest();
        var (_, userEnd) = request.Offsets("ui");
        var (classUid, _) = request.Offsets("ui.class");
        int left = userEnd - (classUid + 4);

        AssertRefused(request.WithU16(classUid + 2, (ushort)(left + 1)), 0, 0x01, classUid + 2, "user information sub-item 0x52 item-length");
    }

    [Fact]
    public void TryRead_RoleSelectionUidLengthPastItsSubItem_Refused()
    {
        var request = HandBuiltPdus.AssociateRequest();
        var (role, roleEnd) = request.Offsets("ui.role");
        int valueLength = roleEnd - (role + 4);

        AssertRefused(request.WithU16(role + 4, (ushort)(valueLength - 2 + 1)), 0, 0x01, role + 4, "SOP-class-uid");
    }

    [Fact]
    public void TryRead_UserIdentityPrimaryFieldPastItsSubItem_Refused()
    {
        var request = HandBuiltPdus.AssociateRequest();
        var (identity, _) = request.Offsets("ui.identity");

        AssertRefused(request.WithU16(identity + 4 + 2, 100), 0, 0x01, identity + 4, "primary-field");
    }

    [Fact]
    public void TryRead_TruncatedItemHeaderAtTheEnd_Refused()
    {
        var request = HandBuiltPdus.AssociateRequest(new HandBuiltRequest { Trailer = [0x60, 0x00, 0x00] });

        AssertRefused(request.ToArray(), 0, 0x01, request.Position - 3, "variable item");
    }

    [Fact]
    public void TryRead_PresentationContextItemShorterThanFour_Refused()
    {
        var request = HandBuiltPdus.AssociateRequest(new HandBuiltRequest { Trailer = [0x20, 0x00, 0x00, 0x02, 0x05, 0x00] });

        AssertRefused(request.ToArray(), 0, 0x01, request.Position - 2, "presentation context item");
    }

    [Fact]
    public void TryRead_PresentationContextWithoutAbstractSyntax_Refused()
    {
        byte[] trailer = [0x20, 0x00, 0x00, 4 + 4 + 17, 0x05, 0, 0, 0, 0x40, 0, 0, 17, .. "1.2.840.10008.1.2"u8];
        var request = HandBuiltPdus.AssociateRequest(new HandBuiltRequest { Trailer = trailer });

        AssertRefused(request.ToArray(), 0, 0x01, request.Position - trailer.Length + 4, "abstract syntax sub-item");
    }

    [Fact]
    public void TryRead_MissingApplicationContext_Refused()
    {
        AssertRefused(HandBuiltPdus.AssociateRequest(new HandBuiltRequest { ApplicationContext = false }).ToArray(), 0, 0x01, 6 + 68, "application context item");
    }

    [Fact]
    public void TryRead_MissingUserInformation_Refused()
    {
        AssertRefused(HandBuiltPdus.AssociateRequest(new HandBuiltRequest { UserInformation = false }).ToArray(), 0, 0x01, 6 + 68, "user information item");
    }

    [Fact]
    public void TryRead_MissingMaximumLength_Refused()
    {
        var request = HandBuiltPdus.AssociateRequest(new HandBuiltRequest { MaxLength = false });
        var (user, _) = request.Offsets("ui");

        AssertRefused(request.ToArray(), 0, 0x01, user + 4, "maximum length sub-item");
    }

    [Fact]
    public void TryRead_AbstractSyntaxWithLetters_Refused()
    {
        var request = HandBuiltPdus.AssociateRequest(new HandBuiltRequest { AbstractSyntax = "1.2.840.abc" });
        var (abstractSyntax, _) = request.Offsets("pc1.as");

        AssertRefused(request.ToArray(), 0, 0x01, abstractSyntax + 4, "abstract-syntax-name");
    }

    [Fact]
    public void TryRead_TransferSyntaxLongerThan64_Refused()
    {
        var request = HandBuiltPdus.AssociateRequest(new HandBuiltRequest { SecondTransferSyntax = "1." + new string('2', 63) });
        var (transferSyntax, _) = request.Offsets("pc1.ts2");

        AssertRefused(request.ToArray(), 0, 0x01, transferSyntax + 4, "transfer-syntax-name");
    }

    [Fact]
    public void TryRead_ApplicationContextNameWithLetters_Refused()
    {
        var request = HandBuiltPdus.AssociateRequest(new HandBuiltRequest { ApplicationContextName = "1.2.840.10008.3.1.1.x" });
        var (app, _) = request.Offsets("app");

        AssertRefused(request.ToArray(), 0, 0x01, app + 4, "application-context-name");
    }

    [Theory]
    [InlineData(10, 0x01, "called-AE-title")]
    [InlineData(26, 0x80, "calling-AE-title")]
    public void TryRead_AETitleWithControlCharacter_Refused(int offset, byte value, string field)
    {
        var bytes = HandBuiltPdus.AssociateRequest().ToArray();
        bytes[offset + 3] = value;

        AssertRefused(bytes, 0, 0x01, offset, field);
    }

    [Theory]
    [InlineData(0x05, 0)]
    [InlineData(0x05, 3)]
    [InlineData(0x05, 5)]
    [InlineData(0x06, 0)]
    [InlineData(0x06, 8)]
    [InlineData(0x03, 3)]
    [InlineData(0x07, 6)]
    public void TryRead_FixedLengthPduWithOtherLength_Refused(byte type, int length)
    {
        AssertRefused(Pdu(type, new byte[length]), 0, type, 2, "PDU-length");
    }

    [Fact]
    public void TryRead_MutatedPdus_OnlyDicomPduExceptionOrSuccess()
    {
        byte[][] seeds = [.. SamplePdus.All().Select(p => PduWriter.ToArray(p.Pdu)), HandBuiltPdus.AssociateRequest().ToArray()];
        var random = new Random(FuzzSeed);
        uint[] limits = [0, 64, 16384];
        var failures = new List<string>();
        int refused = 0;
        int accepted = 0;
        for (int i = 0; i < FuzzIterations && failures.Count < 5; i++)
        {
            var input = Mutate(seeds[random.Next(seeds.Length)], random);
            uint limit = limits[random.Next(limits.Length)];
            try
            {
                if (PduReader.TryRead(input, limit, out var pdu, out int needed))
                {
                    accepted++;
                    if (needed > input.Length || pdu is null)
                    {
                        failures.Add(Describe(i, input, $"read a PDU but needed {needed} of {input.Length} bytes"));
                    }
                }
                else if (needed <= input.Length)
                {
                    failures.Add(Describe(i, input, $"asked for more bytes but needed {needed} of {input.Length}"));
                }
            }
            catch (DicomPduException e)
            {
                refused++;
                if (e.Offset < 0 || e.Offset > Math.Max(input.Length, 6) || string.IsNullOrEmpty(e.Field))
                {
                    failures.Add(Describe(i, input, $"offset {e.Offset} / field '{e.Field}' do not point into the input: {e.Message}"));
                }
            }
            catch (Exception e)
            {
                failures.Add(Describe(i, input, e.ToString()));
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.True(refused > FuzzIterations / 10 && accepted > FuzzIterations / 20, $"{refused} refused, {accepted} accepted: the mutations should exercise both paths");
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = seed.ToList();
        int rounds = 1 + random.Next(3);
        for (int r = 0; r < rounds; r++)
        {
            switch (random.Next(7))
            {
                case 0: // bit flips
                    for (int k = random.Next(1, 5); k > 0 && bytes.Count > 0; k--)
                    {
                        int at = random.Next(bytes.Count);
                        bytes[at] ^= (byte)(1 << random.Next(8));
                    }

                    break;
                case 1: // truncation, the PDU length left as it was (a short read)
                    bytes = bytes.Take(random.Next(bytes.Count + 1)).ToList();
                    break;
                case 2: // truncation with the PDU length fixed (the body itself is short)
                    bytes = bytes.Take(Math.Max(6, random.Next(bytes.Count + 1))).ToList();
                    FixLength(bytes);
                    break;
                case 3: // a 16-bit length field (items, UID lengths) rewritten
                    if (bytes.Count >= 8)
                    {
                        int at = random.Next(6, bytes.Count - 1);
                        ushort value = (ushort)(random.Next(4) switch
                        {
                            0 => 0,
                            1 => 0xFFFF,
                            2 => BinaryPrimitives.ReadUInt16BigEndian([bytes[at], bytes[at + 1]]) + random.Next(-3, 4),
                            _ => random.Next(0x10000),
                        });
                        bytes[at] = (byte)(value >> 8);
                        bytes[at + 1] = (byte)value;
                    }

                    break;
                case 4: // a 32-bit length (the PDU length or a PDV item-length) rewritten
                    if (bytes.Count >= 6)
                    {
                        int at = random.Next(2) == 0 || bytes.Count < 10 ? 2 : random.Next(6, bytes.Count - 3);
                        uint value = random.Next(4) switch
                        {
                            0 => 0,
                            1 => uint.MaxValue,
                            2 => (uint)(bytes.Count - 6 + random.Next(-3, 4)),
                            _ => (uint)random.Next(),
                        };
                        bytes[at] = (byte)(value >> 24);
                        bytes[at + 1] = (byte)(value >> 16);
                        bytes[at + 2] = (byte)(value >> 8);
                        bytes[at + 3] = (byte)value;
                    }

                    break;
                case 5: // bytes inserted or removed inside the body, the PDU length kept right
                    if (bytes.Count > 6)
                    {
                        int at = random.Next(6, bytes.Count);
                        if (random.Next(2) == 0)
                        {
                            bytes.RemoveRange(at, Math.Min(random.Next(1, 9), bytes.Count - at));
                        }
                        else
                        {
                            var insert = new byte[random.Next(1, 9)];
                            random.NextBytes(insert);
                            bytes.InsertRange(at, insert);
                        }

                        FixLength(bytes);
                    }

                    break;
                default: // a random byte value
                    if (bytes.Count > 0)
                    {
                        bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                    }

                    break;
            }
        }

        return [.. bytes];
    }

    private static void FixLength(List<byte> bytes)
    {
        if (bytes.Count < 6)
        {
            return;
        }

        uint length = (uint)(bytes.Count - 6);
        bytes[2] = (byte)(length >> 24);
        bytes[3] = (byte)(length >> 16);
        bytes[4] = (byte)(length >> 8);
        bytes[5] = (byte)length;
    }

    private static string Describe(int iteration, byte[] input, string problem) =>
        string.Create(CultureInfo.InvariantCulture, $"iteration {iteration}: {problem}\ninput ({input.Length} bytes): {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 512)))}");

    private static void AssertRefused(ReadOnlyMemory<byte> bytes, uint maxDataPduLength, byte type, int offset, string field)
    {
        var e = Assert.Throws<DicomPduException>(() => PduReader.TryRead(bytes, maxDataPduLength, out _, out _));

        Assert.Equal(type, e.PduType);
        Assert.Equal(field, e.Field);
        Assert.Equal(offset, e.Offset);
        Assert.False(string.IsNullOrEmpty(e.Problem));
        Assert.Contains($"at offset {offset}", e.Message, StringComparison.Ordinal);
    }

    private static byte[] Header(byte type, uint length)
    {
        var header = new byte[6];
        header[0] = type;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(2), length);
        return header;
    }

    private static byte[] Pdu(byte type, byte[] body) => [.. Header(type, (uint)body.Length), .. body];

    private static byte[] DataPdu(byte[] body) => Pdu(0x04, body);
}
