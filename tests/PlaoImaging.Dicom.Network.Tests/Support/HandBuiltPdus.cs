namespace PlaoImaging.Dicom.Network.Tests.Support;

/// <summary>What <see cref="HandBuiltPdus.AssociateRequest"/> includes; each switch removes or alters one part.</summary>
internal sealed record HandBuiltRequest
{
    public bool ApplicationContext { get; init; } = true;

    public string ApplicationContextName { get; init; } = "1.2.840.10008.3.1.1.1";

    public string AbstractSyntax { get; init; } = SamplePdus.CtImageStorage;

    public string SecondTransferSyntax { get; init; } = SamplePdus.ExplicitVRLittleEndian;

    public bool UserInformation { get; init; } = true;

    public bool MaxLength { get; init; } = true;

    /// <summary>Bytes appended after the last variable item (e.g. an item of an unknown type).</summary>
    public byte[] Trailer { get; init; } = [];
}

/// <summary>
/// An A-ASSOCIATE-RQ assembled byte by byte from PS3.8 9.3.2 (Table 9-11), 9.3.2.1 (application context, Table 9-12),
/// 9.3.2.2 (presentation context, Tables 9-13 to 9-15), 9.3.2.3 and PS3.7 D.3.3 (user information: maximum length,
/// implementation class UID and version name, SCP/SCU role selection, user identity) — not with <see cref="PduWriter"/>.
/// </summary>
internal static class HandBuiltPdus
{
    public const string Called = "STORESCP";
    public const string Calling = "STORESCU";
    public const string VersionName = "OFFIS_DCMTK_369";

    public static PduBytes AssociateRequest(HandBuiltRequest? options = null)
    {
        var o = options ?? new HandBuiltRequest();
        return PduBytes.Pdu(0x01, b =>
        {
            b.U16(0x0001) // protocol-version: bit 0
                .U16(0) // reserved
                .AETitle(Called)
                .AETitle(Calling)
                .Zeros(32); // reserved
            if (o.ApplicationContext)
            {
                b.UidItem(0x10, o.ApplicationContextName, "app");
            }

            b.Item(
                0x20,
                pc => pc.U8(1).U8(0).U8(0).U8(0) // presentation-context-ID, reserved ×3
                    .UidItem(0x30, o.AbstractSyntax, "pc1.as")
                    .UidItem(0x40, SamplePdus.ImplicitVRLittleEndian, "pc1.ts1")
                    .UidItem(0x40, o.SecondTransferSyntax, "pc1.ts2"),
                "pc1");
            b.Item(
                0x20,
                pc => pc.U8(3).U8(0).U8(0).U8(0)
                    .UidItem(0x30, DicomNetworkUids.Verification, "pc3.as")
                    .UidItem(0x40, SamplePdus.ImplicitVRLittleEndian, "pc3.ts1"),
                "pc3");
            if (o.UserInformation)
            {
                b.Item(
                    0x50,
                    ui =>
                    {
                        if (o.MaxLength)
                        {
                            ui.Item(0x51, m => m.U32(16384), "ui.max");
                        }

                        ui.UidItem(0x52, SamplePdus.ImplementationClassUid, "ui.class")
                            .Item(0x54, r => r.LengthPrefixed(SamplePdus.CtImageStorage).U8(1).U8(0), "ui.role")
                            .Item(0x55, v => v.Ascii(VersionName), "ui.version")
                            .Item(0x58, id => id.U8(1).U8(0).LengthPrefixed("bob").U16(0), "ui.identity");
                    },
                    "ui");
            }

            b.Raw(o.Trailer);
        });
    }
}
