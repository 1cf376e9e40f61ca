using PlaoImaging.Dicom.Network;

namespace PlaoImaging.Dicom.Hosting;

/// <summary>
/// The hosted SCP could not start although its settings were valid (the port is taken, the address is not on this
/// machine, the storage root became unusable); <see cref="Key"/> names the configuration key to look at.
/// </summary>
public class DicomScpStartException : DicomNetworkException
{
    public DicomScpStartException()
    {
    }

    public DicomScpStartException(string message) : base(message)
    {
    }

    public DicomScpStartException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    public DicomScpStartException(string key, string message, Exception? innerException)
        : base($"{key}: {message}", innerException)
    {
        Key = key;
    }

    /// <summary>The full configuration key (e.g. <c>Dicom:Scp:Port</c>), when one is to blame.</summary>
    public string? Key { get; }
}
