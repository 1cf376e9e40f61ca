using PlaoImaging.Dicom;
using PlaoImaging.Reporting.Sr;
using Xunit;

namespace PlaoImaging.Reporting.Tests.Sr;

public sealed class ReportTextTests
{
    [Fact]
    public void Fit_ReplacesOnlyWhatTheCharacterSetCannotHold()
    {
        var latin1 = new ReportText(DicomTextEncoding.FromSpecificCharacterSet(["ISO_IR 100"]));
        Assert.Equal("T4-L4 >= 20 % (± 3) \"x\"", latin1.Fit("T4–L4 ≥ 20 % (± 3) “x”"));
        Assert.Equal("Grüße", latin1.Fit("Grüße"));
        var ascii = new ReportText(DicomTextEncoding.Default);
        Assert.Equal("Gr??e +/- 1", ascii.Fit("Grüße ± 1"));
        var utf8 = new ReportText(DicomTextEncoding.FromSpecificCharacterSet(["ISO_IR 192"]));
        Assert.Equal("T4–L4 ≥ 山田", utf8.Fit("T4–L4 ≥ 山田"));
    }
}
