using Xunit;

namespace PlaoImaging.Dicom.Network.Tests.Support;

/// <summary>PDUs with every field and sub-item set, and a field-by-field comparison (the records hold lists and memory, which compare by reference).</summary>
internal static class SamplePdus
{
    public const string CtImageStorage = "1.2.840.10008.5.1.4.1.1.2";
    public const string MrImageStorage = "1.2.840.10008.5.1.4.1.1.4";
    public const string SecondaryCaptureImageStorage = "1.2.840.10008.5.1.4.1.1.7";
    public const string ImplicitVRLittleEndian = "1.2.840.10008.1.2";
    public const string ExplicitVRLittleEndian = "1.2.840.10008.1.2.1";
    public const string RleLossless = "1.2.840.10008.1.2.5";
    public const string JpegLosslessSv1 = "1.2.840.10008.1.2.4.70";
    public const string ImplementationClassUid = "1.2.826.0.1.3680043.10.99.7";

    /// <summary>A-ASSOCIATE-RQ with several presentation contexts and every user information sub-item the reader knows, plus an unknown one.</summary>
    public static AssociateRequestPdu FullRequest() => new(
        "STORESCP",
        "STORESCU",
        [
            new PresentationContextProposal(1, CtImageStorage, [ExplicitVRLittleEndian, ImplicitVRLittleEndian, RleLossless]),
            new PresentationContextProposal(3, DicomNetworkUids.Verification, [ImplicitVRLittleEndian]),
            new PresentationContextProposal(5, MrImageStorage, [JpegLosslessSv1, ExplicitVRLittleEndian]),
        ],
        new UserInformation
        {
            MaxPduLength = 16384,
            ImplementationClassUid = ImplementationClassUid,
            ImplementationVersionName = "PLAO_TEST_1",
            AsynchronousOperationsWindow = (4, 2),
            RoleSelections = [new RoleSelection(CtImageStorage, true, false), new RoleSelection(MrImageStorage, true, true)],
            ExtendedNegotiations = [new ExtendedNegotiation(CtImageStorage, new byte[] { 1, 0, 1, 0, 1, 1 })],
            CommonExtendedNegotiations =
            [
                new CommonExtendedNegotiation(CtImageStorage, "1.2.840.10008.4.2", ["1.2.840.10008.5.1.4.1.1.2.1", "1.2.840.10008.5.1.4.1.1.2.2"]),
                new CommonExtendedNegotiation(MrImageStorage, "1.2.840.10008.4.2", []),
            ],
            UserIdentity = new UserIdentityRequest(UserIdentityType.UsernameAndPasscode, true, "alice"u8.ToArray(), "s3cret"u8.ToArray()),
            UnknownItems = [new UnknownUserInformationItem(0x5F, new byte[] { 9, 8, 7 })],
        })
    {
        ProtocolVersion = 1,
    };

    /// <summary>A-ASSOCIATE-AC with every outcome and the acceptor's sub-items (user identity server response included).</summary>
    public static AssociateAcceptPdu FullAccept() => new(
        "STORESCP",
        "STORESCU",
        [
            new PresentationContextResult(1, PresentationContextOutcome.Acceptance, ExplicitVRLittleEndian),
            new PresentationContextResult(3, PresentationContextOutcome.UserRejection, ImplicitVRLittleEndian),
            new PresentationContextResult(5, PresentationContextOutcome.NoReason, ImplicitVRLittleEndian),
            new PresentationContextResult(7, PresentationContextOutcome.AbstractSyntaxNotSupported, ImplicitVRLittleEndian),
            new PresentationContextResult(9, PresentationContextOutcome.TransferSyntaxesNotSupported, ImplicitVRLittleEndian),
        ],
        new UserInformation
        {
            MaxPduLength = 0,
            ImplementationClassUid = ImplementationClassUid,
            ImplementationVersionName = "PLAO",
            AsynchronousOperationsWindow = (1, 1),
            RoleSelections = [new RoleSelection(CtImageStorage, true, false)],
            ExtendedNegotiations = [new ExtendedNegotiation(MrImageStorage, new byte[] { 1 })],
            UserIdentityServerResponse = "server-token"u8.ToArray(),
            UnknownItems = [new UnknownUserInformationItem(0x70, Array.Empty<byte>()), new UnknownUserInformationItem(0x5A, new byte[] { 0xFF })],
        });

    /// <summary>The minimal accept: one context, only the maximum length, an empty server response.</summary>
    public static AssociateAcceptPdu MinimalAccept() => new(
        "A",
        "B",
        [new PresentationContextResult(1, PresentationContextOutcome.Acceptance, ImplicitVRLittleEndian)],
        new UserInformation { MaxPduLength = 1, UserIdentityServerResponse = ReadOnlyMemory<byte>.Empty });

