namespace PlaoImaging.Dicom.Network;

/// <summary>Where the SCP stores an instance under its storage folder, for code that stores instances the same way (imports).</summary>
public static class DicomInstancePaths
{
    /// <summary>Study/Series/SOPInstance.dcm, relative; anything that is not a plain UID becomes a safe name.</summary>
    public static string Default(DicomInstanceKeys keys) => InstanceStorage.DefaultPath(keys);
}
