using System.Buffers.Binary;

namespace PlaoImaging.Dicom.Network;

/// <summary>DIMSE command field values (PS3.7 E.1).</summary>
public enum DimseCommandField : ushort
{
    CStoreRequest = 0x0001,
    CStoreResponse = 0x8001,
    CGetRequest = 0x0010,
    CGetResponse = 0x8010,
    CFindRequest = 0x0020,
    CFindResponse = 0x8020,
    CMoveRequest = 0x0021,
    CMoveResponse = 0x8021,
    CEchoRequest = 0x0030,
    CEchoResponse = 0x8030,
    NEventReportRequest = 0x0100,
    NEventReportResponse = 0x8100,
    NGetRequest = 0x0110,
    NGetResponse = 0x8110,
    NSetRequest = 0x0120,
    NSetResponse = 0x8120,
    NActionRequest = 0x0130,
    NActionResponse = 0x8130,
    NCreateRequest = 0x0140,
    NCreateResponse = 0x8140,
    NDeleteRequest = 0x0150,
    NDeleteResponse = 0x8150,
    CCancelRequest = 0x0FFF,
}

/// <summary>
/// A DIMSE command set (PS3.7 E.1, group 0000, always Implicit VR Little Endian) with typed access to the fields C-ECHO
/// and C-STORE use. The underlying dataset is kept, so fields we do not interpret travel intact.
/// </summary>
public sealed class DimseCommand
{
    /// <summary>Command Data Set Type (0000,0800) value meaning "no data set" (PS3.7 E.1).</summary>
    public const ushort NoDataSet = 0x0101;

    public DimseCommand(DicomDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        Dataset = dataset;
    }

    public DicomDataset Dataset { get; }

    public DimseCommandField CommandField => (DimseCommandField)Dataset.GetSingleValue<ushort>(DicomTags.CommandField);

    public ushort MessageId => Dataset.GetSingleValueOrDefault<ushort>(DicomTags.MessageID, 0);

    public ushort MessageIdBeingRespondedTo => Dataset.GetSingleValueOrDefault<ushort>(DicomTags.MessageIDBeingRespondedTo, 0);

    public bool HasDataSet => Dataset.GetSingleValueOrDefault<ushort>(DicomTags.CommandDataSetType, NoDataSet) != NoDataSet;

    public string? AffectedSopClassUid => Dataset.GetStringOrDefault(DicomTags.AffectedSOPClassUID);

    public string? AffectedSopInstanceUid => Dataset.GetStringOrDefault(DicomTags.AffectedSOPInstanceUID);

    public DimseStatus Status => new(Dataset.GetSingleValueOrDefault<ushort>(DicomTags.Status, 0xFFFF));

    public string? ErrorComment => Dataset.GetStringOrDefault(DicomTags.ErrorComment);

    public string? MoveOriginatorAETitle => Dataset.GetStringOrDefault(DicomTags.MoveOriginatorApplicationEntityTitle);

    public bool IsRequest => ((ushort)CommandField & 0x8000) == 0;

    public static DimseCommand EchoRequest(ushort messageId) => new(new DicomDataset()
        .AddString(DicomTags.AffectedSOPClassUID, DicomVR.UI, DicomNetworkUids.Verification)
        .AddValues(DicomTags.CommandField, DicomVR.US, (ushort)DimseCommandField.CEchoRequest)
        .AddValues(DicomTags.MessageID, DicomVR.US, messageId)
        .AddValues(DicomTags.CommandDataSetType, DicomVR.US, NoDataSet));

    public static DimseCommand EchoResponse(DimseCommand request, DimseStatus status) => new(new DicomDataset()
        .AddString(DicomTags.AffectedSOPClassUID, DicomVR.UI, request?.AffectedSopClassUid ?? DicomNetworkUids.Verification)
        .AddValues(DicomTags.CommandField, DicomVR.US, (ushort)DimseCommandField.CEchoResponse)
        .AddValues(DicomTags.MessageIDBeingRespondedTo, DicomVR.US, request!.MessageId)
        .AddValues(DicomTags.CommandDataSetType, DicomVR.US, NoDataSet)
        .AddValues(DicomTags.Status, DicomVR.US, status.Code));

    /// <summary>C-STORE-RQ (PS3.7 9.3.1.1); priority medium (0).</summary>
    public static DimseCommand StoreRequest(ushort messageId, string sopClassUid, string sopInstanceUid, string? moveOriginatorAETitle = null, ushort? moveOriginatorMessageId = null)
    {
        var dataset = new DicomDataset()
            .AddString(DicomTags.AffectedSOPClassUID, DicomVR.UI, sopClassUid)
            .AddValues(DicomTags.CommandField, DicomVR.US, (ushort)DimseCommandField.CStoreRequest)
            .AddValues(DicomTags.MessageID, DicomVR.US, messageId)
            .AddValues(DicomTags.Priority, DicomVR.US, (ushort)0)
            .AddValues(DicomTags.CommandDataSetType, DicomVR.US, (ushort)0x0000)
            .AddString(DicomTags.AffectedSOPInstanceUID, DicomVR.UI, sopInstanceUid);
        if (moveOriginatorAETitle is not null)
        {
            dataset.AddString(DicomTags.MoveOriginatorApplicationEntityTitle, DicomVR.AE, moveOriginatorAETitle);
        }

        if (moveOriginatorMessageId is { } id)
        {
            dataset.AddValues(DicomTags.MoveOriginatorMessageID, DicomVR.US, id);
        }

        return new DimseCommand(dataset);
    }

