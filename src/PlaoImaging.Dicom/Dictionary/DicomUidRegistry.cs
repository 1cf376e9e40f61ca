using System.Collections.Frozen;

namespace PlaoImaging.Dicom;

/// <summary>What a registered UID identifies (the "UID Type" column of PS3.6 Table A-1).</summary>
public enum DicomUidType
{
    /// <summary>Not a registered UID type.</summary>
    Unknown = 0,
    TransferSyntax,
    SopClass,
    MetaSopClass,
    WellKnownSopInstance,
    WellKnownPrinterSopInstance,
    WellKnownPrintQueueSopInstance,
    WellKnownFrameOfReference,
    SynchronizationFrameOfReference,
    LdapOid,
    CodingScheme,
    DicomUidsAsCodingScheme,
    ApplicationContextName,
    ApplicationHostingModel,
    ServiceClass,
    MappingResource,
}

/// <summary>A UID of the registry (PS3.6 Annex A).</summary>
/// <param name="Value">The UID, e.g. "1.2.840.10008.1.2.1".</param>
/// <param name="Name">The name, e.g. "Explicit VR Little Endian".</param>
/// <param name="Keyword">The keyword, e.g. ExplicitVRLittleEndian; empty for the few retired UIDs without one.</param>
/// <param name="Type">What the UID identifies.</param>
/// <param name="IsRetired">True when PS3.6 marks the UID retired.</param>
public sealed record DicomUidInfo(string Value, string Name, string Keyword, DicomUidType Type, bool IsRetired)
{
    /// <summary>True for a transfer syntax UID.</summary>
    public bool IsTransferSyntax => Type == DicomUidType.TransferSyntax;
}

/// <summary>The UIDs of PS3.6 Annex A, generated into DicomUids.g.cs from Dictionary/Data/uids.tsv.</summary>
public static partial class DicomUidRegistry
{
    private static readonly Lazy<(IReadOnlyList<DicomUidInfo> All, FrozenDictionary<string, DicomUidInfo> ByValue)> s_tables =
        new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Every registered UID, in numeric order.</summary>
    public static IReadOnlyList<DicomUidInfo> All => s_tables.Value.All;

    /// <summary>The registry entry for <paramref name="uid"/>, or null when it is not a registered UID.</summary>
    /// <remarks>Trailing NUL padding and spaces, as read from a UI value, are ignored.</remarks>
    public static DicomUidInfo? Lookup(string uid)
    {
        ArgumentNullException.ThrowIfNull(uid);
        return s_tables.Value.ByValue.TryGetValue(uid.TrimEnd('\0', ' '), out var info) ? info : null;
    }

    private static (IReadOnlyList<DicomUidInfo>, FrozenDictionary<string, DicomUidInfo>) Build()
    {
        var entries = new List<DicomUidInfo>(500);
        foreach (var line in EntryData.AsSpan().EnumerateLines())
        {
            var f = new GeneratedTableLine(line, 5);
            entries.Add(new DicomUidInfo(f.Text(0), f.Text(1), f.Text(2), Enum.Parse<DicomUidType>(f.Text(3)), f.YesNo(4)));
        }

        return (entries.AsReadOnly(), entries.ToFrozenDictionary(e => e.Value, StringComparer.Ordinal));
    }
}
