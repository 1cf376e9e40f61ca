using PlaoImaging.Dicom;
using PlaoImaging.Reporting.Common;
using Xunit;

namespace PlaoImaging.Reporting.Tests.Common;

public sealed class PatientStudyAttributesTests
{
    private const string StudyUid = "1.2.826.0.1.3680043.8.498.1";
    private const string JapaneseName = "Yamada^Tarou=山田^太郎=やまだ^たろう";

    [Fact]
    public void Copy_Iso2022Name_BytesAndTextUnchanged()
    {
        var source = SourceImage("\\ISO 2022 IR 87", JapaneseName);

        var copy = PatientStudyAttributes.Copy(source);

        Assert.Equal(Bytes(source, DicomTags.PatientName), Bytes(copy, DicomTags.PatientName));
        Assert.Equal(Bytes(source, DicomTags.SpecificCharacterSet), Bytes(copy, DicomTags.SpecificCharacterSet));
        Assert.Equal(JapaneseName, copy.GetString(DicomTags.PatientName));
    }

    [Fact]
    public void Copy_PatientAndStudyAttributes_AllCarriedAndNothingElse()
    {
        var source = SourceImage("ISO_IR 100", "Müller^Jörg");
        source.AddString(DicomTags.SOPInstanceUID, DicomVR.UI, "1.2.3.4");
        source.AddString(DicomTags.Modality, DicomVR.CS, "DX");
        source.AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, "1.2.3.5");

        var copy = PatientStudyAttributes.Copy(source);

        Assert.Equal("Müller^Jörg", copy.GetString(DicomTags.PatientName));
        Assert.Equal("PID-1", copy.GetString(DicomTags.PatientID));
        Assert.Equal("HOSP", copy.GetString(DicomTags.IssuerOfPatientID));
        Assert.Equal("19500101", copy.GetString(DicomTags.PatientBirthDate));
        Assert.Equal("F", copy.GetString(DicomTags.PatientSex));
        Assert.Equal(StudyUid, copy.GetString(DicomTags.StudyInstanceUID));
        Assert.Equal("20260102", copy.GetString(DicomTags.StudyDate));
        Assert.Equal("101500", copy.GetString(DicomTags.StudyTime));
        Assert.Equal("Dr^Who", copy.GetString(DicomTags.ReferringPhysicianName));
        Assert.Equal("S1", copy.GetString(DicomTags.StudyID));
        Assert.Equal("ACC1", copy.GetString(DicomTags.AccessionNumber));
        Assert.Equal("Wirbelsäule lateral", copy.GetString(DicomTags.StudyDescription));
        Assert.Equal("OTHER-7", copy.GetSequence(DicomTags.OtherPatientIDsSequence).Items[0].GetString(DicomTags.PatientID));
        Assert.False(copy.Contains(DicomTags.SOPInstanceUID));
        Assert.False(copy.Contains(DicomTags.Modality));
        Assert.False(copy.Contains(DicomTags.SeriesInstanceUID));
    }

    [Fact]
    public void Copy_SequenceItems_AreNewObjects()
    {
        var source = SourceImage("ISO_IR 100", "A^B");

        var copy = PatientStudyAttributes.Copy(source);

        var original = source.GetSequence(DicomTags.OtherPatientIDsSequence).Items[0];
        var copied = copy.GetSequence(DicomTags.OtherPatientIDsSequence).Items[0];
        Assert.NotSame(original, copied);
        Assert.Same(copy, copied.Parent);
    }

    [Fact]
    public void Copy_MissingType2Attributes_WrittenEmpty()
    {
        var source = new DicomDataset().AddString(DicomTags.StudyInstanceUID, DicomVR.UI, StudyUid);

        var copy = PatientStudyAttributes.Copy(source);

        foreach (var tag in PatientStudyAttributes.RequiredEmptyTags)
        {
            Assert.True(copy.Contains(tag), $"{tag} missing");
            Assert.Equal(0, copy[tag].Length);
        }

        Assert.False(copy.Contains(DicomTags.SpecificCharacterSet));
    }

    [Fact]
    public void CopyInto_TargetCharsetReplacedBySource()
    {
        var source = new DicomDataset().AddString(DicomTags.StudyInstanceUID, DicomVR.UI, StudyUid);
        var target = new DicomDataset().AddString(DicomTags.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");

        PatientStudyAttributes.CopyInto(source, target);

        Assert.False(target.Contains(DicomTags.SpecificCharacterSet));
    }

    [Fact]
    public void Copy_NoStudyInstanceUid_ThrowsNamingTheTag()
    {
        var source = new DicomDataset().AddString(DicomTags.PatientID, DicomVR.LO, "X");

        var error = Assert.Throws<DicomValueException>(() => PatientStudyAttributes.Copy(source));

        Assert.Equal(DicomTags.StudyInstanceUID, error.Tag);
    }

    private static DicomDataset SourceImage(string specificCharacterSet, string patientName)
    {
        var source = new DicomDataset();
        source.AddString(DicomTags.SpecificCharacterSet, DicomVR.CS, specificCharacterSet.Split('\\'));
        source.AddString(DicomTags.PatientName, DicomVR.PN, patientName);
        source.AddString(DicomTags.PatientID, DicomVR.LO, "PID-1");
        source.AddString(DicomTags.IssuerOfPatientID, DicomVR.LO, "HOSP");
        source.AddString(DicomTags.PatientBirthDate, DicomVR.DA, "19500101");
        source.AddString(DicomTags.PatientSex, DicomVR.CS, "F");
        var other = new DicomDataset().AddString(DicomTags.PatientID, DicomVR.LO, "OTHER-7");
        source.AddSequence(DicomTags.OtherPatientIDsSequence, other);
        source.AddString(DicomTags.StudyInstanceUID, DicomVR.UI, StudyUid);
        source.AddString(DicomTags.StudyDate, DicomVR.DA, "20260102");
        source.AddString(DicomTags.StudyTime, DicomVR.TM, "101500");
        source.AddString(DicomTags.ReferringPhysicianName, DicomVR.PN, "Dr^Who");
        source.AddString(DicomTags.StudyID, DicomVR.SH, "S1");
        source.AddString(DicomTags.AccessionNumber, DicomVR.SH, "ACC1");
        if (specificCharacterSet == "ISO_IR 100")
        {
            source.AddString(DicomTags.StudyDescription, DicomVR.LO, "Wirbelsäule lateral");
        }

        return source;
    }

    /// <summary>The bytes the element is written as, in the character set in force in its dataset.</summary>
    private static byte[] Bytes(DicomDataset dataset, DicomTag tag) =>
        ((DicomValueElement)dataset[tag]).GetBytes(dataset.TextEncoding).ToArray();
}
