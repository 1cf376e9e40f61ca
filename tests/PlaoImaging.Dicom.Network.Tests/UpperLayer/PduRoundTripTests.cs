using System.Buffers.Binary;
using PlaoImaging.Dicom.Network.Tests.Support;
using Xunit;

namespace PlaoImaging.Dicom.Network.Tests.UpperLayer;

/// <summary>
/// Writer and reader agree: every PDU type with every sub-item written, read back and written again gives the same
/// bytes and the same field values; and the reader parses an A-ASSOCIATE-RQ assembled by hand from PS3.8.
/// </summary>
[Trait("Category", "unit")]
public sealed class PduRoundTripTests
{
    public static TheoryData<string> PduNames() => [.. SamplePdus.All().Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(PduNames))]
    public void WriteReadWrite_EveryPduType_SameBytesAndFields(string name)
    {
        var pdu = SamplePdus.All().Single(p => p.Name == name).Pdu;
        var bytes = PduWriter.ToArray(pdu);

        Assert.True(PduReader.TryRead(bytes, 0, out var read, out int needed));
        Assert.Equal(bytes.Length, needed);
        SamplePdus.AssertEqual(pdu, read);
        Assert.Equal(bytes, PduWriter.ToArray(read));
    }

    [Theory]
    [MemberData(nameof(PduNames))]
    public void Write_EveryPduType_HeaderHoldsTypeAndBodyLength(string name)
    {
        var pdu = SamplePdus.All().Single(p => p.Name == name).Pdu;
        var bytes = PduWriter.ToArray(pdu);

        Assert.Equal(pdu.Type, bytes[0]);
        Assert.Equal(0, bytes[1]);
        Assert.Equal((uint)(bytes.Length - 6), BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(2)));
    }

    [Fact]
    public void Write_FullRequest_UserInformationSubItemsInPs37Order()
    {
        var bytes = PduWriter.ToArray(SamplePdus.FullRequest());

        // Walk the variable items, then the user information sub-items, by their own lengths.
        var types = new List<byte>();
        int at = 6 + 68;
        int userInformation = -1;
        while (at < bytes.Length)
        {
            types.Add(bytes[at]);
            if (bytes[at] == 0x50)
            {
                userInformation = at;
            }

            at += 4 + BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(at + 2));
        }

        Assert.Equal(bytes.Length, at);
        Assert.Equal(new byte[] { 0x10, 0x20, 0x20, 0x20, 0x50 }, types);
        var subTypes = new List<byte>();
        int end = userInformation + 4 + BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(userInformation + 2));
        for (int sub = userInformation + 4; sub < end; sub += 4 + BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(sub + 2)))
        {
            subTypes.Add(bytes[sub]);
        }

        Assert.Equal(new byte[] { 0x51, 0x52, 0x53, 0x54, 0x54, 0x55, 0x56, 0x57, 0x57, 0x58, 0x5F }, subTypes);
    }

    [Fact]
    public void Write_AETitles_SpacePaddedTo16Bytes()
    {
        var bytes = PduWriter.ToArray(new AssociateRequestPdu("AB", "CDE", [], new UserInformation { MaxPduLength = 1 }));

        Assert.Equal("AB              "u8.ToArray(), bytes[10..26]);
        Assert.Equal("CDE             "u8.ToArray(), bytes[26..42]);
        Assert.True(bytes.AsSpan(42, 32).IndexOfAnyExcept((byte)0) < 0, "the 32 reserved bytes are zero");
    }

    [Fact]
    public void TryRead_HandAssembledAssociateRequest_ExpectedValues()
    {
        var bytes = HandBuiltPdus.AssociateRequest().ToArray();

        Assert.True(PduReader.TryRead(bytes, 0, out var pdu, out int needed));

        Assert.Equal(bytes.Length, needed);
        var rq = Assert.IsType<AssociateRequestPdu>(pdu);
        Assert.Equal(1, rq.ProtocolVersion);
        Assert.Equal(HandBuiltPdus.Called, rq.CalledAETitle);
        Assert.Equal(HandBuiltPdus.Calling, rq.CallingAETitle);
        Assert.Equal(DicomApplicationContext.Name, rq.ApplicationContextName);
        Assert.Equal(2, rq.PresentationContexts.Count);
        Assert.Equal(1, rq.PresentationContexts[0].Id);
        Assert.Equal(SamplePdus.CtImageStorage, rq.PresentationContexts[0].AbstractSyntax);
        Assert.Equal([SamplePdus.ImplicitVRLittleEndian, SamplePdus.ExplicitVRLittleEndian], rq.PresentationContexts[0].TransferSyntaxes);
        Assert.Equal(3, rq.PresentationContexts[1].Id);
        Assert.Equal(DicomNetworkUids.Verification, rq.PresentationContexts[1].AbstractSyntax);
        Assert.Equal([SamplePdus.ImplicitVRLittleEndian], rq.PresentationContexts[1].TransferSyntaxes);
        var user = rq.UserInformation;
        Assert.Equal(16384u, user.MaxPduLength);
        Assert.Equal(SamplePdus.ImplementationClassUid, user.ImplementationClassUid);
        Assert.Equal(HandBuiltPdus.VersionName, user.ImplementationVersionName);
        Assert.Null(user.AsynchronousOperationsWindow);
        Assert.Equal([new RoleSelection(SamplePdus.CtImageStorage, true, false)], user.RoleSelections);
        Assert.NotNull(user.UserIdentity);
        Assert.Equal(UserIdentityType.Username, user.UserIdentity.IdentityType);
        Assert.False(user.UserIdentity.PositiveResponseRequested);
        Assert.Equal("bob", user.UserIdentity.PrimaryText);
        Assert.Equal(0, user.UserIdentity.SecondaryField.Length);
        Assert.Null(user.UserIdentityServerResponse);
        Assert.Empty(user.ExtendedNegotiations);
        Assert.Empty(user.CommonExtendedNegotiations);
        Assert.Empty(user.UnknownItems);
    }

    [Fact]
    public void TryRead_HandAssembledAssociateRequest_WriterReproducesTheBytes()
    {
        var bytes = HandBuiltPdus.AssociateRequest().ToArray();

        Assert.True(PduReader.TryRead(bytes, 0, out var pdu, out _));

        Assert.Equal(bytes, PduWriter.ToArray(pdu));
    }

    [Fact]
    public void TryRead_UnknownVariableItem_IsIgnored()
    {
        // PS3.8 9.3.1: items of an unrecognised type are ignored.
        var bytes = HandBuiltPdus.AssociateRequest(new HandBuiltRequest { Trailer = [0x60, 0x00, 0x00, 0x02, 0xAB, 0xCD] }).ToArray();

        Assert.True(PduReader.TryRead(bytes, 0, out var pdu, out _));

        var rq = Assert.IsType<AssociateRequestPdu>(pdu);
        Assert.Equal(2, rq.PresentationContexts.Count);
        Assert.Equal(16384u, rq.UserInformation.MaxPduLength);
    }

    [Fact]
    public void TryRead_UidPaddedWithNul_PaddingRemoved()
    {
        var bytes = HandBuiltPdus.AssociateRequest(new HandBuiltRequest { SecondTransferSyntax = SamplePdus.ImplicitVRLittleEndian + "\0" }).ToArray();

        Assert.True(PduReader.TryRead(bytes, 0, out var pdu, out _));

        Assert.Equal([SamplePdus.ImplicitVRLittleEndian, SamplePdus.ImplicitVRLittleEndian], ((AssociateRequestPdu)pdu).PresentationContexts[0].TransferSyntaxes);
    }

    [Fact]
    public void TryRead_DataTransfer_ValuesReferToTheInputWithoutCopy()
    {
        var bytes = PduWriter.ToArray(SamplePdus.MultiValueData());

        Assert.True(PduReader.TryRead(bytes, 0, out var pdu, out _));

        // The first value's data starts after header (6), item-length (4), context id and control header (2).
        bytes[12] = 0x77;
        Assert.Equal(0x77, ((DataTransferPdu)pdu).Values[0].Data.Span[0]);
    }

    [Fact]
    public void Describe_RejectAndAbort_StandardWords()
    {
        Assert.Equal(
            "rejected-transient, service-provider (presentation): local-limit-exceeded",
            new AssociateRejectPdu(AssociateRejectResult.Transient, AssociateRejectSource.ServiceProviderPresentation, AssociateRejectReasons.LocalLimitExceeded).Describe());
        Assert.Equal(
            "rejected-permanent, service-user: called-AE-title-not-recognized",
            new AssociateRejectPdu(AssociateRejectResult.Permanent, AssociateRejectSource.ServiceUser, AssociateRejectReasons.CalledAETitleNotRecognized).Describe());
        Assert.Equal("service-provider, unexpected-PDU", new AbortPdu(AbortSource.ServiceProvider, AbortReason.UnexpectedPdu).Describe());
    }

    [Theory]
    [InlineData("")]
    [InlineData("                ")]
    [InlineData("SEVENTEEN_CHARS_X")]
    [InlineData("BACK\\SLASH")]
    public void Write_InvalidAETitle_ArgumentException(string title)
    {
        var pdu = new AssociateRequestPdu(title, "OK", [], new UserInformation { MaxPduLength = 1 });

        Assert.Throws<ArgumentException>(() => PduWriter.ToArray(pdu));
    }

    [Theory]
    [InlineData("1.2.abc")]
    [InlineData("")]
    [InlineData("1.22222222222222222222222222222222222222222222222222222222222222222")]
    public void Write_InvalidUid_ArgumentException(string uid)
    {
        var pdu = new AssociateRequestPdu("A", "B", [new PresentationContextProposal(1, uid, [SamplePdus.ImplicitVRLittleEndian])], new UserInformation { MaxPduLength = 1 });

        Assert.Throws<ArgumentException>(() => PduWriter.ToArray(pdu));
    }
}