    /// <summary>P-DATA-TF with several values: command and data, last and not last, an empty value, two contexts.</summary>
    public static DataTransferPdu MultiValueData() => new(
    [
        new PresentationDataValue(1, true, false, new byte[] { 1, 2, 3, 4 }),
        new PresentationDataValue(1, true, true, new byte[] { 5, 6 }),
        new PresentationDataValue(3, false, false, Enumerable.Range(0, 300).Select(i => (byte)i).ToArray()),
        new PresentationDataValue(3, false, false, Array.Empty<byte>()),
        new PresentationDataValue(255, false, true, new byte[] { 0xFF }),
    ]);

    /// <summary>One PDU of each type (each reject combination, each abort kind).</summary>
    public static IEnumerable<(string Name, Pdu Pdu)> All()
    {
        yield return ("A-ASSOCIATE-RQ full", FullRequest());
        yield return ("A-ASSOCIATE-RQ minimal", new AssociateRequestPdu("X", "Y", [], new UserInformation { MaxPduLength = 0 }));
        yield return ("A-ASSOCIATE-AC full", FullAccept());
        yield return ("A-ASSOCIATE-AC minimal", MinimalAccept());
        foreach (var (result, source, reason) in new[]
        {
            (AssociateRejectResult.Permanent, AssociateRejectSource.ServiceUser, AssociateRejectReasons.NoReasonGiven),
            (AssociateRejectResult.Permanent, AssociateRejectSource.ServiceUser, AssociateRejectReasons.ApplicationContextNameNotSupported),
            (AssociateRejectResult.Permanent, AssociateRejectSource.ServiceUser, AssociateRejectReasons.CallingAETitleNotRecognized),
            (AssociateRejectResult.Permanent, AssociateRejectSource.ServiceUser, AssociateRejectReasons.CalledAETitleNotRecognized),
            (AssociateRejectResult.Permanent, AssociateRejectSource.ServiceProviderAcse, AssociateRejectReasons.ProtocolVersionNotSupported),
            (AssociateRejectResult.Transient, AssociateRejectSource.ServiceProviderPresentation, AssociateRejectReasons.TemporaryCongestion),
            (AssociateRejectResult.Transient, AssociateRejectSource.ServiceProviderPresentation, AssociateRejectReasons.LocalLimitExceeded),
        })
        {
            yield return ($"A-ASSOCIATE-RJ {result}/{source}/{reason}", new AssociateRejectPdu(result, source, reason));
        }

        yield return ("P-DATA-TF several values", MultiValueData());
        yield return ("P-DATA-TF one value", new DataTransferPdu([new PresentationDataValue(7, false, true, new byte[] { 0x08, 0x00, 0x16, 0x00 })]));
        yield return ("A-RELEASE-RQ", new ReleaseRequestPdu());
        yield return ("A-RELEASE-RP", new ReleaseResponsePdu());
        yield return ("A-ABORT service user", new AbortPdu(AbortSource.ServiceUser, AbortReason.NotSpecified));
        foreach (var reason in Enum.GetValues<AbortReason>())
        {
            yield return ($"A-ABORT service provider {reason}", new AbortPdu(AbortSource.ServiceProvider, reason));
        }
    }

