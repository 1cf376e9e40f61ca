namespace PlaoImaging.Dicom.Hosting;

/// <summary>The configuration path the registered settings come from, so start-time failures name the full key.</summary>
public sealed record DicomScpSection(string Path);
