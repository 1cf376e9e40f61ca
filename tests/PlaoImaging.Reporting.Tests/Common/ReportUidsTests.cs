using PlaoImaging.Dicom;
using PlaoImaging.Reporting.Common;
using Xunit;

namespace PlaoImaging.Reporting.Tests.Common;

public sealed class ReportUidsTests
{
    private const string Study = "1.2.826.0.1.3680043.8.498.1";

    [Fact]
    public void Series_SameInputs_SameValidUid()
    {
        var a = ReportUids.Series(Study, "plao-vertebra-landmarks", "1.0.0", ReportObjectKind.PresentationState);
        var b = ReportUids.Series(Study, "plao-vertebra-landmarks", "1.0.0", ReportObjectKind.PresentationState);

        Assert.Equal(a, b);
        AssertValid(a);
    }

    [Fact]
    public void Series_KnownInputs_KnownValue()
    {
        // Pinned so that a change of the derivation (which would re-file every earlier report) is noticed.
        var uid = ReportUids.Series(Study, "m", "1", ReportObjectKind.StructuredReport);

        Assert.Equal(uid, ReportUids.Series(Study, "m", "1", ReportObjectKind.StructuredReport));
        Assert.Equal(DicomUidGenerator.FromName("report-uid|13:report-series|27:" + Study + "|1:m|1:1|2:SR"), uid);
    }

    [Fact]
    public void Series_AnyInputDiffers_UidDiffers()
    {
        var uids = new[]
        {
            ReportUids.Series(Study, "m", "1", ReportObjectKind.StructuredReport),
            ReportUids.Series(Study, "m", "1", ReportObjectKind.PresentationState),
            ReportUids.Series(Study, "m", "1", ReportObjectKind.SecondaryCapture),
            ReportUids.Series(Study, "m", "2", ReportObjectKind.StructuredReport),
            ReportUids.Series(Study, "n", "1", ReportObjectKind.StructuredReport),
            ReportUids.Series(Study + "1", "m", "1", ReportObjectKind.StructuredReport),
            ReportUids.Tracking(Study, "L1"),
            ReportUids.Tracking(Study, "L2"),
            ReportUids.Tracking(Study + "1", "L1"),
            ReportUids.DeviceObserver("m"),
            ReportUids.DeviceObserver("n"),
            ReportUids.Instance("1.2.3", "1.2.4", "1"),
            ReportUids.Instance("1.2.3", "1.2.4", "2"),
        };

        Assert.Equal(uids.Length, uids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(uids, AssertValid);
    }

    [Fact]
    public void Series_SeparatorInInput_NoCollision()
    {
        var a = ReportUids.Series(Study, "m|1", "2", ReportObjectKind.StructuredReport);
        var b = ReportUids.Series(Study, "m", "1|2", ReportObjectKind.StructuredReport);

        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Tracking_EmptyLevel_Throws()
    {
        Assert.Throws<ArgumentException>(() => ReportUids.Tracking(Study, string.Empty));
    }

    [Fact]
    public void Instance_NoSubject_Throws()
    {
        Assert.Throws<ArgumentException>(() => ReportUids.Instance("1.2.3"));
    }

    private static void AssertValid(string uid)
    {
        Assert.StartsWith("2.25.", uid, StringComparison.Ordinal);
        Assert.True(uid.Length <= 64, uid);
        Assert.True(DicomUidGenerator.IsValid(uid), uid);
        Assert.DoesNotMatch(@"\.0\d", uid);
    }
}
