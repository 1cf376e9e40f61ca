// TEMPORARY STUB — replaced by the generated dictionary (tools/PlaoImaging.DictionaryGenerator).
namespace PlaoImaging.Dicom;

public sealed record DicomDictionaryEntry(DicomTag Tag, uint Mask, IReadOnlyList<DicomVR> VRs, string VM, string Keyword, string Name, bool IsRetired)
{
    public DicomVR DefaultVR => VRs.Count > 0 ? VRs[0] : DicomVR.UN;
}

public static class DicomDictionary
{
    public static DicomDictionaryEntry? Lookup(DicomTag tag) => null;

    public static DicomVR? LookupPrivateVR(string creator, DicomTag tag) => null;
}
