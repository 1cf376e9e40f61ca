using PlaoImaging.Dicom;
using Xunit;

namespace PlaoImaging.Dicom.Tests.Core;

[Trait("Category", "unit")]
public class DicomDatasetTests
{
    private static readonly DicomTag PatientName = new(0x0010, 0x0010);
    private static readonly DicomTag ImagePosition = new(0x0020, 0x0032);
    private static readonly DicomTag Rows = new(0x0028, 0x0010);

    [Fact]
    public void Add_OutOfOrder_KeepsTagOrder()
    {
        var ds = new DicomDataset();
        ds.AddValues(Rows, DicomVR.US, (ushort)512);
        ds.AddString(PatientName, DicomVR.PN, "Doe^Jane");
        ds.AddString(new DicomTag(0x0008, 0x0060), DicomVR.CS, "CR");
        Assert.Equal([0x00080060u, 0x00100010u, 0x00280010u], ds.Select(e => e.Tag.Value));
    }

    [Fact]
    public void GetValues_MultiValuedDecimalString_ReturnsEachValue()
    {
        var ds = new DicomDataset().AddString(ImagePosition, DicomVR.DS, "-12.5", "3", "1e2");
        Assert.Equal([-12.5, 3.0, 100.0], ds.GetValues<double>(ImagePosition));
        Assert.Equal(3, ds.GetValueCount(ImagePosition));
    }

    [Fact]
    public void GetSingleValue_Absent_ThrowsNamingTag()
    {
        var ex = Assert.Throws<DicomValueException>(() => new DicomDataset().GetSingleValue<int>(Rows));
        Assert.Equal(Rows, ex.Tag);
    }

    [Fact]
    public void GetSingleValue_MultiValued_Throws()
    {
        var ds = new DicomDataset().AddString(ImagePosition, DicomVR.DS, "1", "2", "3");
        Assert.Throws<DicomValueException>(() => ds.GetSingleValue<double>(ImagePosition));
    }

    [Fact]
    public void TryGetSingleValue_Unparseable_ReturnsFalse()
    {
        var ds = new DicomDataset().AddString(new DicomTag(0x0020, 0x0013), DicomVR.IS, "abc");
        Assert.False(ds.TryGetSingleValue<int>(new DicomTag(0x0020, 0x0013), out _));
        Assert.Throws<DicomValueException>(() => ds.GetSingleValueOrDefault(new DicomTag(0x0020, 0x0013), 0));
    }

    [Fact]
    public void GetSingleValueOrDefault_Absent_ReturnsDefault() =>
        Assert.Equal(7, new DicomDataset().GetSingleValueOrDefault(Rows, 7));

    [Fact]
    public void PersonName_Components_AreSplit()
    {
        var ds = new DicomDataset()
            .AddString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192")
            .AddString(PatientName, DicomVR.PN, "Yamada^Tarou=山田^太郎=やまだ^たろう");
        var pn = ds.GetSingleValue<DicomPersonName>(PatientName);
        Assert.Equal("Yamada", pn.FamilyName);
        Assert.Equal("Tarou", pn.GivenName);
        Assert.Equal("山田^太郎", pn.Ideographic);
        Assert.Equal("やまだ^たろう", pn.Phonetic);
    }

    [Fact]
    public void DateTimeValues_ParseWithPrecision()
    {
        var ds = new DicomDataset()
            .AddString(new DicomTag(0x0008, 0x0020), DicomVR.DA, "20260131")
            .AddString(new DicomTag(0x0008, 0x0030), DicomVR.TM, "101502.25")
            .AddString(new DicomTag(0x0008, 0x002A), DicomVR.DT, "202601311015+0100");
        Assert.Equal(new DateOnly(2026, 1, 31), ds.GetSingleValue<DateOnly>(new DicomTag(0x0008, 0x0020)));
        Assert.Equal(new TimeOnly(10, 15, 2, 250), ds.GetSingleValue<TimeOnly>(new DicomTag(0x0008, 0x0030)));
        var dt = ds.GetSingleValue<DicomDateTime>(new DicomTag(0x0008, 0x002A));
        Assert.Equal(DicomDateTimePrecision.Minute, dt.Precision);
        Assert.Equal(TimeSpan.FromHours(1), dt.Offset);
    }

    [Fact]
    public void AddString_BackslashInMultiValuedVR_Throws() =>
        Assert.Throws<DicomValueException>(() => new DicomDataset().AddString(new DicomTag(0x0008, 0x0060), DicomVR.CS, "A\\B"));

    [Fact]
    public void AttributeTag_RoundTripsThroughBytes()
    {
        var at = new DicomTag(0x0020, 0x9165);
        var ds = new DicomDataset().AddValues(at, DicomVR.AT, new DicomTag(0x0010, 0x0010), new DicomTag(0x0028, 0x0030));
        Assert.Equal([new DicomTag(0x0010, 0x0010), new DicomTag(0x0028, 0x0030)], ds.GetValues<DicomTag>(at));
    }

    [Fact]
    public void GetOrReservePrivateTag_NewCreator_ReservesFirstFreeBlock()
    {
        var ds = new DicomDataset().AddString(new DicomTag(0x0009, 0x0010), DicomVR.LO, "OTHER");
        var tag = ds.GetOrReservePrivateTag(0x0009, "PLAO", 0x01);
        Assert.Equal(new DicomTag(0x0009, 0x1101), tag);
        Assert.Equal("PLAO", ds.GetPrivateCreator(tag));
        Assert.Equal(tag, ds.GetOrReservePrivateTag(0x0009, "PLAO", 0x01));
    }

    [Fact]
    public void Uid_NewUid_Is225FormAndValid()
    {
        var uid = DicomUidGenerator.NewUid();
        Assert.StartsWith("2.25.", uid, StringComparison.Ordinal);
        Assert.True(DicomUidGenerator.IsValid(uid));
        Assert.Equal(DicomUidGenerator.FromName("x"), DicomUidGenerator.FromName("x"));
        Assert.True(DicomUidGenerator.IsValid(DicomImplementation.ClassUid));
    }
}
