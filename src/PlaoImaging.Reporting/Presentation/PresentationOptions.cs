using PlaoImaging.Reporting.Sr;

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

    /// <summary>
    /// Set for the overlays of a corrected and signed result (beside the amended report): each gets a new SOP Instance
    /// UID in the same series, the signer as Content Creator's Name, the signing time as its creation time and a
    /// description that says it was corrected. Null for the engine's own result.
    /// </summary>
    public ReportSigner? Correction { get; init; }

    /// <summary>The sentence every overlay carries beside the model's name.</summary>
    public string Disclaimer { get; init; } = "Not a diagnosis; validated on synthetic phantoms only";
}
