namespace PlaoImaging.Reporting.Presentation;

/// <summary>What the overlays name and where their series go.</summary>
public sealed record PresentationOptions
{
    /// <summary>Manufacturer (0008,0070) of the General Equipment module.</summary>
    public string Manufacturer { get; init; } = "PlaoImaging";

    /// <summary>Series Number (0020,0011) of the presentation state series.</summary>
    public int PresentationSeriesNumber { get; init; } = 9101;

    /// <summary>Series Number (0020,0011) of the secondary capture series.</summary>
    public int SecondaryCaptureSeriesNumber { get; init; } = 9102;

    /// <summary>The sentence every overlay carries beside the model's name.</summary>
    public string Disclaimer { get; init; } = "Not a diagnosis; validated on synthetic phantoms only";
}
