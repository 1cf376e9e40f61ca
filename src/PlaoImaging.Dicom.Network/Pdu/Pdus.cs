namespace PlaoImaging.Dicom.Network;

/// <summary>A protocol data unit of the DICOM upper layer (PS3.8 9.3). Immutable; read by <see cref="PduReader"/>, written by <see cref="PduWriter"/>.</summary>
public abstract record Pdu
{
    /// <summary>The PDU type byte (PS3.8 Table 9-10 ff.).</summary>
    public abstract byte Type { get; }
}

/// <summary>The DICOM application context name (PS3.7 A.2.1), the only one defined.</summary>
public static class DicomApplicationContext
{
    public const string Name = "1.2.840.10008.3.1.1.1";
}

/// <summary>A-ASSOCIATE-RQ (PS3.8 9.3.2): who calls whom, what is proposed, and the user information.</summary>
public sealed record AssociateRequestPdu(
    string CalledAETitle,
    string CallingAETitle,
    IReadOnlyList<PresentationContextProposal> PresentationContexts,
    UserInformation UserInformation) : Pdu
{
    public override byte Type => 0x01;

    /// <summary>Protocol-version field; bit 0 set means version 1, the only one defined.</summary>
    public ushort ProtocolVersion { get; init; } = 1;

    public string ApplicationContextName { get; init; } = DicomApplicationContext.Name;
}

/// <summary>A-ASSOCIATE-AC (PS3.8 9.3.3): the outcome of every proposed presentation context and the acceptor's user information.</summary>
public sealed record AssociateAcceptPdu(
    string CalledAETitle,
    string CallingAETitle,
    IReadOnlyList<PresentationContextResult> PresentationContexts,
    UserInformation UserInformation) : Pdu
{
    public override byte Type => 0x02;

    public ushort ProtocolVersion { get; init; } = 1;

    public string ApplicationContextName { get; init; } = DicomApplicationContext.Name;
}

/// <summary>A-ASSOCIATE-RJ result (PS3.8 Table 9-21).</summary>
public enum AssociateRejectResult : byte
{
    Permanent = 1,
    Transient = 2,
}

/// <summary>A-ASSOCIATE-RJ source (PS3.8 Table 9-21).</summary>
public enum AssociateRejectSource : byte
{
    ServiceUser = 1,
    ServiceProviderAcse = 2,
    ServiceProviderPresentation = 3,
}

/// <summary>A-ASSOCIATE-RJ (PS3.8 9.3.4). <see cref="Reason"/> is read together with <see cref="Source"/>: see <see cref="AssociateRejectReasons"/>.</summary>
public sealed record AssociateRejectPdu(AssociateRejectResult Result, AssociateRejectSource Source, byte Reason) : Pdu
{
    public override byte Type => 0x03;

    /// <summary>The result, source and reason in the standard's words.</summary>
    public string Describe() => $"{(Result == AssociateRejectResult.Permanent ? "rejected-permanent" : Result == AssociateRejectResult.Transient ? "rejected-transient" : $"result {(byte)Result}")}, " +
        $"{AssociateRejectReasons.Describe(Source, Reason)}";
}

/// <summary>The reason/diagnostic values of A-ASSOCIATE-RJ (PS3.8 Table 9-21), by source.</summary>
public static class AssociateRejectReasons
{
    // Source 1: DICOM UL service-user
    public const byte NoReasonGiven = 1;
    public const byte ApplicationContextNameNotSupported = 2;
    public const byte CallingAETitleNotRecognized = 3;
    public const byte CalledAETitleNotRecognized = 7;

    // Source 2: DICOM UL service-provider (ACSE related function)
    public const byte ProtocolVersionNotSupported = 2;

    // Source 3: DICOM UL service-provider (presentation related function)
    public const byte TemporaryCongestion = 1;
    public const byte LocalLimitExceeded = 2;

