namespace PlaoImaging.Dicom.Hosting;

/// <summary>
/// Registered by the host when the SCP must turn senders away while something it needs is down (e.g. the database
/// that indexes every instance before it is acknowledged): new associations are then rejected as transient (temporary
/// congestion), and the sender keeps its instances for later.
/// </summary>
public interface IDicomScpAvailability
{
    /// <summary>Why the SCP cannot take instances now; null when it can.</summary>
    string? UnavailableReason { get; }
}
