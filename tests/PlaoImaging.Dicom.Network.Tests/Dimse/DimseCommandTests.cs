using System.Buffers.Binary;
using System.Globalization;
using PlaoImaging.Dicom.Network.Tests.Support;
using Xunit;

namespace PlaoImaging.Dicom.Network.Tests.Dimse;

/// <summary>DIMSE command sets (PS3.7 E.1): encoded in Implicit VR Little Endian with a correct group length, decoded back to the same fields, and malformed ones refused as <see cref="DicomNetworkException"/>.</summary>
[Trait("Category", "unit")]
public sealed class DimseCommandTests
{
    private const string SopInstance = "1.2.826.0.1.3680043.10.99.42.1";

    public static TheoryData<string> CommandNames() => [.. Commands().Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void EncodeDecode_EveryCommand_SameFieldsAndBytes(string name)
    {
        var command = Commands().Single(c => c.Name == name).Command;
        var bytes = command.Encode();

        var decoded = DimseCommand.Decode(bytes);

        Assert.Equal(command.CommandField, decoded.CommandField);
        Assert.Equal(command.MessageId, decoded.MessageId);
        Assert.Equal(command.MessageIdBeingRespondedTo, decoded.MessageIdBeingRespondedTo);
        Assert.Equal(command.HasDataSet, decoded.HasDataSet);
        Assert.Equal(command.AffectedSopClassUid, decoded.AffectedSopClassUid);
        Assert.Equal(command.AffectedSopInstanceUid, decoded.AffectedSopInstanceUid);
        Assert.Equal(command.IsRequest, decoded.IsRequest);
        Assert.Equal(command.ErrorComment, decoded.ErrorComment);
        Assert.Equal(command.MoveOriginatorAETitle, decoded.MoveOriginatorAETitle);
        if (!command.IsRequest)
        {
            Assert.Equal(command.Status, decoded.Status);
        }

        Assert.Equal(bytes, decoded.Encode());
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void Encode_EveryCommand_GroupLengthFirstAndCorrect(string name)
    {
        var bytes = Commands().Single(c => c.Name == name).Command.Encode();

        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(bytes)); // (0000,0000)
        Assert.Equal(4u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal((uint)(bytes.Length - 12), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));

        // Implicit VR: tag, 32-bit length, value; every element of group 0000, ascending, all lengths even.
        int at = 0;
        uint previous = 0;
        bool first = true;
        while (at < bytes.Length)
        {
            ushort group = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at));
            ushort element = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 2));
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 4));
            Assert.Equal(0, group);
            Assert.True(first || element > previous, $"element {element:X4} after {previous:X4}");
            Assert.Equal(0u, length % 2);
            previous = element;
            first = false;
            at += 8 + (int)length;
        }

        Assert.Equal(bytes.Length, at);
    }

    [Fact]
    public void Encode_DatasetWithWrongGroupLength_WritesTheRightOne()
    {
        var command = DimseCommand.EchoRequest(3);
        command.Dataset.AddValues(DicomTags.CommandGroupLength, DicomVR.UL, 9999u);

        var bytes = command.Encode();

        Assert.Equal((uint)(bytes.Length - 12), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
    }

    [Fact]
    public void StoreResponse_FailureWithLongComment_CommentKeptTo64Characters()
    {
        var request = DimseCommand.StoreRequest(7, SamplePdus.CtImageStorage, SopInstance);
        string comment = new('x', 100);

        var decoded = DimseCommand.Decode(DimseCommand.StoreResponse(request, DimseStatus.RefusedOutOfResources, comment).Encode());

        Assert.Equal(DimseCommandField.CStoreResponse, decoded.CommandField);
        Assert.Equal(7, decoded.MessageIdBeingRespondedTo);
        Assert.Equal(DimseStatus.RefusedOutOfResources, decoded.Status);
        Assert.Equal(new string('x', 64), decoded.ErrorComment);
        Assert.Equal(SamplePdus.CtImageStorage, decoded.AffectedSopClassUid);
        Assert.Equal(SopInstance, decoded.AffectedSopInstanceUid);
        Assert.False(decoded.HasDataSet);
    }

    [Fact]
    public void StoreResponse_SuccessWithComment_NoErrorComment()
    {
        var request = DimseCommand.StoreRequest(7, SamplePdus.CtImageStorage, SopInstance);

        var decoded = DimseCommand.Decode(DimseCommand.StoreResponse(request, DimseStatus.Success, "ignored").Encode());

        Assert.Null(decoded.ErrorComment);
        Assert.False(decoded.Dataset.Contains(DicomTags.ErrorComment));
    }

    [Fact]
    public void StoreRequest_Fields_AsPs37Table9_1()
    {
        var decoded = DimseCommand.Decode(DimseCommand.StoreRequest(9, SamplePdus.CtImageStorage, SopInstance, "MOVESCU", 4).Encode());

        Assert.Equal(DimseCommandField.CStoreRequest, decoded.CommandField);
        Assert.True(decoded.IsRequest);
        Assert.True(decoded.HasDataSet);
        Assert.Equal(9, decoded.MessageId);
        Assert.Equal("MOVESCU", decoded.MoveOriginatorAETitle);
        Assert.Equal((ushort)4, decoded.Dataset.GetSingleValue<ushort>(DicomTags.MoveOriginatorMessageID));
        Assert.Equal((ushort)0, decoded.Dataset.GetSingleValue<ushort>(DicomTags.Priority));
    }

    [Fact]
    public void Decode_ElementOutsideGroup0000_DicomNetworkException()
    {
        var dataset = DimseCommand.EchoRequest(1).Dataset;
        dataset.AddString(DicomTags.SOPClassUID, DicomVR.UI, SamplePdus.CtImageStorage);

        var e = Assert.Throws<DicomNetworkException>(() => DimseCommand.Decode(Implicit(dataset)));

        Assert.Contains("group 0000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_WithoutCommandField_DicomNetworkException()
    {
        var dataset = new DicomDataset()
            .AddString(DicomTags.AffectedSOPClassUID, DicomVR.UI, DicomNetworkUids.Verification)
            .AddValues(DicomTags.MessageID, DicomVR.US, (ushort)1);

        var e = Assert.Throws<DicomNetworkException>(() => DimseCommand.Decode(Implicit(dataset)));

        Assert.Contains("Command Field", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_CommandFieldOfOneByte_DicomNetworkException()
    {
        // (0000,0100) with a 1-byte value where US takes 2.
        byte[] bytes = [0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x30];

        Assert.Throws<DicomNetworkException>(() => DimseCommand.Decode(bytes));
    }

    [Theory]
    [InlineData("")]
    [InlineData("00000000")]
    [InlineData("0000000004000000")]
    [InlineData("000000000400000010000000")]
    [InlineData("FFFFFFFFFFFFFFFF")]
    public void Decode_TruncatedOrGarbage_DicomNetworkException(string hex)
    {
        Assert.ThrowsAny<DicomNetworkException>(() => DimseCommand.Decode(Convert.FromHexString(hex)));
    }

    [Fact]
    public void Decode_MutatedCommands_OnlyDicomNetworkExceptionOrSuccess()
    {
        var seeds = Commands().Select(c => c.Command.Encode()).ToArray();
        var random = new Random(4242);
        var failures = new List<string>();
        for (int i = 0; i < 5000 && failures.Count < 5; i++)
        {
            var input = (byte[])seeds[random.Next(seeds.Length)].Clone();
            switch (random.Next(3))
            {
                case 0:
                    input[random.Next(input.Length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    input = input[..random.Next(input.Length)];
                    break;
                default:
                    // An element length rewritten: lengths sit at 4 + 8k for the first elements at least.
                    int at = random.Next(input.Length - 4);
                    BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(at), random.Next(3) switch { 0 => 0xFFFFFFFF, 1 => (uint)random.Next(64), _ => (uint)random.Next() });
                    break;
            }

            try
            {
                var command = DimseCommand.Decode(input);
                _ = command.IsRequest;
                _ = command.MessageIdBeingRespondedTo;
            }
            catch (DicomNetworkException)
            {
            }
            catch (Exception e)
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"iteration {i}: {Convert.ToHexString(input)}\n{e}"));
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    private static byte[] Implicit(DicomDataset dataset)
    {
        var stream = new MemoryStream();
        DicomFile.WriteDataset(stream, dataset, DicomTransferSyntax.ImplicitVRLittleEndian);
        return stream.ToArray();
    }

    private static IEnumerable<(string Name, DimseCommand Command)> Commands()
    {
        var echo = DimseCommand.EchoRequest(1);
        var store = DimseCommand.StoreRequest(2, SamplePdus.CtImageStorage, SopInstance);
        yield return ("C-ECHO-RQ", echo);
        yield return ("C-ECHO-RSP", DimseCommand.EchoResponse(echo, DimseStatus.Success));
        yield return ("C-STORE-RQ", store);
        yield return ("C-STORE-RQ move originator", DimseCommand.StoreRequest(65535, SamplePdus.MrImageStorage, SopInstance + ".5", "ORIGIN", 17));
        yield return ("C-STORE-RSP success", DimseCommand.StoreResponse(store, DimseStatus.Success));
        yield return ("C-STORE-RSP warning", DimseCommand.StoreResponse(store, DimseStatus.CoercionOfDataElements, "coerced"));
        yield return ("C-STORE-RSP failure with comment", DimseCommand.StoreResponse(store, DimseStatus.CannotUnderstand, "odd comment"));
        yield return ("generic response 0211", DimseCommand.GenericResponse(DimseCommand.Decode(Implicit(new DicomDataset()
            .AddValues(DicomTags.CommandField, DicomVR.US, (ushort)DimseCommandField.CFindRequest)
            .AddValues(DicomTags.MessageID, DicomVR.US, (ushort)5)
            .AddValues(DicomTags.CommandDataSetType, DicomVR.US, (ushort)0))), DimseStatus.UnrecognizedOperation));
    }
}
