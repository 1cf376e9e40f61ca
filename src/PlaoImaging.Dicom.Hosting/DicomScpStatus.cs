using System.Net;
using PlaoImaging.Dicom.Network;

namespace PlaoImaging.Dicom.Hosting;

/// <summary>The <see cref="IDicomScpStatus"/> the hosted service keeps up to date (one per container).</summary>
public sealed class DicomScpStatus : IDicomScpStatus
{
    private volatile DicomServer? server;
    private volatile IPEndPoint? endPoint;

    public bool IsListening => endPoint is not null;

    public IPEndPoint? LocalEndPoint => endPoint;

    public int ActiveAssociations => server?.ActiveAssociations ?? 0;

    internal void Listening(DicomServer running, IPEndPoint bound)
    {
        server = running;
        endPoint = bound;
    }

    /// <summary>The listener is closed; associations in progress may still run (they count until <see cref="Stopped"/>).</summary>
    internal void StoppedAccepting() => endPoint = null;

    internal void Stopped()
    {
        endPoint = null;
        server = null;
    }
}