    /// <summary>C-STORE-RSP (PS3.7 9.3.1.2), with an Error Comment (0000,0902) for failures and warnings when given.</summary>
    public static DimseCommand StoreResponse(DimseCommand request, DimseStatus status, string? errorComment = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var dataset = new DicomDataset()
            .AddString(DicomTags.AffectedSOPClassUID, DicomVR.UI, request.AffectedSopClassUid ?? string.Empty)
            .AddValues(DicomTags.CommandField, DicomVR.US, (ushort)DimseCommandField.CStoreResponse)
            .AddValues(DicomTags.MessageIDBeingRespondedTo, DicomVR.US, request.MessageId)
            .AddValues(DicomTags.CommandDataSetType, DicomVR.US, NoDataSet)
            .AddValues(DicomTags.Status, DicomVR.US, status.Code)
            .AddString(DicomTags.AffectedSOPInstanceUID, DicomVR.UI, request.AffectedSopInstanceUid ?? string.Empty);
        if (errorComment is not null && !status.IsSuccess)
        {
            dataset.AddString(DicomTags.ErrorComment, DicomVR.LO, errorComment.Length > 64 ? errorComment[..64] : errorComment);
        }

        return new DimseCommand(dataset);
    }

    /// <summary>A response with only a status, for a request we do not perform (e.g. 0211 Unrecognized Operation).</summary>
    public static DimseCommand GenericResponse(DimseCommand request, DimseStatus status)
    {
        ArgumentNullException.ThrowIfNull(request);
        var dataset = new DicomDataset();
        if (request.AffectedSopClassUid is { Length: > 0 } sopClass)
        {
            dataset.AddString(DicomTags.AffectedSOPClassUID, DicomVR.UI, sopClass);
        }

        dataset.AddValues(DicomTags.CommandField, DicomVR.US, (ushort)((ushort)request.CommandField | 0x8000))
            .AddValues(DicomTags.MessageIDBeingRespondedTo, DicomVR.US, request.MessageId)
            .AddValues(DicomTags.CommandDataSetType, DicomVR.US, NoDataSet)
            .AddValues(DicomTags.Status, DicomVR.US, status.Code);
        return new DimseCommand(dataset);
    }

    /// <summary>Encodes the command set in Implicit VR Little Endian with its Command Group Length (0000,0000) first.</summary>
    public byte[] Encode()
    {
        var body = new MemoryStream();
        var copy = new DicomDataset(Dataset.Where(e => e.Tag != DicomTags.CommandGroupLength));
        DicomFile.WriteDataset(body, copy, DicomTransferSyntax.ImplicitVRLittleEndian);
        var bytes = new byte[12 + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)body.Length);
        body.GetBuffer().AsSpan(0, (int)body.Length).CopyTo(bytes.AsSpan(12));
        return bytes;
    }

    /// <summary>Decodes a command set; a malformed one is a <see cref="DicomNetworkException"/> (the caller aborts).</summary>
    public static DimseCommand Decode(ReadOnlyMemory<byte> bytes)
    {
        DicomDataset dataset;
        try
        {
            dataset = DicomFile.ReadDataset(new MemoryStream(bytes.ToArray(), false), DicomTransferSyntax.ImplicitVRLittleEndian);
        }
        catch (DicomException e)
        {
            throw new DicomNetworkException($"the DIMSE command set cannot be read: {e.Message}", e);
        }

        if (dataset.Any(e => e.Tag.Group != 0x0000))
        {
            throw new DicomNetworkException("the DIMSE command set holds elements outside group 0000");
        }

        if (!dataset.Contains(DicomTags.CommandField))
        {
            throw new DicomNetworkException("the DIMSE command set has no Command Field (0000,0100)");
        }

        var command = new DimseCommand(dataset);
        try
        {
            _ = command.CommandField;
            _ = command.MessageId;
            _ = command.HasDataSet;
        }
        catch (DicomException e)
        {
            throw new DicomNetworkException($"the DIMSE command set is malformed: {e.Message}", e);
        }

        return command;
    }
}

/// <summary>UIDs the network layer uses itself.</summary>
public static class DicomNetworkUids
{
    /// <summary>Verification SOP Class (PS3.4 A.4).</summary>
    public const string Verification = "1.2.840.10008.1.1";
}