    public static string Describe(AssociateRejectSource source, byte reason) => (source, reason) switch
    {
        (AssociateRejectSource.ServiceUser, NoReasonGiven) => "service-user: no-reason-given",
        (AssociateRejectSource.ServiceUser, ApplicationContextNameNotSupported) => "service-user: application-context-name-not-supported",
        (AssociateRejectSource.ServiceUser, CallingAETitleNotRecognized) => "service-user: calling-AE-title-not-recognized",
        (AssociateRejectSource.ServiceUser, CalledAETitleNotRecognized) => "service-user: called-AE-title-not-recognized",
        (AssociateRejectSource.ServiceProviderAcse, NoReasonGiven) => "service-provider (ACSE): no-reason-given",
        (AssociateRejectSource.ServiceProviderAcse, ProtocolVersionNotSupported) => "service-provider (ACSE): protocol-version-not-supported",
        (AssociateRejectSource.ServiceProviderPresentation, TemporaryCongestion) => "service-provider (presentation): temporary-congestion",
        (AssociateRejectSource.ServiceProviderPresentation, LocalLimitExceeded) => "service-provider (presentation): local-limit-exceeded",
        _ => $"source {(byte)source}, reason {reason}",
    };
}

/// <summary>One presentation data value of a P-DATA-TF PDU (PS3.8 9.3.5.1, E.2): a fragment of a command or data set.</summary>
/// <remarks>
/// <see cref="Data"/> refers to the buffer the PDU was read from (no copy): an association reuses that buffer for the
/// next PDU, so a handler that keeps a fragment must copy it.
/// </remarks>
public sealed record PresentationDataValue(byte PresentationContextId, bool IsCommand, bool IsLast, ReadOnlyMemory<byte> Data);

/// <summary>P-DATA-TF (PS3.8 9.3.5): one or more presentation data values.</summary>
public sealed record DataTransferPdu(IReadOnlyList<PresentationDataValue> Values) : Pdu
{
    public override byte Type => 0x04;
}

/// <summary>A-RELEASE-RQ (PS3.8 9.3.6).</summary>
public sealed record ReleaseRequestPdu : Pdu
{
    public override byte Type => 0x05;
}

/// <summary>A-RELEASE-RP (PS3.8 9.3.7).</summary>
public sealed record ReleaseResponsePdu : Pdu
{
    public override byte Type => 0x06;
}

/// <summary>A-ABORT source (PS3.8 Table 9-26).</summary>
public enum AbortSource : byte
{
    ServiceUser = 0,
    Reserved = 1,
    ServiceProvider = 2,
}

/// <summary>A-ABORT reason/diag when the source is the service provider (PS3.8 Table 9-26).</summary>
public enum AbortReason : byte
{
    NotSpecified = 0,
    UnrecognizedPdu = 1,
    UnexpectedPdu = 2,
    UnrecognizedPduParameter = 4,
    UnexpectedPduParameter = 5,
    InvalidPduParameterValue = 6,
}

/// <summary>A-ABORT (PS3.8 9.3.8).</summary>
public sealed record AbortPdu(AbortSource Source, AbortReason Reason) : Pdu
{
    public override byte Type => 0x07;

    public string Describe() => Source switch
    {
        AbortSource.ServiceUser => "service-user",
        AbortSource.ServiceProvider => $"service-provider, {Reason switch
        {
            AbortReason.NotSpecified => "reason-not-specified",
            AbortReason.UnrecognizedPdu => "unrecognized-PDU",
            AbortReason.UnexpectedPdu => "unexpected-PDU",
            AbortReason.UnrecognizedPduParameter => "unrecognized-PDU-parameter",
            AbortReason.UnexpectedPduParameter => "unexpected-PDU-parameter",
            AbortReason.InvalidPduParameterValue => "invalid-PDU-parameter-value",
            _ => $"reason {(byte)Reason}",
        }}",
        _ => $"source {(byte)Source}, reason {(byte)Reason}",
    };
}