    /// <summary>Field-by-field equality of two PDUs, with the path of the first difference in the message.</summary>
    public static void AssertEqual(Pdu expected, Pdu actual)
    {
        Assert.Equal(expected.GetType(), actual.GetType());
        switch (expected)
        {
            case AssociateRequestPdu rq:
            {
                var other = (AssociateRequestPdu)actual;
                Assert.Equal(rq.CalledAETitle, other.CalledAETitle);
                Assert.Equal(rq.CallingAETitle, other.CallingAETitle);
                Assert.Equal(rq.ProtocolVersion, other.ProtocolVersion);
                Assert.Equal(rq.ApplicationContextName, other.ApplicationContextName);
                Assert.Equal(rq.PresentationContexts.Count, other.PresentationContexts.Count);
                for (int i = 0; i < rq.PresentationContexts.Count; i++)
                {
                    Assert.Equal(rq.PresentationContexts[i].Id, other.PresentationContexts[i].Id);
                    Assert.Equal(rq.PresentationContexts[i].AbstractSyntax, other.PresentationContexts[i].AbstractSyntax);
                    Assert.Equal(rq.PresentationContexts[i].TransferSyntaxes, other.PresentationContexts[i].TransferSyntaxes);
                }

                AssertEqual(rq.UserInformation, other.UserInformation);
                break;
            }

            case AssociateAcceptPdu ac:
            {
                var other = (AssociateAcceptPdu)actual;
                Assert.Equal(ac.CalledAETitle, other.CalledAETitle);
                Assert.Equal(ac.CallingAETitle, other.CallingAETitle);
                Assert.Equal(ac.ProtocolVersion, other.ProtocolVersion);
                Assert.Equal(ac.ApplicationContextName, other.ApplicationContextName);
                Assert.Equal(ac.PresentationContexts, other.PresentationContexts);
                AssertEqual(ac.UserInformation, other.UserInformation);
                break;
            }

            case DataTransferPdu data:
            {
                var other = (DataTransferPdu)actual;
                Assert.Equal(data.Values.Count, other.Values.Count);
                for (int i = 0; i < data.Values.Count; i++)
                {
                    Assert.Equal(data.Values[i].PresentationContextId, other.Values[i].PresentationContextId);
                    Assert.Equal(data.Values[i].IsCommand, other.Values[i].IsCommand);
                    Assert.Equal(data.Values[i].IsLast, other.Values[i].IsLast);
                    Assert.Equal(data.Values[i].Data.ToArray(), other.Values[i].Data.ToArray());
                }

                break;
            }

            default:
                // Reject, release and abort hold only scalars: record equality is field equality.
                Assert.Equal(expected, actual);
                break;
        }
    }

    private static void AssertEqual(UserInformation expected, UserInformation actual)
    {
        Assert.Equal(expected.MaxPduLength, actual.MaxPduLength);
        Assert.Equal(expected.ImplementationClassUid, actual.ImplementationClassUid);
        Assert.Equal(expected.ImplementationVersionName, actual.ImplementationVersionName);
        Assert.Equal(expected.AsynchronousOperationsWindow, actual.AsynchronousOperationsWindow);
        Assert.Equal(expected.RoleSelections, actual.RoleSelections);
        Assert.Equal(expected.ExtendedNegotiations.Count, actual.ExtendedNegotiations.Count);
        for (int i = 0; i < expected.ExtendedNegotiations.Count; i++)
        {
            Assert.Equal(expected.ExtendedNegotiations[i].SopClassUid, actual.ExtendedNegotiations[i].SopClassUid);
            Assert.Equal(expected.ExtendedNegotiations[i].ServiceClassApplicationInformation.ToArray(), actual.ExtendedNegotiations[i].ServiceClassApplicationInformation.ToArray());
        }

        Assert.Equal(expected.CommonExtendedNegotiations.Count, actual.CommonExtendedNegotiations.Count);
        for (int i = 0; i < expected.CommonExtendedNegotiations.Count; i++)
        {
            Assert.Equal(expected.CommonExtendedNegotiations[i].SopClassUid, actual.CommonExtendedNegotiations[i].SopClassUid);
            Assert.Equal(expected.CommonExtendedNegotiations[i].ServiceClassUid, actual.CommonExtendedNegotiations[i].ServiceClassUid);
            Assert.Equal(expected.CommonExtendedNegotiations[i].RelatedGeneralSopClassUids, actual.CommonExtendedNegotiations[i].RelatedGeneralSopClassUids);
        }

        Assert.Equal(expected.UserIdentity is null, actual.UserIdentity is null);
        if (expected.UserIdentity is { } identity)
        {
            Assert.Equal(identity.IdentityType, actual.UserIdentity!.IdentityType);
            Assert.Equal(identity.PositiveResponseRequested, actual.UserIdentity.PositiveResponseRequested);
            Assert.Equal(identity.PrimaryField.ToArray(), actual.UserIdentity.PrimaryField.ToArray());
            Assert.Equal(identity.SecondaryField.ToArray(), actual.UserIdentity.SecondaryField.ToArray());
        }

        Assert.Equal(expected.UserIdentityServerResponse is null, actual.UserIdentityServerResponse is null);
        if (expected.UserIdentityServerResponse is { } response)
        {
            Assert.Equal(response.ToArray(), actual.UserIdentityServerResponse!.Value.ToArray());
        }

        Assert.Equal(expected.UnknownItems.Count, actual.UnknownItems.Count);
        for (int i = 0; i < expected.UnknownItems.Count; i++)
        {
            Assert.Equal(expected.UnknownItems[i].ItemType, actual.UnknownItems[i].ItemType);
            Assert.Equal(expected.UnknownItems[i].Value.ToArray(), actual.UnknownItems[i].Value.ToArray());
        }
    }
}
