using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Dicom.Imaging.Display;
using Xunit;
using static PlaoImaging.Dicom.Tests.Imaging.ImageBuilder;

namespace PlaoImaging.Dicom.Tests.Imaging;

/// <summary>
/// The grayscale pipeline against values computed by hand from the PS3.3 C.11 formulas: Modality LUT, the three VOI
/// LUT functions, VOI LUTs, inversion (MONOCHROME1, Presentation LUT Shape), the automatic windows, the analysis frame.
/// </summary>
[Trait("Category", "unit")]
public class DisplayPipelineTests
{
    [Theory]
    // LINEAR, c = 40, w = 400: borders at c − 0.5 ∓ (w − 1)/2 = −160 and 239.
    [InlineData(-161, 0)]
    [InlineData(-160, 0)]
    [InlineData(-159, 1)]     // ((−159 − 39.5) / 399 + 0.5) · 255 = 0.639
    [InlineData(0, 102)]      // ((0 − 39.5) / 399 + 0.5) · 255 = 102.256
    [InlineData(40, 128)]     // ((40 − 39.5) / 399 + 0.5) · 255 = 127.820
    [InlineData(239, 255)]    // ((239 − 39.5) / 399 + 0.5) · 255 = 255
    [InlineData(240, 255)]
    public void Linear_PS33Formula(double x, int expected)
    {
        var voi = DicomVoi.FromWindow(new DicomWindow(40, 400));
        Assert.Equal(expected, voi.To8Bit([(float)x], invert: false)[0]);
    }

    [Theory]
    // LINEAR_EXACT, c = 40, w = 400: borders at c ∓ w/2 = −160 and 240.
    [InlineData(-160, 0)]
    [InlineData(0, 102)]      // ((0 − 40) / 400 + 0.5) · 255 = 102
    [InlineData(140, 191)]    // (100 / 400 + 0.5) · 255 = 191.25
    [InlineData(240, 255)]
    [InlineData(241, 255)]
    public void LinearExact_PS33Formula(double x, int expected)
    {
        var voi = DicomVoi.FromWindow(new DicomWindow(40, 400, DicomVoiFunction.LinearExact));
        Assert.Equal(expected, voi.To8Bit([(float)x], invert: false)[0]);
    }

    [Theory]
    [InlineData(40, 128)]     // 255 / (1 + e^0) = 127.5, halves round up
    [InlineData(140, 186)]    // 255 / (1 + e^−1) = 186.420
    [InlineData(-60, 69)]     // 255 / (1 + e^1) = 68.580
    public void Sigmoid_PS33Formula(double x, int expected)
    {
        var voi = DicomVoi.FromWindow(new DicomWindow(40, 400, DicomVoiFunction.Sigmoid));
        Assert.Equal(expected, voi.To8Bit([(float)x], invert: false)[0]);
    }

    [Fact]
    public void Linear_WidthOne_IsAThreshold()
    {
        var voi = DicomVoi.FromWindow(new DicomWindow(100, 1));
        Assert.Equal([0, 255], voi.To8Bit([99.5f, 99.51f], invert: false));
    }

