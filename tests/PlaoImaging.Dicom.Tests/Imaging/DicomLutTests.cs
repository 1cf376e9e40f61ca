using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Dicom.Imaging.Display;
using Xunit;
using static PlaoImaging.Dicom.Tests.Imaging.ImageBuilder;

namespace PlaoImaging.Dicom.Tests.Imaging;

/// <summary>LUT Descriptor / Data parsing (PS3.3 C.11.1.1.1, C.7.6.3.1.5), segmented palettes (C.7.9.2) and palette colour.</summary>
[Trait("Category", "unit")]
public class DicomLutTests
{
    [Fact]
    public void Parse_SixteenBitSignedFirstMapped_ClampsOutsideTheTable()
    {
        // 4 entries, first mapped value -2 (0xFFFE read as SS), 16 bits.
        var lut = DicomLut.Parse(Words(4, 0xFFFE, 16), Words(10, 20, 30, 40), signedInput: true, "test");

        Assert.Equal(-2, lut.FirstMapped);
        Assert.Equal(10, lut.Lookup(-5L));
        Assert.Equal(10, lut.Lookup(-2L));
        Assert.Equal(20, lut.Lookup(-1L));
        Assert.Equal(40, lut.Lookup(1L));
        Assert.Equal(40, lut.Lookup(100L));
        Assert.Equal(30, lut.Lookup(0.4));
        Assert.Equal(65534, DicomLut.Parse(Words(4, 0xFFFE, 16), Words(10, 20, 30, 40), signedInput: false, "test").FirstMapped);
    }

    [Fact]
    public void Parse_EightBitEntries_BytesOrOnePerWord()
    {
        Assert.Equal([1, 2, 3], DicomLut.Parse(Words(3, 0, 8), [1, 2, 3, 0], false, "bytes").Entries);
        Assert.Equal([1, 2, 3], DicomLut.Parse(Words(3, 0, 8), Words(1, 2, 3), false, "low bytes").Entries);
        Assert.Equal([1, 2, 3], DicomLut.Parse(Words(3, 0, 8), Words(0x0100, 0x0200, 0x0300), false, "high bytes").Entries);
    }

    [Fact]
    public void Parse_ZeroEntries_Means65536()
    {
        var lut = DicomLut.Parse(Words(0, 0, 16), new byte[2 * 65536], false, "full");
        Assert.Equal(65536, lut.Entries.Length);
    }

    [Fact]
    public void Parse_TooLittleData_Throws()
    {
        Assert.Throws<DicomPixelDataException>(() => DicomLut.Parse(Words(4, 0, 16), Words(1, 2), false, "short"));
        Assert.Throws<DicomPixelDataException>(() => DicomLut.Parse(Words(4, 0, 17), Words(1, 2, 3, 4), false, "bits"));
    }

    [Fact]
    public void ExpandSegmented_DiscreteLinearIndirect()
    {
        // Discrete 0,10,20; linear to 60 over 4 entries (30,40,50,60); indirect: 1 segment copied from word offset 0.
        ushort[] words = [0, 3, 0, 10, 20, 1, 4, 60, 2, 1, 0, 0];

        var entries = DicomLut.ExpandSegmented(words, 10, "segmented");

        Assert.Equal([0, 10, 20, 30, 40, 50, 60, 0, 10, 20], entries);
    }

    [Fact]
    public void ExpandSegmented_UnknownOpcodeOrShortData_Throws()
    {
        Assert.Throws<DicomPixelDataException>(() => DicomLut.ExpandSegmented(new ushort[] { 7, 1, 0 }, 1, "bad"));
        Assert.Throws<DicomPixelDataException>(() => DicomLut.ExpandSegmented(new ushort[] { 0, 2, 5, 6 }, 3, "short"));
    }

    [Fact]
    public void Palette_FromDataset_SixteenBitEntriesScaledTo8Bits()
    {
        var ds = new DicomDataset();
        ds.AddValues(new DicomTag(0x0028, 0x1101), DicomVR.US, (ushort)3, (ushort)0, (ushort)16);
        ds.AddValues(new DicomTag(0x0028, 0x1102), DicomVR.US, (ushort)3, (ushort)0, (ushort)16);
        ds.AddValues(new DicomTag(0x0028, 0x1103), DicomVR.US, (ushort)3, (ushort)0, (ushort)16);
        ds.AddBytes(new DicomTag(0x0028, 0x1201), DicomVR.OW, Words(0, 32768, 65535));
        ds.AddBytes(new DicomTag(0x0028, 0x1202), DicomVR.OW, Words(65535, 0, 0));
        // Blue as segmented data: discrete 257, then linear to 771 over 2 entries (514, 771).
        ds.AddBytes(new DicomTag(0x0028, 0x1223), DicomVR.OW, Words(0, 1, 257, 1, 2, 771));

        var palette = DicomPalette.FromDataset(ds, signedIndices: false);
        var rgb = palette.ToRgb8([0, 1, 2, 9]);

        // 32768 · 255 / 65535 = 127.502 → 128; 257 → 1, 514 → 2, 771 → 3; index 9 takes the last entry.
        Assert.Equal([0, 255, 1, 128, 0, 2, 255, 0, 3, 255, 0, 3], rgb);
    }

    [Fact]
    public void Palette_Missing_Throws()
    {
        Assert.Throws<DicomPixelDataException>(() => DicomPalette.FromDataset(new DicomDataset(), false));
    }
}
