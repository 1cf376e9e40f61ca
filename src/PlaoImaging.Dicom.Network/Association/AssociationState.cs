namespace PlaoImaging.Dicom.Network;

/// <summary>The states of the upper-layer state machine (PS3.8 Table 9-10) that an association of ours passes through.</summary>
public enum AssociationState
{
    /// <summary>Sta1: no association.</summary>
    Idle,

    /// <summary>Sta2: transport connection open (acceptor), awaiting A-ASSOCIATE-RQ; ARTIM running.</summary>
    TransportOpen,

    /// <summary>Sta3: A-ASSOCIATE-RQ received, awaiting the local answer.</summary>
    AwaitingLocalResponse,

    /// <summary>Sta5: A-ASSOCIATE-RQ sent (requestor), awaiting A-ASSOCIATE-AC or -RJ.</summary>
    AwaitingAssociateResponse,

    /// <summary>Sta6: association established, ready for data transfer.</summary>
    Established,

    /// <summary>Sta7: A-RELEASE-RQ sent, awaiting A-RELEASE-RP.</summary>
    AwaitingReleaseResponse,

    /// <summary>Sta13: awaiting the transport to close (after release, rejection or abort); ARTIM running.</summary>
    AwaitingClose,
}