    [Fact]
    public void Window_InvalidWidths_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DicomWindow(0, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DicomWindow(0, 0, DicomVoiFunction.Sigmoid));
        Assert.False(DicomWindow.IsValid(0, 0.9, DicomVoiFunction.Linear));
        Assert.True(DicomWindow.IsValid(0, 0.9, DicomVoiFunction.LinearExact));
    }

    [Fact]
    public void To8Bit_Inverted_MirrorsBeforeRounding()
    {
        var voi = DicomVoi.FromWindow(new DicomWindow(40, 400));
        // 255 − 102.256 = 152.744 → 153 (not 255 − 102 = 153 by luck: 255 − 127.820 = 127.180 → 127, not 255 − 128).
        Assert.Equal([153, 127], voi.To8Bit([0f, 40f], invert: true));
    }

    [Fact]
    public void VoiLut_EntriesScaledFromTheirBitDepth()
    {
        var voi = DicomVoi.FromLut(new DicomLut(0, [0, 2048, 4095], 12));
        // 2048 · 255 / 4095 = 127.53 → 128; inputs outside the table take the end entries.
        Assert.Equal([0, 0, 128, 255, 255], voi.To8Bit([-7f, 0f, 1f, 2f, 99f], invert: false));
    }

    [Fact]
    public void Modality_RescaleAndLut()
    {
        var rescale = new DicomModalityTransform { Slope = 2, Intercept = -1024 };
        Assert.Equal([976f, -1024f], rescale.Apply([1000, 0]));
        Assert.Equal((-1024, 7166), rescale.OutputRange(0, 4095));

        var lut = new DicomModalityTransform { Lut = new DicomLut(-2, [10, 20, 30, 40], 16) };
        Assert.Equal([10f, 20f, 40f], lut.Apply([-5, -1, 5]));
        Assert.Equal((10, 40), lut.OutputRange(-2048, 2047));
        Assert.Equal((20, 30), lut.OutputRange(-1, 0));
    }

    [Theory]
    [InlineData("MONOCHROME1", null, true)]
    [InlineData("MONOCHROME1", "INVERSE", true)]
    [InlineData("MONOCHROME1", "IDENTITY", false)]
    [InlineData("MONOCHROME2", "INVERSE", true)]
    [InlineData("MONOCHROME2", "IDENTITY", false)]
    [InlineData("MONOCHROME2", null, false)]
    public void Inverts_PresentationLutShapeDecides_ElseMonochrome1(string photometric, string? shape, bool expected)
    {
        var ds = new DicomDataset().AddString(new DicomTag(0x0028, 0x0004), DicomVR.CS, photometric);
        if (shape is not null)
        {
            ds.AddString(new DicomTag(0x2050, 0x0020), DicomVR.CS, shape);
        }

        Assert.Equal(expected, DicomDisplayParameters.FromDataset(ds).Inverts);
    }

    [Fact]
    public void Parameters_MultiValuedWindow_FunctionAndExplanations()
    {
        var ds = new DicomDataset()
            .AddString(new DicomTag(0x0028, 0x0004), DicomVR.CS, "MONOCHROME2")
            .AddString(new DicomTag(0x0028, 0x1050), DicomVR.DS, "40", "300")
            .AddString(new DicomTag(0x0028, 0x1051), DicomVR.DS, "400", "1500")
            .AddString(new DicomTag(0x0028, 0x1055), DicomVR.LO, "SOFT", "BONE")
            .AddString(new DicomTag(0x0028, 0x1056), DicomVR.CS, "SIGMOID")
            .AddString(new DicomTag(0x0028, 0x1052), DicomVR.DS, "-1024")
            .AddString(new DicomTag(0x0028, 0x1053), DicomVR.DS, "1")
            .AddString(new DicomTag(0x0028, 0x1054), DicomVR.LO, "HU");

        var p = DicomDisplayParameters.FromDataset(ds);

        Assert.Equal(2, p.Windows.Count);
        Assert.Equal((40.0, 400.0, DicomVoiFunction.Sigmoid, "SOFT"), (p.Windows[0].Center, p.Windows[0].Width, p.Windows[0].Function, p.Windows[0].Explanation));
        Assert.Equal(-1024, p.Modality.Intercept);
        Assert.Equal("HU", p.Modality.Units);
        var chosen = DicomFrameRenderer.ChooseVoi([0f], [], p, DicomRenderOptions.Default);
        Assert.Same(p.Windows[0], chosen.Window);
    }

    [Fact]
    public void Parameters_FunctionalGroups_PerFrameBeforeShared()
    {
        static DicomDataset Pvt(string slope, string intercept) => new DicomDataset().AddSequence(new DicomTag(0x0028, 0x9145),
            new DicomDataset().AddString(new DicomTag(0x0028, 0x1052), DicomVR.DS, intercept).AddString(new DicomTag(0x0028, 0x1053), DicomVR.DS, slope));

        var ds = new DicomDataset()
            .AddString(new DicomTag(0x0028, 0x0004), DicomVR.CS, "MONOCHROME2")
            .AddSequence(new DicomTag(0x5200, 0x9229), Pvt("1", "-1024"))
            .AddSequence(new DicomTag(0x5200, 0x9230), new DicomDataset(), Pvt("2", "0"));

        Assert.Equal((1.0, -1024.0), (DicomDisplayParameters.FromDataset(ds, 0).Modality.Slope, DicomDisplayParameters.FromDataset(ds, 0).Modality.Intercept));
        Assert.Equal((2.0, 0.0), (DicomDisplayParameters.FromDataset(ds, 1).Modality.Slope, DicomDisplayParameters.FromDataset(ds, 1).Modality.Intercept));
    }

    [Fact]
    public void Parameters_ModalityLutSequence_ReplacesRescale()
    {
        var item = new DicomDataset()
            .AddValues(new DicomTag(0x0028, 0x3002), DicomVR.SS, (short)4, (short)-2, (short)16)
            .AddString(new DicomTag(0x0028, 0x3004), DicomVR.LO, "OD")
            .AddBytes(new DicomTag(0x0028, 0x3006), DicomVR.OW, Words(10, 20, 30, 40));
        var ds = new DicomDataset()
            .AddString(new DicomTag(0x0028, 0x0004), DicomVR.CS, "MONOCHROME2")
            .AddValues(new DicomTag(0x0028, 0x0103), DicomVR.US, (ushort)1)
            .AddSequence(new DicomTag(0x0028, 0x3000), item);

        var p = DicomDisplayParameters.FromDataset(ds);

        Assert.NotNull(p.Modality.Lut);
        Assert.Equal("OD", p.Modality.Units);
        Assert.Equal(20, p.Modality.Apply(-1));
    }

    [Fact]
    public void PercentileWindow_ExcludesPaddingAndUsesNearestRank()
    {
        var values = new float[1010];
        var padding = new bool[1010];
        for (int i = 0; i < 1000; i++)
        {
            values[i] = i;
        }

        for (int i = 1000; i < 1010; i++)
        {
            values[i] = -2000;
            padding[i] = true;
        }

        // n = 1000: indexes round(0.005 · 999) = 5 and round(0.995 · 999) = 994.
        var window = DicomFrameRenderer.PercentileWindow(values, padding)!;
        Assert.Equal((499.5, 989.0, DicomVoiFunction.LinearExact), (window.Center, window.Width, window.Function));

        // Counting the padding, the low percentile falls on it.
        var counted = DicomFrameRenderer.PercentileWindow(values, [])!;
        Assert.Equal(-2000 + (counted.Width / 2), counted.Center);
    }

    [Fact]
    public void MinMaxWindow_MapsMinimumTo0AndMaximumTo255()
    {
        float[] values = [0, 250, 999];
        var window = DicomFrameRenderer.MinMaxWindow(values, [])!;

        Assert.Equal((500.0, 1000.0), (window.Center, window.Width));
        Assert.Equal([0, 64, 255], DicomVoi.FromWindow(window).To8Bit(values, invert: false));
    }

    [Fact]
    public void PaddingMask_SignedValueAndRange()
    {
        var info = Info(1, 4, 16, 16, 15, true);
        var ds = Dataset(info, Words(-2000, -1999, -1998, 5))
            .AddValues(new DicomTag(0x0028, 0x0120), DicomVR.SS, (short)-2000)
            .AddValues(new DicomTag(0x0028, 0x0121), DicomVR.SS, (short)-1999);
        var samples = DicomFrameSamples.Unpack(Words(-2000, -1999, -1998, 5), info);

        var mask = DicomFrameRenderer.PaddingMask(samples, DicomDisplayParameters.FromDataset(ds));

        Assert.Equal([true, true, false, false], mask!);
    }

    [Fact]
    public void Render_Monochrome1WithoutWindow_AutoWindowThenInverted()
    {
        var info = Info(1, 3, 8, 8, 7, false, "MONOCHROME1");
        var ds = Dataset(info, [0, 128, 255]);
        var samples = DicomFrameSamples.Unpack([0, 128, 255], info);

        var frame = DicomFrameRenderer.Render(samples, DicomDisplayParameters.FromDataset(ds));

        // Window 0..255 (LINEAR_EXACT c 127.5, w 255): 0 → 0, 128 → 128, 255 → 255; then inverted.
        Assert.True(frame.Inverted);
        Assert.Equal([255, 127, 0], frame.Pixels);
    }

    [Fact]
    public void Render_ExplicitWindowOverridesTheDataset()
    {
        var info = Info(1, 2, 16, 12, 11, false);
        var ds = Dataset(info, Words(0, 4095))
            .AddString(new DicomTag(0x0028, 0x1050), DicomVR.DS, "0")
            .AddString(new DicomTag(0x0028, 0x1051), DicomVR.DS, "1");
        var samples = DicomFrameSamples.Unpack(Words(40, 0), info);

        var frame = DicomFrameRenderer.Render(samples, DicomDisplayParameters.FromDataset(ds), new DicomRenderOptions { Window = new DicomWindow(40, 400) });

        Assert.Equal([128, 102], frame.Pixels);
    }

    [Fact]
    public void Render_PaletteAndYbrFull_ToRgb()
    {
        var palette = Info(1, 2, 8, 8, 7, false, "PALETTE COLOR");
        var ds = Dataset(palette, [0, 1]);
        foreach (ushort element in new ushort[] { 0x1101, 0x1102, 0x1103 })
        {
            ds.AddValues(new DicomTag(0x0028, element), DicomVR.US, (ushort)2, (ushort)0, (ushort)8);
        }

        ds.AddBytes(new DicomTag(0x0028, 0x1201), DicomVR.OW, new byte[] { 255, 0 });
        ds.AddBytes(new DicomTag(0x0028, 0x1202), DicomVR.OW, new byte[] { 0, 255 });
        ds.AddBytes(new DicomTag(0x0028, 0x1203), DicomVR.OW, new byte[] { 7, 9 });
        var rendered = DicomFrameRenderer.Render(DicomFrameSamples.Unpack([0, 1], palette), DicomDisplayParameters.FromDataset(ds));
        Assert.Equal([255, 0, 7, 0, 255, 9], rendered.Pixels);

        // YBR_FULL: Y 128, Cb 128, Cr 228 → R = 128 + 1.402·100 = 268.2 → 255, G = 128 − 71.41 = 56.59 → 57, B = 128.
        var ybr = Info(1, 1, 8, 8, 7, false, "YBR_FULL", samples: 3);
        var color = DicomFrameRenderer.Render(DicomFrameSamples.Unpack([128, 128, 228], ybr), DicomDisplayParameters.FromDataset(Dataset(ybr, [128, 128, 228])));
        Assert.Equal([255, 57, 128], color.Pixels);
    }

    [Fact]
    public void Analysis_Monochrome1_ReflectedOverTheStorableModalityRange()
    {
        var info = Info(1, 3, 16, 12, 11, false, "MONOCHROME1");
        var ds = Dataset(info, Words(0, 100, 4095))
            .AddString(new DicomTag(0x0028, 0x1052), DicomVR.DS, "-10")
            .AddString(new DicomTag(0x0028, 0x1053), DicomVR.DS, "2");
        var samples = DicomFrameSamples.Unpack(Words(0, 100, 4095), info);

        var analysis = DicomFrameRenderer.ToAnalysis(samples, DicomDisplayParameters.FromDataset(ds));

        // Modality values −10, 190, 8180 over the range [−10, 8180]: m → 8170 − m.
        Assert.True(analysis.Reflected);
        Assert.Equal((-10.0, 8180.0), analysis.Range);
        Assert.Equal([8180f, 7980f, -10f], analysis.Values);
    }

    [Fact]
    public void Analysis_Monochrome2_KeepsModalityValues()
    {
        var info = Info(1, 2, 16, 16, 15, true);
        var ds = Dataset(info, Words(-5, 7)).AddString(new DicomTag(0x0028, 0x1052), DicomVR.DS, "-1024").AddString(new DicomTag(0x0028, 0x1054), DicomVR.LO, "HU");

        var analysis = DicomFrameRenderer.ToAnalysis(DicomFrameSamples.Unpack(Words(-5, 7), info), DicomDisplayParameters.FromDataset(ds));

        Assert.False(analysis.Reflected);
        Assert.Equal("HU", analysis.Units);
        Assert.Equal([-1029f, -1017f], analysis.Values);
    }
}
