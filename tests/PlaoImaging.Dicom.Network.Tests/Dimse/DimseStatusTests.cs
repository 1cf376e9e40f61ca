using Xunit;

namespace PlaoImaging.Dicom.Network.Tests.Dimse;

/// <summary>DIMSE status categories (PS3.7 C.1.2; C-STORE codes from PS3.4 Table B.2-1).</summary>
[Trait("Category", "unit")]
public sealed class DimseStatusTests
{
    [Theory]
    [InlineData(0x0000, DimseStatusCategory.Success)]
    [InlineData(0xB000, DimseStatusCategory.Warning)]
    [InlineData(0xB006, DimseStatusCategory.Warning)]
    [InlineData(0xB007, DimseStatusCategory.Warning)]
    [InlineData(0x0001, DimseStatusCategory.Warning)]
    [InlineData(0x0107, DimseStatusCategory.Warning)]
    [InlineData(0x0116, DimseStatusCategory.Warning)]
    [InlineData(0xA700, DimseStatusCategory.Failure)]
    [InlineData(0xA7FF, DimseStatusCategory.Failure)]
    [InlineData(0xA900, DimseStatusCategory.Failure)]
    [InlineData(0xC000, DimseStatusCategory.Failure)]
    [InlineData(0xCFFF, DimseStatusCategory.Failure)]
    [InlineData(0x0110, DimseStatusCategory.Failure)]
    [InlineData(0x0122, DimseStatusCategory.Failure)]
    [InlineData(0x0124, DimseStatusCategory.Failure)]
    [InlineData(0x0211, DimseStatusCategory.Failure)]
    [InlineData(0xFE00, DimseStatusCategory.Cancel)]
    [InlineData(0xFF00, DimseStatusCategory.Pending)]
    [InlineData(0xFF01, DimseStatusCategory.Pending)]
    public void Category_Code_AsPs37(int code, DimseStatusCategory expected)
    {
        var status = new DimseStatus((ushort)code);

        Assert.Equal(expected, status.Category);
        Assert.Equal(expected == DimseStatusCategory.Success, status.IsSuccess);
        Assert.Equal(expected == DimseStatusCategory.Warning, status.IsWarning);
        Assert.Equal(expected == DimseStatusCategory.Failure, status.IsFailure);
    }

    [Theory]
    [InlineData(0x0000, "0000 (Success)")]
    [InlineData(0xA700, "A700 (Refused: out of resources)")]
    [InlineData(0x0110, "0110 (Failure: processing failure)")]
    [InlineData(0xB007, "B007 (Warning: data set does not match SOP class)")]
    public void ToString_Code_HexAndMeaning(int code, string expected)
    {
        Assert.Equal(expected, new DimseStatus((ushort)code).ToString());
    }

    [Fact]
    public void NamedStatuses_CodesAsPs34()
    {
        Assert.Equal(0xA700, DimseStatus.RefusedOutOfResources.Code);
        Assert.Equal(0xA900, DimseStatus.DataSetDoesNotMatchSopClass.Code);
        Assert.Equal(0xC000, DimseStatus.CannotUnderstand.Code);
        Assert.Equal(0xB000, DimseStatus.CoercionOfDataElements.Code);
        Assert.Equal(0xB006, DimseStatus.ElementsDiscarded.Code);
        Assert.Equal(0xB007, DimseStatus.DataSetDoesNotMatchSopClassWarning.Code);
        Assert.Equal(0x0110, DimseStatus.ProcessingFailure.Code);
        Assert.Equal(0x0122, DimseStatus.RefusedSopClassNotSupported.Code);
        Assert.Equal(0x0124, DimseStatus.NotAuthorized.Code);
        Assert.Equal(0x0211, DimseStatus.UnrecognizedOperation.Code);
    }
}
