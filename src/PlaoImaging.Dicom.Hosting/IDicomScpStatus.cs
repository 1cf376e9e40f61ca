using System.Net;

namespace PlaoImaging.Dicom.Hosting;

/// <summary>What a health check needs to know about the hosted SCP: whether it listens, where, and how busy it is.</summary>
public interface IDicomScpStatus
{
    /// <summary>True from the moment the port is bound (before the hosted service's start returns) until the server stops.</summary>
    bool IsListening { get; }

    /// <summary>The bound endpoint (with the chosen port when the settings said 0); null before start and after stop.</summary>
    IPEndPoint? LocalEndPoint { get; }

    /// <summary>Associations being served now.</summary>
    int ActiveAssociations { get; }
}
