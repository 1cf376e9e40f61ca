namespace PlaoImaging.Dicom.Network;

/// <summary>The base of every failure of the DICOM upper layer and DIMSE: a transport, protocol or peer problem.</summary>
public class DicomNetworkException : DicomException
{
    public DicomNetworkException()
    {
    }

    public DicomNetworkException(string message) : base(message)
    {
    }

    public DicomNetworkException(string message, Exception? innerException) : base(message, innerException)
    {
    }
}

/// <summary>
/// A malformed PDU (PS3.8 9.3): names the PDU type, the byte offset from the start of the PDU and the field being read.
/// The association that received it is aborted.
/// </summary>
public class DicomPduException : DicomNetworkException
{
    public DicomPduException()
    {
    }

    public DicomPduException(string message) : base(message)
    {
    }

    public DicomPduException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    public DicomPduException(byte pduType, long offset, string field, string problem)
        : base($"{PduTypeName(pduType)} at offset {offset}, {field}: {problem}")
    {
        PduType = pduType;
        Offset = offset;
        Field = field;
        Problem = problem;
    }

    /// <summary>The PDU type byte (0x01 A-ASSOCIATE-RQ … 0x07 A-ABORT), or what was found there.</summary>
    public byte PduType { get; }

    /// <summary>Offset from the first byte of the PDU.</summary>
    public long Offset { get; }

    /// <summary>The field of PS3.8 9.3 being read.</summary>
    public string Field { get; } = string.Empty;

    public string Problem { get; } = string.Empty;

    internal static string PduTypeName(byte type) => type switch
    {
        0x01 => "A-ASSOCIATE-RQ PDU",
        0x02 => "A-ASSOCIATE-AC PDU",
        0x03 => "A-ASSOCIATE-RJ PDU",
        0x04 => "P-DATA-TF PDU",
        0x05 => "A-RELEASE-RQ PDU",
        0x06 => "A-RELEASE-RP PDU",
        0x07 => "A-ABORT PDU",
        _ => $"PDU of unknown type 0x{type:X2}",
    };
}

/// <summary>The peer rejected the association (A-ASSOCIATE-RJ); the reason is a value, not only text.</summary>
public class DicomAssociationRejectedException : DicomNetworkException
{
    public DicomAssociationRejectedException()
    {
    }

    public DicomAssociationRejectedException(string message) : base(message)
    {
    }

    public DicomAssociationRejectedException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    public DicomAssociationRejectedException(AssociateRejectPdu reject)
        : base($"association rejected: {reject?.Describe()}")
    {
        Reject = reject;
    }

    public AssociateRejectPdu? Reject { get; }
}

/// <summary>The association was aborted, by the peer (A-ABORT PDU received) or by us after a protocol error or timeout.</summary>
public class DicomAssociationAbortedException : DicomNetworkException
{
    public DicomAssociationAbortedException()
    {
    }

    public DicomAssociationAbortedException(string message) : base(message)
    {
    }

    public DicomAssociationAbortedException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    public DicomAssociationAbortedException(AbortPdu abort, bool byPeer)
        : base($"association aborted {(byPeer ? "by the peer" : "locally")}: {abort?.Describe()}")
    {
        Abort = abort;
        ByPeer = byPeer;
    }

    public AbortPdu? Abort { get; }

    public bool ByPeer { get; }
}

/// <summary>A peer did not send what was expected in time (ARTIM, PDU or DIMSE response timeout).</summary>
public class DicomNetworkTimeoutException : DicomNetworkException
{
    public DicomNetworkTimeoutException()
    {
    }

    public DicomNetworkTimeoutException(string message) : base(message)
    {
    }

    public DicomNetworkTimeoutException(string message, Exception? innerException) : base(message, innerException)
    {
    }
}