/// <summary>A presentation context item of A-ASSOCIATE-RQ (PS3.8 9.3.2.2): an odd id, one abstract syntax, the transfer syntaxes in the proposer's order of preference.</summary>
public sealed record PresentationContextProposal(byte Id, string AbstractSyntax, IReadOnlyList<string> TransferSyntaxes);

/// <summary>The result of one presentation context (PS3.8 Table 9-18).</summary>
public enum PresentationContextOutcome : byte
{
    Acceptance = 0,
    UserRejection = 1,
    NoReason = 2,
    AbstractSyntaxNotSupported = 3,
    TransferSyntaxesNotSupported = 4,
}

/// <summary>A presentation context item of A-ASSOCIATE-AC (PS3.8 9.3.3.2): the outcome and, when accepted, the one transfer syntax.</summary>
public sealed record PresentationContextResult(byte Id, PresentationContextOutcome Outcome, string TransferSyntax);

/// <summary>SCP/SCU role selection sub-item (PS3.7 D.3.3.4).</summary>
public sealed record RoleSelection(string SopClassUid, bool ScuRole, bool ScpRole);

/// <summary>SOP class extended negotiation sub-item (PS3.7 D.3.3.5): kept as bytes, echoed only by services that define it.</summary>
public sealed record ExtendedNegotiation(string SopClassUid, ReadOnlyMemory<byte> ServiceClassApplicationInformation);

/// <summary>SOP class common extended negotiation sub-item (PS3.7 D.3.3.6).</summary>
public sealed record CommonExtendedNegotiation(string SopClassUid, string ServiceClassUid, IReadOnlyList<string> RelatedGeneralSopClassUids);

/// <summary>User identity type (PS3.7 Table D.3-14).</summary>
public enum UserIdentityType : byte
{
    Username = 1,
    UsernameAndPasscode = 2,
    Kerberos = 3,
    Saml = 4,
    Jwt = 5,
}

/// <summary>User identity negotiation request (PS3.7 D.3.3.7.1).</summary>
public sealed record UserIdentityRequest(UserIdentityType IdentityType, bool PositiveResponseRequested, ReadOnlyMemory<byte> PrimaryField, ReadOnlyMemory<byte> SecondaryField)
{
    /// <summary>The primary field as text (user name) for types 1 and 2.</summary>
    public string PrimaryText => System.Text.Encoding.UTF8.GetString(PrimaryField.Span);
}

/// <summary>An unrecognised user information sub-item, kept as it came.</summary>
public sealed record UnknownUserInformationItem(byte ItemType, ReadOnlyMemory<byte> Value);

/// <summary>The user information item (PS3.8 9.3.2.3, PS3.7 D.3.3) with every sub-item parsed.</summary>
public sealed record UserInformation
{
    /// <summary>Maximum length of the P-DATA-TF variable field the sender can receive; 0 = no limit (PS3.8 D.1).</summary>
    public uint MaxPduLength { get; init; }

    public string ImplementationClassUid { get; init; } = string.Empty;

    public string? ImplementationVersionName { get; init; }

    /// <summary>Asynchronous operations window (PS3.7 D.3.3.3): maximum operations invoked and performed; null when absent (= 1, 1).</summary>
    public (ushort Invoked, ushort Performed)? AsynchronousOperationsWindow { get; init; }

    public IReadOnlyList<RoleSelection> RoleSelections { get; init; } = [];

    public IReadOnlyList<ExtendedNegotiation> ExtendedNegotiations { get; init; } = [];

    public IReadOnlyList<CommonExtendedNegotiation> CommonExtendedNegotiations { get; init; } = [];

    public UserIdentityRequest? UserIdentity { get; init; }

    /// <summary>User identity server response (A-ASSOCIATE-AC only, PS3.7 D.3.3.7.2); null when absent.</summary>
    public ReadOnlyMemory<byte>? UserIdentityServerResponse { get; init; }

    public IReadOnlyList<UnknownUserInformationItem> UnknownItems { get; init; } = [];
}
